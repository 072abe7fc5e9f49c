//! Importing last year's log from a CSV file (layout in `docs/import.md`): every row is
//! checked with the rules of a contact typed in the app, every bad row is reported with
//! its line number and each field's error in the peer's language, and nothing is imported
//! unless every row is valid. Each row's record id is derived from the peer's account, the
//! line and the row's fields, so importing the same file again imports nothing twice
//! (ADR 0021).

use crate::contacts;
use crate::declarations;
use crate::error::{CoreError, Result};
use crate::i18n::Invalid;
use crate::model::{ContactInput, validate_contact};
use crate::session::Session;
use crate::store::{self, Store};
use crate::util::today;
use peerlog_protocol::Collection;
use peerlog_rules::{ContactKind, Locale, Place};
use serde::Serialize;

/// The largest file accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;
/// The most rows accepted in one file.
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// The columns of the file's first line, in any order (`participants`, `place`, `abroad`
/// and `private_ref` may be left out).
pub const COLUMNS: [&str; 7] = [
    "date",
    "kind",
    "minutes",
    "participants",
    "place",
    "abroad",
    "private_ref",
];
const REQUIRED: [&str; 3] = ["date", "kind", "minutes"];

/// One problem in the file: its line (1 is the header; 0 the file as a whole), the column
/// and the error in the peer's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ImportRowError {
    pub line: u64,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// What an import did (or, on a dry run or with errors, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ImportResult {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows imported now (on a dry run: that would be imported).
    pub imported: u64,
    /// Rows already imported from this file before: skipped.
    pub already_imported: u64,
    pub dry_run: bool,
    /// Every bad row's errors; when any, nothing was imported.
    pub errors: Vec<ImportRowError>,
}

fn row_error(line: u64, field: &str, why: Invalid, l: Locale) -> ImportRowError {
    ImportRowError {
        line,
        field: field.into(),
        code: why.code().into(),
        message: why.message(l),
    }
}

/// A deterministic record id (a UUID) for a row: SHA-256 of the account, the line and the
/// row's fields.
fn row_id(account: &str, line: u64, fields: &[&str]) -> String {
    let mut data = Vec::new();
    data.extend_from_slice(b"peerlog-import/1\0");
    data.extend_from_slice(account.as_bytes());
    data.push(0);
    data.extend_from_slice(line.to_string().as_bytes());
    for f in fields {
        data.push(0);
        data.extend_from_slice(f.as_bytes());
    }
    let h = peerlog_crypto::sha256(&data);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    // A version 8 (custom) UUID with the RFC 9562 variant.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "0" | "nei" | "nej" => Some(false),
        "yes" | "true" | "1" | "ja" => Some(true),
        _ => None,
    }
}

/// One parsed row: its line, id and input, or its errors.
type Parsed = (u64, String, ContactInput);

/// Parses and checks the whole file; no storage touched.
fn parse(bytes: &[u8], account: &str, l: Locale) -> (Vec<Parsed>, Vec<ImportRowError>, u64) {
    let mut errors = Vec::new();
    if bytes.len() > MAX_IMPORT_BYTES {
        errors.push(row_error(0, "file", Invalid::TooLong(MAX_IMPORT_BYTES), l));
        return (Vec::new(), errors, 0);
    }
    // A spreadsheet's UTF-8 byte-order mark is not part of the first column's name.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(_) => {
            errors.push(row_error(1, "file", Invalid::BadCsv, l));
            return (Vec::new(), errors, 0);
        }
    };
    for c in &header {
        if !COLUMNS.contains(&c.as_str()) {
            errors.push(row_error(1, c, Invalid::NotAllowed, l));
        }
    }
    for c in REQUIRED {
        if !header.iter().any(|h| h == c) {
            errors.push(row_error(1, c, Invalid::MissingColumn, l));
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors, 0);
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let now = today();
    let mut out = Vec::new();
    let mut rows = 0u64;
    for record in reader.records() {
        rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(row_error(line, "file", Invalid::BadCsv, l));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if rows > MAX_IMPORT_ROWS as u64 {
            errors.push(row_error(
                line,
                "file",
                Invalid::TooMany(MAX_IMPORT_ROWS),
                l,
            ));
            break;
        }
        let get = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("").trim();
        let mut fail = |field: &str, why: Invalid| errors.push(row_error(line, field, why, l));
        let kind = get("kind").parse::<ContactKind>().ok();
        if kind.is_none() {
            fail("kind", Invalid::NotAllowed);
        }
        let minutes = get("minutes").parse::<u32>().ok();
        if minutes.is_none() {
            fail("minutes", Invalid::NotANumber);
        }
        let participants = match get("participants") {
            "" => Some(1),
            p => p.parse::<u32>().ok(),
        };
        if participants.is_none() {
            fail("participants", Invalid::NotANumber);
        }
        let place = match get("place") {
            "" => Some(None),
            p => p.parse::<Place>().ok().map(Some),
        };
        if place.is_none() {
            fail("place", Invalid::NotAllowed);
        }
        let abroad = parse_bool(get("abroad"));
        if abroad.is_none() {
            fail("abroad", Invalid::NotAllowed);
        }
        let (Some(kind), Some(minutes), Some(participants), Some(place), Some(abroad)) =
            (kind, minutes, participants, place, abroad)
        else {
            // The date and the reference are still checked, so every error shows at once.
            let mut probe = ContactInput::new(get("date"), ContactKind::Visit, 1);
            probe.private_ref = Some(get("private_ref").to_string()).filter(|r| !r.is_empty());
            push_invalid(
                &mut errors,
                line,
                validate_contact(&probe, now, l).err(),
                &["date", "private_ref"],
            );
            continue;
        };
        let mut input = ContactInput::new(get("date"), kind, minutes);
        input.participants = participants;
        input.place = place;
        input.abroad = abroad;
        input.private_ref = Some(get("private_ref").to_string()).filter(|r| !r.is_empty());
        if let Err(e) = validate_contact(&input, now, l) {
            push_invalid(&mut errors, line, Some(e), &[]);
            continue;
        }
        let fields: Vec<&str> = COLUMNS.iter().map(|c| get(c)).collect();
        out.push((line, row_id(account, line, &fields), input));
    }
    (out, errors, rows)
}

/// Adds a validation error's fields to `errors` (only `only` fields, when given).
fn push_invalid(errors: &mut Vec<ImportRowError>, line: u64, e: Option<CoreError>, only: &[&str]) {
    if let Some(CoreError::Invalid(fields)) = e {
        for f in fields {
            if only.is_empty() || only.contains(&f.field.as_str()) {
                errors.push(ImportRowError {
                    line,
                    field: f.field,
                    code: f.code,
                    message: f.message,
                });
            }
        }
    }
}

/// Imports (or with `dry_run` only checks) a CSV file of contacts. Refused until the
/// declaration is signed, like logging one contact.
pub(crate) fn import(
    st: &mut Store,
    s: &mut Session,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportResult> {
    declarations::require_signed(st.conn(), s)?;
    let (rows, errors, count) = parse(bytes, &s.profile.peer_id, s.locale());
    let mut result = ImportResult {
        rows: count,
        imported: 0,
        already_imported: 0,
        dry_run,
        errors,
    };
    if !result.errors.is_empty() {
        return Ok(result);
    }
    let mut new = Vec::new();
    for (_, id, input) in rows {
        // Imported before (and perhaps deleted since): not again.
        if store::get_record(st.conn(), Collection::Contacts, &id)?.is_some() {
            result.already_imported += 1;
        } else {
            new.push((id, input));
        }
    }
    result.imported = new.len() as u64;
    if dry_run {
        return Ok(result);
    }
    // Every row was checked above, so a write fails only on storage; importing again
    // then adds the rest, without doubles.
    for (id, input) in new {
        contacts::write(st, s, &id, &input, None)?;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "date,kind,minutes,participants,place,abroad,private_ref\n\
        2026-01-05,visit,60,1,hospital,no,AB\n\
        2026-01-07,phone,20,,,,\n\
        2026-01-09,conversation-group,90,5,,yes,\n";

    #[test]
    fn ids_are_the_same_for_the_same_row_and_differ_per_account_and_line() {
        let a = row_id("p", 2, &["2026-01-05", "visit"]);
        assert_eq!(a, row_id("p", 2, &["2026-01-05", "visit"]));
        assert_ne!(a, row_id("q", 2, &["2026-01-05", "visit"]));
        assert_ne!(a, row_id("p", 3, &["2026-01-05", "visit"]));
        assert!(peerlog_protocol::is_uuid_text(&a));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_field() {
        let bad = "date,kind,minutes,abroad\n\
            2026-01-05,visit,60,no\n\
            2026-13-01,visit,60,no\n\
            2026-01-05,dance,xx,maybe\n\
            2026-01-05,visit,0,no\n";
        let (_, errors, rows) = parse(bad.as_bytes(), "p", Locale::Nb);
        assert_eq!(rows, 4);
        let got: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (3, "date"),
                (4, "kind"),
                (4, "minutes"),
                (4, "abroad"),
                (5, "minutes")
            ]
        );
        assert!(errors.iter().all(|e| !e.message.is_empty()));
        let (_, errors, _) = parse(b"date,kind\n2026-01-05,visit\n", "p", Locale::En);
        assert_eq!(errors[0].code, "missing_column");
        assert_eq!(errors[0].field, "minutes");
        let big = vec![b'a'; MAX_IMPORT_BYTES + 1];
        assert_eq!(parse(&big, "p", Locale::En).1[0].line, 0);
    }

    #[test]
    fn a_file_imports_once_and_only_when_every_row_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = crate::testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        let dry = import(st, s, GOOD.as_bytes(), true).unwrap();
        assert_eq!((dry.rows, dry.imported, dry.errors.len()), (3, 3, 0));
        assert!(contacts::list(st.conn(), s, None, None).unwrap().is_empty());
        let first = import(st, s, GOOD.as_bytes(), false).unwrap();
        assert_eq!((first.imported, first.already_imported), (3, 0));
        let again = import(st, s, GOOD.as_bytes(), false).unwrap();
        assert_eq!((again.imported, again.already_imported), (0, 3));
        assert_eq!(contacts::list(st.conn(), s, None, None).unwrap().len(), 3);
        // One bad row more: nothing of the file is imported.
        let more = format!("{GOOD}2026-01-10,visit,60,1,,no,\n2026-01-11,visit,60,1,moon,no,\n");
        let r = import(st, s, more.as_bytes(), false).unwrap();
        assert_eq!(r.imported, 0);
        assert_eq!(r.errors.len(), 1);
        assert_eq!((r.errors[0].line, r.errors[0].field.as_str()), (6, "place"));
        assert_eq!(contacts::list(st.conn(), s, None, None).unwrap().len(), 3);
    }
}
