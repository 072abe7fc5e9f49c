//! The plaintext baseline: the same rows as the encrypted store, in SQLite with the same
//! settings (WAL, `synchronous = NORMAL`, `secure_delete`) and the same durability (one
//! transaction per contact), doing the same work without any cryptography: the payload
//! is stored as clear canonical JSON where the real store keeps a sealed envelope. What the
//! encrypted paths cost over these is what encryption costs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
// The real shared part, so the baseline serialises exactly what the store seals.
use peerlog_core::ContactInput;
use peerlog_core::model::ContactPayload;
use peerlog_rules::{ContactFacts, Evaluation, RuleSet, SummaryEntry};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::path::Path;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) STRICT;
    CREATE TABLE IF NOT EXISTS records (
        collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
        author_device TEXT NOT NULL, deleted INTEGER NOT NULL, payload BLOB NOT NULL,
        pending INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (collection, id)) STRICT;
    CREATE TABLE IF NOT EXISTS record_history (
        collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
        author_device TEXT NOT NULL, deleted INTEGER NOT NULL, payload BLOB NOT NULL,
        PRIMARY KEY (collection, id, version)) STRICT;
    CREATE TABLE IF NOT EXISTS contact_index (
        id TEXT PRIMARY KEY NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL,
        minutes INTEGER NOT NULL, participants INTEGER NOT NULL, abroad INTEGER NOT NULL,
        led_by_peer INTEGER NOT NULL, deleted INTEGER NOT NULL) STRICT;
    CREATE INDEX IF NOT EXISTS contact_index_date_covering ON contact_index
        (date, id, kind, minutes, participants, abroad, led_by_peer) WHERE deleted = 0;
";

/// A contact's private part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlainNote {
    pub private_ref: Option<String>,
    pub private_note: Option<String>,
}

/// A listed contact, ready to show: both parts and the rules' decision.
#[derive(Debug)]
pub struct Listed {
    pub id: String,
    pub contact: ContactPayload,
    pub note: Option<PlainNote>,
    pub evaluation: Evaluation,
}

pub struct PlainStore {
    pub conn: Connection,
    version: u64,
}

impl PlainStore {
    pub fn open(path: &Path) -> Self {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        let _: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .unwrap();
        let _: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let version = conn
            .query_row("SELECT value FROM meta WHERE key = 'clock'", [], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()
            .unwrap()
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()));
        Self { conn, version }
    }

    /// Logs a contact: the same rows as the real store (record, history, private part,
    /// index, the clock), clear, in one transaction.
    pub fn log(&mut self, input: &ContactInput) {
        let now = chrono::Utc::now().to_rfc3339();
        let id = uuid::Uuid::now_v7().to_string();
        let c = ContactPayload {
            schema: 1,
            date: NaiveDate::parse_from_str(&input.date, "%Y-%m-%d").unwrap(),
            start_time: input.start_time.clone(),
            minutes: input.minutes,
            kind: input.kind,
            participants: input.participants,
            who: input.who,
            is_new: input.is_new,
            abroad: input.abroad,
            led_by_peer: input.led_by_peer,
            place: input.place,
            municipality: input.municipality.clone(),
            topics: input.topics.clone(),
            travel_km: input.travel_km,
            shared_note: input.shared_note.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        let note =
            (input.private_ref.is_some() || input.private_note.is_some()).then(|| PlainNote {
                private_ref: input.private_ref.clone(),
                private_note: input.private_note.clone(),
            });
        self.version += 1;
        let tx = self.conn.transaction().unwrap();
        let put = |collection: &str, payload: Vec<u8>, version: u64| {
            for sql in [
                "INSERT OR REPLACE INTO records (collection, id, version, author_device, deleted, payload, pending)
                 VALUES (?1, ?2, ?3, 'device', 0, ?4, 1)",
                "INSERT OR IGNORE INTO record_history (collection, id, version, author_device, deleted, payload)
                 VALUES (?1, ?2, ?3, 'device', 0, ?4)",
            ] {
                tx.prepare_cached(sql)
                    .unwrap()
                    .execute(params![collection, id, version as i64, payload])
                    .unwrap();
            }
        };
        put(
            "contacts",
            peerlog_protocol::canonical::to_canonical_vec(&c).unwrap(),
            self.version,
        );
        if let Some(n) = &note {
            put(
                "notes",
                peerlog_protocol::canonical::to_canonical_vec(n).unwrap(),
                self.version,
            );
        }
        tx.prepare_cached(
            "INSERT OR REPLACE INTO contact_index (id, date, kind, minutes, participants, abroad, led_by_peer, deleted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
        )
        .unwrap()
        .execute(params![
            id,
            c.date.to_string(),
            c.kind.as_str(),
            c.minutes,
            c.participants,
            c.abroad,
            c.led_by_peer
        ])
        .unwrap();
        tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('clock', ?1)")
            .unwrap()
            .execute([self.version.to_le_bytes().to_vec()])
            .unwrap();
        tx.commit().unwrap();
    }

    /// The contacts of `from..=to`, both parts parsed and evaluated: one query joining the
    /// index and the records, as the real list does.
    pub fn list(&self, rules: &RuleSet, from: &str, to: &str) -> Vec<Listed> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.id, r.payload, n.payload FROM contact_index i
                 LEFT JOIN records r ON r.collection = 'contacts' AND r.id = i.id
                 LEFT JOIN records n ON n.collection = 'notes' AND n.id = i.id AND n.deleted = 0
                 WHERE i.deleted = 0 AND i.date >= ?1 AND i.date <= ?2 ORDER BY i.date, i.id",
            )
            .unwrap();
        stmt.query_map([from, to], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
            ))
        })
        .unwrap()
        .map(|row| {
            let (id, contact, note) = row.unwrap();
            let contact: ContactPayload = serde_json::from_slice(&contact).unwrap();
            let note = note.map(|n| serde_json::from_slice(&n).unwrap());
            let evaluation = rules.evaluate(&contact.facts());
            Listed {
                id,
                contact,
                note,
                evaluation,
            }
        })
        .collect()
    }

    /// The year's summary from the clear index, as the real summary makes it.
    pub fn year_summary(&self, rules: &RuleSet, year: i32) -> peerlog_rules::Summary {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, date, kind, minutes, participants, abroad, led_by_peer FROM contact_index
                 WHERE deleted = 0 AND date >= ?1 AND date <= ?2 ORDER BY date, id",
            )
            .unwrap();
        let entries: Vec<SummaryEntry> = stmt
            .query_map([from.to_string(), to.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })
            .unwrap()
            .map(|row| {
                let (id, date, kind, minutes, participants, abroad, led_by_peer) = row.unwrap();
                let facts = ContactFacts {
                    kind: kind.parse().unwrap(),
                    minutes,
                    participants,
                    abroad,
                    led_by_peer,
                };
                SummaryEntry {
                    id,
                    date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap(),
                    kind: facts.kind,
                    evaluation: rules.evaluate(&facts),
                }
            })
            .collect();
        peerlog_rules::summarise(rules, from, to, &entries, peerlog_rules::Locale::Nb)
    }
}
