//! Locales for user-facing texts, and the parse error shared by the vocabulary types.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The language of user-facing texts: Norwegian bokmål, Danish or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Norwegian bokmål (`"nb"`).
    Nb,
    /// Danish (`"da"`).
    Da,
    /// English (`"en"`), the fallback.
    #[default]
    En,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: &'static [Locale] = &[Locale::Nb, Locale::Da, Locale::En];

    /// The canonical tag: `"nb"`, `"da"` or `"en"` (also the serde form).
    pub const fn as_str(self) -> &'static str {
        match self {
            Locale::Nb => "nb",
            Locale::Da => "da",
            Locale::En => "en",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = ParseError;

    /// Parses a language tag as phones and shells report it, case-insensitively:
    /// `nb`, `no` and `nn` (with or without a region, e.g. `nb-NO`, `no_NO`) give
    /// [`Locale::Nb`]; `da`, `da-DK` give [`Locale::Da`]; `en` and any `en-*` give
    /// [`Locale::En`]. A POSIX suffix such as `.UTF-8` or `@euro` is ignored.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let tag = s
            .trim()
            .split(['.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let language = tag.split(['-', '_']).next().unwrap_or_default();
        match language {
            "nb" | "no" | "nn" => Ok(Locale::Nb),
            "da" => Ok(Locale::Da),
            "en" => Ok(Locale::En),
            _ => Err(ParseError::new("locale", s)),
        }
    }
}

/// A string did not name a known value (locale, contact kind, who, place or category).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {input:?}")]
pub struct ParseError {
    /// What was being parsed, e.g. `"contact kind"`.
    pub what: &'static str,
    /// The rejected input (at most 64 characters of it).
    pub input: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, input: &str) -> Self {
        ParseError {
            what,
            input: input.chars().take(64).collect(),
        }
    }
}

/// One static text in the three supported languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Texts {
    pub(crate) nb: &'static str,
    pub(crate) da: &'static str,
    pub(crate) en: &'static str,
}

impl Texts {
    pub(crate) const fn get(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::Nb => self.nb,
            Locale::Da => self.da,
            Locale::En => self.en,
        }
    }
}

/// Picks the singular or plural form for `n`.
pub(crate) fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// A date as people write it in the locale: `03.03.2024` in Norway and Denmark,
/// ISO 8601 in English (unambiguous for every English-speaking reader).
pub(crate) fn format_date(date: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Nb | Locale::Da => {
            format!("{:02}.{:02}.{}", date.day(), date.month(), date.year())
        }
        Locale::En => date.format("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locale_tags() {
        let cases = [
            ("nb", Locale::Nb),
            ("no", Locale::Nb),
            ("nn", Locale::Nb),
            ("nb-NO", Locale::Nb),
            ("nb_NO.UTF-8", Locale::Nb),
            ("NO-no", Locale::Nb),
            ("da", Locale::Da),
            ("da-DK", Locale::Da),
            ("da_DK@euro", Locale::Da),
            ("en", Locale::En),
            ("en-GB", Locale::En),
            ("en-US", Locale::En),
            (" EN ", Locale::En),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Locale>(), Ok(expected), "{input}");
        }
        for bad in ["", "sv", "de-DE", "english", "nob", "-", "é"] {
            let err = bad.parse::<Locale>().unwrap_err();
            assert_eq!(err.what, "locale");
        }
    }

    #[test]
    fn locale_round_trips_and_defaults_to_english() {
        assert_eq!(Locale::default(), Locale::En);
        for &l in Locale::ALL {
            assert_eq!(l.as_str().parse::<Locale>(), Ok(l));
            assert_eq!(l.to_string(), l.as_str());
        }
    }

    #[test]
    fn parse_error_truncates_long_input() {
        let long = "x".repeat(1000);
        let err = long.parse::<Locale>().unwrap_err();
        assert_eq!(err.input.chars().count(), 64);
    }

    #[test]
    fn formats_dates_per_locale() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 7).unwrap();
        assert_eq!(format_date(d, Locale::Nb), "07.03.2024");
        assert_eq!(format_date(d, Locale::Da), "07.03.2024");
        assert_eq!(format_date(d, Locale::En), "2024-03-07");
    }
}
