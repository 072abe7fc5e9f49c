//! The device's record clock: one hybrid logical clock per home, persisted in the store's
//! `meta` in the same transaction as the record it versions. The peer's session and the
//! coordinator both version their records with it.

use crate::error::Result;
use crate::store;
use peerlog_protocol::Hlc;
use rusqlite::Connection;

/// Meta key of the last version this device issued or observed.
pub(crate) const META_HLC: &str = "hlc";

/// The last record version this device issued or observed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    last: u64,
}

impl Clock {
    /// The clock as the store last saved it (zero on a fresh store).
    pub fn load(conn: &Connection) -> Result<Self> {
        let last = store::meta_get(conn, META_HLC)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        Ok(Self { last })
    }

    /// The next version, saved with `conn` (commit it with the record it versions).
    pub fn next(&mut self, conn: &Connection) -> Result<u64> {
        let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let v = Hlc::next(self.last, now_ms);
        store::meta_put(conn, META_HLC, &v.to_be_bytes())?;
        self.last = v;
        Ok(v)
    }

    /// Observes a version written elsewhere, so the next one of ours is newer.
    pub fn observe(&mut self, conn: &Connection, v: u64) -> Result<()> {
        if v > self.last {
            self.last = v;
            store::meta_put(conn, META_HLC, &v.to_be_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_survive_a_reload_and_stay_ahead_of_observed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let st = store::Store::open(&dir.path().join("c.db")).unwrap();
        let mut c = Clock::load(st.conn()).unwrap();
        let a = c.next(st.conn()).unwrap();
        let b = c.next(st.conn()).unwrap();
        assert!(b > a);
        let far = b + 1_000_000;
        c.observe(st.conn(), far).unwrap();
        c.observe(st.conn(), a).unwrap(); // an older one changes nothing
        let mut reloaded = Clock::load(st.conn()).unwrap();
        assert_eq!(reloaded, c);
        assert!(reloaded.next(st.conn()).unwrap() > far);
    }
}
