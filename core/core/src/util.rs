//! Small helpers every layer uses: timestamps, dates typed by the user, calendar years,
//! and writing a file so that a crash leaves either the old or the new one.

use crate::error::Result;
use crate::i18n::Invalid;
use chrono::{NaiveDate, SecondsFormat, Utc};
use peerlog_rules::Locale;
use std::path::Path;

/// Years a summary or report can be made for. A wider range is a typo, not a year.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

/// Now, as RFC 3339 in UTC to the second (the format of every stored timestamp).
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Unix time as RFC 3339 (empty when out of range).
pub fn unix_rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Today in the device's time zone: what "today" means to the peer.
pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A `YYYY-MM-DD` date typed for `field`, or that field's error in the user's language.
pub(crate) fn parse_day(field: &str, s: &str, locale: Locale) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| Invalid::BadDate.at(field, locale))
}

/// The first and last day of a calendar year, or a `year` field error.
pub fn year_bounds(year: i32, locale: Locale) -> Result<(NaiveDate, NaiveDate)> {
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) if YEARS.contains(&year) => Ok((a, b)),
        _ => Err(Invalid::BadDate.at("year", locale)),
    }
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::File::create(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(tmp, path)
    }
    let written = write_then_rename(&tmp, path, bytes);
    if written.is_err() {
        // A full disk or a file-size limit leaves no half-written file behind.
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(written?)
}

/// Whether two renderings of a signed copy are the same document (line endings and
/// trailing whitespace aside, which mail programs and editors change).
pub(crate) fn same_document(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_bounds_are_the_calendar_year_within_the_supported_range() {
        let (a, b) = year_bounds(2026, Locale::En).unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-01-01".into(), "2026-12-31".into())
        );
        assert!(year_bounds(2000, Locale::En).is_ok());
        assert!(year_bounds(2200, Locale::En).is_ok());
        for bad in [1999, 2201, 0, -5, i32::MAX] {
            let err = year_bounds(bad, Locale::Nb).unwrap_err().to_ffi(Locale::Nb);
            assert_eq!(err.code(), "bad_date", "{bad}");
        }
    }

    #[test]
    fn parse_day_trims_and_names_the_field() {
        assert_eq!(
            parse_day("from", " 2026-03-02 ", Locale::En)
                .unwrap()
                .to_string(),
            "2026-03-02"
        );
        match parse_day("from", "2026-02-30", Locale::En).unwrap_err() {
            crate::error::CoreError::Invalid(f) => assert_eq!(f[0].field, "from"),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn write_atomically_replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomically(&p, b"one").unwrap();
        write_atomically(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
