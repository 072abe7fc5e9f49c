//! The device's record clock: one hybrid logical clock per home, persisted in the store's
//! `meta` in the same transaction as the record it versions. The peer's session and the
//! coordinator both version their records with it.

use crate::error::Result;
use crate::store;
use peerlog_protocol::Hlc;
use rusqlite::Connection;

/// Meta key of the last version this device issued or observed.
pub(crate) const META_HLC: &str = "hlc";
/// How far ahead of this device's wall clock an observed version may pull the clock: a
/// day. Another phone of the peer with a clock set a little wrong is followed; a version
/// further ahead (a broken or hostile writer, up to 2^53 − 1) is stored as it is but never
/// drags this clock along, so this device can always write (a version past 2^53 − 1 would
/// be refused by every envelope).
pub const MAX_LEAD_MS: u64 = 24 * 60 * 60 * 1000;

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

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
        let v = Hlc::next(self.last, now_ms());
        store::meta_put(conn, META_HLC, &v.to_be_bytes())?;
        self.last = v;
        Ok(v)
    }

    /// Observes a version written elsewhere, so the next one of ours is newer — unless it
    /// lies more than [`MAX_LEAD_MS`] ahead of this device's clock.
    pub fn observe(&mut self, conn: &Connection, v: u64) -> Result<()> {
        let limit = Hlc::next(0, now_ms().saturating_add(MAX_LEAD_MS)).saturating_add(999);
        if v > self.last && v <= limit {
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

    #[test]
    fn a_version_far_in_the_future_never_drags_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let st = store::Store::open(&dir.path().join("c.db")).unwrap();
        let mut c = Clock::load(st.conn()).unwrap();
        let mine = c.next(st.conn()).unwrap();
        // 2^53 − 1, the largest version an envelope may carry, and two days ahead.
        c.observe(st.conn(), peerlog_protocol::canonical::MAX_SAFE_INTEGER)
            .unwrap();
        c.observe(st.conn(), Hlc::next(0, now_ms() + 2 * MAX_LEAD_MS))
            .unwrap();
        let next = c.next(st.conn()).unwrap();
        assert!(next > mine && next < Hlc::next(0, now_ms() + MAX_LEAD_MS));
        // An hour ahead (another phone's clock a little fast) is followed.
        let ahead = Hlc::next(0, now_ms() + 3_600_000);
        c.observe(st.conn(), ahead).unwrap();
        assert!(c.next(st.conn()).unwrap() > ahead);
        assert!(
            Clock::load(st.conn()).unwrap().last < peerlog_protocol::canonical::MAX_SAFE_INTEGER
        );
    }
}
