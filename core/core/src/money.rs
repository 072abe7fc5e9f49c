//! Amounts of money between what a person types or reads and the core's minor units
//! (øre, cents). Both apps and the CLI use these, so "149,50", "149.50" and "1 234,50 kr"
//! mean the same everywhere and every screen shows an amount the same way.

use peerlog_rules::Locale;

use crate::error::PeerlogError;
use crate::i18n::Invalid;

/// More digits than any amount the core accepts (its limit is 100 000 in major units).
const MAX_DIGITS: usize = 12;
const NBSP: char = '\u{a0}';

/// Digits after the decimal separator in `currency` (ISO 4217); 2 for codes we do not know.
fn fraction_digits(currency: &str) -> u32 {
    match currency {
        "ISK" | "JPY" | "KRW" | "CLP" | "VND" | "UGX" | "XAF" | "XOF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Reads a typed amount as minor units of `currency`.
///
/// Accepted: digits with at most one decimal separator (`,` or `.`) followed by up to the
/// currency's number of fraction digits, and grouping by spaces or by `.`/`,` in groups of
/// exactly three (`1 234,50`, `1.234,50`, `1,234.50`, `149.5`, `150`), optionally with the
/// currency's code or `kr`/`kr.` before or after. A separator followed by three digits is
/// grouping, never a decimal one, so `1.234` is 1 234 in every language.
pub(crate) fn parse(text: &str, currency: &str) -> Result<u64, Invalid> {
    let digits_after = fraction_digits(currency) as usize;
    let number = strip_currency(text.trim(), currency);
    let cleaned: String = number
        .chars()
        .filter(|&c| !matches!(c, ' ' | NBSP | '\u{202f}' | '\''))
        .collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return Err(Invalid::BadAmount);
    }
    // The decimal separator, if any: the last `,`/`.` when 1..=digits_after digits follow it.
    let (whole, fraction) = match cleaned.rfind([',', '.']) {
        Some(i) if (1..=digits_after).contains(&(cleaned.len() - i - 1)) => {
            (&cleaned[..i], &cleaned[i + 1..])
        }
        _ => (cleaned.as_str(), ""),
    };
    let mut groups = whole.split([',', '.']);
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    let grouped_ok = rest.is_empty()
        || (!first.is_empty() && first.len() <= 3 && rest.iter().all(|g| g.len() == 3));
    let whole_digits: String = std::iter::once(first).chain(rest).collect();
    if !grouped_ok || whole_digits.is_empty() || whole_digits.len() > MAX_DIGITS {
        return Err(Invalid::BadAmount);
    }
    let scale = 10u64.pow(digits_after as u32);
    let whole: u64 = whole_digits.parse().map_err(|_| Invalid::BadAmount)?;
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        let padded = format!("{fraction:0<digits_after$}");
        padded.parse().map_err(|_| Invalid::BadAmount)?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .ok_or(Invalid::BadAmount)
}

fn strip_currency<'a>(text: &'a str, currency: &str) -> &'a str {
    for affix in [currency, "kr.", "kr", ",-"] {
        if affix.is_empty() {
            continue;
        }
        let n = affix.len();
        if text.get(..n).is_some_and(|p| p.eq_ignore_ascii_case(affix)) {
            return text[n..].trim();
        }
        if let Some(start) = text.len().checked_sub(n)
            && text
                .get(start..)
                .is_some_and(|p| p.eq_ignore_ascii_case(affix))
        {
            return text[..start].trim();
        }
    }
    text
}

/// Shows minor units of `currency` the way `locale` writes money: `1 234,50 kr` (nb),
/// `1.234,50 kr.` (da), `NOK 1,234.50` (en). Spaces inside are no-break spaces.
pub(crate) fn format(amount_minor: u64, currency: &str, locale: Locale) -> String {
    let digits = fraction_digits(currency);
    let scale = 10u64.pow(digits);
    let (group, decimal) = match locale {
        Locale::Nb => (NBSP, ','),
        Locale::Da => ('.', ','),
        Locale::En => (',', '.'),
    };
    let whole = (amount_minor / scale).to_string();
    let mut number = String::with_capacity(whole.len() + 8);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            number.push(group);
        }
        number.push(c);
    }
    if digits > 0 {
        let width = digits as usize;
        number.push(decimal);
        number.push_str(&format!("{:0width$}", amount_minor % scale));
    }
    match (locale, currency) {
        (Locale::Nb, "NOK") => format!("{number}{NBSP}kr"),
        (Locale::Da, "DKK") => format!("{number}{NBSP}kr."),
        (Locale::En, _) => format!("{currency}{NBSP}{number}"),
        _ => format!("{number}{NBSP}{currency}"),
    }
}

/// Reads an amount typed by the user (`149,50`, `1 234.5`, `kr 150`) as minor units of
/// `currency`. Refuses anything else with an `Invalid` error on the field `amount`, in
/// `locale`'s words. Whether the amount is allowed for an expense is checked when it is
/// saved.
#[uniffi::export]
pub fn parse_amount(text: String, currency: String, locale: Locale) -> Result<u64, PeerlogError> {
    parse(&text, &currency).map_err(|why| why.at("amount", locale).to_ffi(locale))
}

/// Shows an amount in minor units of `currency` the way `locale` writes money.
#[uniffi::export]
pub fn format_amount(amount_minor: u64, currency: String, locale: Locale) -> String {
    format(amount_minor, &currency, locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_in_any_of_our_languages() {
        for (text, minor) in [
            ("149,50", 14_950),
            ("149.50", 14_950),
            ("149,5", 14_950),
            ("150", 15_000),
            ("0,07", 7),
            ("1 234,50", 123_450),
            ("1\u{a0}234,50", 123_450),
            ("1.234,50", 123_450),
            ("1,234.50", 123_450),
            ("1.234", 123_400),
            ("1,234", 123_400),
            ("12.345.678", 1_234_567_800),
            ("kr 150", 15_000),
            ("150 kr", 15_000),
            ("150 kr.", 15_000),
            ("NOK 99,90", 9_990),
            ("99,90 nok", 9_990),
            ("150,-", 15_000),
            ("  42  ", 4_200),
        ] {
            assert_eq!(parse(text, "NOK"), Ok(minor), "{text:?}");
        }
    }

    #[test]
    fn what_is_not_an_amount_is_refused() {
        for text in [
            "",
            "kr",
            "-3",
            "1e3",
            "abc",
            ",5",
            "1,2,3",
            "1.2345",
            "12,34,56",
            "1..5",
            "1.23.4",
            "1234,567",
            "9999999999999",
            "½",
        ] {
            assert_eq!(parse(text, "NOK"), Err(Invalid::BadAmount), "{text:?}");
        }
    }

    #[test]
    fn currencies_without_or_with_three_fraction_digits() {
        assert_eq!(parse("1.234", "ISK"), Ok(1_234));
        assert_eq!(parse("1,5", "ISK"), Err(Invalid::BadAmount));
        assert_eq!(parse("1,234", "KWD"), Ok(1_234));
        assert_eq!(format(1_234, "ISK", Locale::Nb), "1\u{a0}234\u{a0}ISK");
        assert_eq!(format(1_234, "KWD", Locale::En), "KWD\u{a0}1.234");
    }

    #[test]
    fn amounts_are_written_as_each_language_writes_money() {
        assert_eq!(format(123_450, "NOK", Locale::Nb), "1\u{a0}234,50\u{a0}kr");
        assert_eq!(format(123_450, "DKK", Locale::Da), "1.234,50\u{a0}kr.");
        assert_eq!(format(123_450, "NOK", Locale::En), "NOK\u{a0}1,234.50");
        assert_eq!(format(7, "DKK", Locale::Nb), "0,07\u{a0}DKK");
        assert_eq!(format(10_000_000, "EUR", Locale::Da), "100.000,00\u{a0}EUR");
        assert_eq!(format(0, "NOK", Locale::Nb), "0,00\u{a0}kr");
    }

    #[test]
    fn what_is_shown_reads_back_as_the_same_amount() {
        for minor in [0, 7, 99, 100, 14_950, 123_450, 10_000_000] {
            for locale in [Locale::Nb, Locale::Da, Locale::En] {
                for currency in ["NOK", "DKK"] {
                    let shown = format(minor, currency, locale);
                    assert_eq!(parse(&shown, currency), Ok(minor), "{shown:?}");
                }
            }
        }
    }

    #[test]
    fn a_refusal_reaches_the_apps_in_their_language() {
        let e = parse_amount("abc".into(), "NOK".into(), Locale::Nb).unwrap_err();
        match e {
            PeerlogError::Invalid { code, fields, .. } => {
                assert_eq!(code, "bad_amount");
                assert_eq!(fields[0].field, "amount");
                assert!(fields[0].message.contains("beløp"), "{}", fields[0].message);
            }
            other => panic!("{other:?}"),
        }
    }
}
