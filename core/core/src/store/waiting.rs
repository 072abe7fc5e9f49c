//! The list of pulled records waiting for their author's key, bounded so that a server or
//! device cannot fill the device with them. The peer's sync (waiting for a device
//! certificate) and the coordinator's (waiting for the chapter's account list) both use it.

use super::sync;
use crate::error::Result;
use peerlog_protocol::Envelope;
use rusqlite::Connection;

/// At most this many pulled records wait for their author's certificate. A real backlog
/// is small (a device pushes its certificate before anything it writes, so only records
/// around a page boundary wait); more means a server or device is filling the phone, and
/// every waiting record is opened again whenever a certificate arrives.
pub const MAX_DEFERRED_RECORDS: u64 = 1_000;
/// And at most this many bytes of their envelopes (four of the largest records the
/// protocol allows), so a few huge records cannot fill the phone either.
pub const MAX_DEFERRED_BYTES: u64 = 32 * 1024 * 1024;

/// Where [`Waiting::defer`] put a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parked {
    /// On the list (or already there).
    Waiting,
    /// The list is full: not kept, never applied.
    Dropped,
}

/// The waiting list while a page is applied.
#[derive(Debug)]
pub struct Waiting {
    pub records: u64,
    pub bytes: u64,
    pub max_records: u64,
    pub max_bytes: u64,
    /// Records dropped in this page.
    pub dropped: u64,
    /// A device key was learned in this page, so waiting records may now apply.
    pub learned: bool,
}

impl Waiting {
    pub fn load(tx: &Connection) -> Result<Self> {
        let (records, bytes) = sync::deferred_size(tx)?;
        Ok(Self {
            records,
            bytes,
            max_records: MAX_DEFERRED_RECORDS,
            max_bytes: MAX_DEFERRED_BYTES,
            dropped: 0,
            learned: false,
        })
    }

    /// Puts `env` on the waiting list if it fits.
    pub fn defer(&mut self, tx: &Connection, env: &Envelope) -> Result<Parked> {
        if sync::is_deferred(tx, env)? {
            return Ok(Parked::Waiting);
        }
        let bytes = env.to_json_bytes()?;
        let size = bytes.len() as u64;
        if self.records >= self.max_records || self.bytes.saturating_add(size) > self.max_bytes {
            self.dropped += 1;
            return Ok(Parked::Dropped);
        }
        sync::defer(tx, env, &bytes)?;
        self.records += 1;
        self.bytes += size;
        Ok(Parked::Waiting)
    }

    /// Takes `env` off the waiting list (to try it again).
    pub fn undefer(&mut self, tx: &Connection, env: &Envelope) -> Result<()> {
        sync::undefer(tx, env)?;
        let size = env.to_json_bytes()?.len() as u64;
        self.records = self.records.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(size);
        Ok(())
    }
}
