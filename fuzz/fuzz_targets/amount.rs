//! An amount as a person types it, in a language and a currency (the first byte picks
//! them). Never panics; a parsed amount formats as that language writes it, and the
//! formatted text parses to the same amount.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_core::{Locale, format_amount, parse_amount};

const CURRENCIES: [&str; 4] = ["NOK", "DKK", "EUR", "JPY"];
const LOCALES: [Locale; 3] = [Locale::Nb, Locale::Da, Locale::En];

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let currency = CURRENCIES[usize::from(which) % CURRENCIES.len()].to_owned();
    let locale = LOCALES[usize::from(which / 4) % LOCALES.len()];
    let Ok(minor) = parse_amount(text.to_owned(), currency.clone(), locale) else {
        return;
    };
    let shown = format_amount(minor, currency.clone(), locale);
    let again = parse_amount(shown.clone(), currency, locale);
    assert_eq!(again.ok(), Some(minor), "{text:?} → {minor} → {shown:?}");
});
