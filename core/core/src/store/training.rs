//! The clear index of the chapter's training records of this peer: dates only, for the
//! list and the expiry reminder; the course name stays in the sealed record.

use crate::error::Result;
use rusqlite::{Connection, params};

/// One training record as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRow {
    pub id: String,
    pub date: String,
    pub valid_until: Option<String>,
}

/// Keeps the newest version of a training record's dates.
pub fn put(
    c: &Connection,
    id: &str,
    date: &str,
    valid_until: Option<&str>,
    version: u64,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO training_index (id, date, valid_until, version) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET date = excluded.date,
            valid_until = excluded.valid_until, version = excluded.version
         WHERE excluded.version >= training_index.version",
    )?
    .execute(params![id, date, valid_until, version as i64])?;
    Ok(())
}

/// Every indexed training record, newest course first.
pub fn all(c: &Connection) -> Result<Vec<TrainingRow>> {
    let mut stmt =
        c.prepare("SELECT id, date, valid_until FROM training_index ORDER BY date DESC, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(TrainingRow {
            id: r.get(0)?,
            date: r.get(1)?,
            valid_until: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
