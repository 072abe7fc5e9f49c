//! The peer's settings: who they are, which rules count their work, their language and
//! the organisation's mileage rate. Sealed at rest under a key derived from the peer key.

use crate::error::{CoreError, Result};
use crate::i18n::Invalid;
use crate::keys::Keys;
use crate::model::Checker;
use crate::util::now_rfc3339;
use peerlog_rules::Locale;
use serde::{Deserialize, Serialize};

const PROFILE_AAD: &[u8] = b"peerlog/v1/profile";
/// Rule set of a peer who joins a chapter (the Norwegian organisations' count).
pub(crate) const ENROLLED_RULE_SET: &str = "no-bufdir-2020";
/// The highest mileage rate accepted, in minor units per km (100 NOK/km is a typo).
const MAX_MILEAGE_RATE_MINOR: u64 = 10_000;

/// The peer's settings, sealed at rest with a key derived from the peer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub schema: u32,
    pub peer_id: String,
    pub name: String,
    pub rule_set: String,
    pub locale: Locale,
    pub created_at: String,
    pub mileage_rate_minor_per_km: u64,
    pub currency: String,
}

/// The peer's settings as the apps show them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileInfo {
    pub peer_id: String,
    pub device_id: String,
    pub name: String,
    pub rule_set: String,
    pub locale: Locale,
    pub mileage_rate_minor_per_km: u64,
    pub currency: String,
}

/// The mileage rate until the organisation sets its own: the Norwegian state rate
/// (3.50 NOK/km) and the Danish low rate (2.23 DKK/km, 2025), by the peer's language.
pub(crate) fn default_mileage(locale: Locale) -> (u64, &'static str) {
    match locale {
        Locale::Da => (223, "DKK"),
        Locale::Nb | Locale::En => (350, "NOK"),
    }
}

impl Profile {
    /// A new peer's profile: the default mileage rate for their language, created now.
    pub(crate) fn new(peer_id: String, name: String, rule_set: String, locale: Locale) -> Self {
        let (rate, currency) = default_mileage(locale);
        Profile {
            schema: 1,
            peer_id,
            name,
            rule_set,
            locale,
            created_at: now_rfc3339(),
            mileage_rate_minor_per_km: rate,
            currency: currency.to_string(),
        }
    }

    pub(crate) fn info(&self, device_id: &str) -> ProfileInfo {
        ProfileInfo {
            peer_id: self.peer_id.clone(),
            device_id: device_id.to_string(),
            name: self.name.clone(),
            rule_set: self.rule_set.clone(),
            locale: self.locale,
            mileage_rate_minor_per_km: self.mileage_rate_minor_per_km,
            currency: self.currency.clone(),
        }
    }

    /// The reporting rules this peer's work is counted by.
    pub(crate) fn rules(&self) -> Result<&'static peerlog_rules::RuleSet> {
        peerlog_rules::rule_set(&self.rule_set)
            .ok_or_else(|| CoreError::corrupt(format!("unknown rule set {}", self.rule_set)))
    }

    /// Sets the organisation's mileage rate, or says which field is wrong.
    pub(crate) fn set_mileage_rate(&mut self, minor_per_km: u64, currency: String) -> Result<()> {
        let mut c = Checker::new(self.locale);
        if minor_per_km == 0 || minor_per_km > MAX_MILEAGE_RATE_MINOR {
            c.fail("minor_per_km", Invalid::AmountRange);
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            c.fail("currency", Invalid::BadCurrency);
        }
        c.finish()?;
        self.mileage_rate_minor_per_km = minor_per_km;
        self.currency = currency;
        Ok(())
    }

    pub(crate) fn seal(&self, keys: &Keys) -> Result<Vec<u8>> {
        let json = zeroize::Zeroizing::new(serde_json::to_vec(self)?);
        Ok(keys.profile_key().seal(PROFILE_AAD, &json)?)
    }

    pub(crate) fn open(keys: &Keys, sealed: &[u8]) -> Result<Self> {
        let json = keys.profile_key().open(PROFILE_AAD, sealed)?;
        serde_json::from_slice(&json).map_err(|e| CoreError::corrupt(format!("profile: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mileage_follows_the_language() {
        assert_eq!(default_mileage(Locale::Nb), (350, "NOK"));
        assert_eq!(default_mileage(Locale::En), (350, "NOK"));
        assert_eq!(default_mileage(Locale::Da), (223, "DKK"));
        let p = Profile::new(
            "p".into(),
            "Kari".into(),
            ENROLLED_RULE_SET.into(),
            Locale::Da,
        );
        assert_eq!(
            (p.mileage_rate_minor_per_km, p.currency.as_str()),
            (223, "DKK")
        );
        assert!(p.rules().is_ok());
    }

    #[test]
    fn mileage_rate_is_checked_field_by_field_and_unchanged_when_refused() {
        let mut p = Profile::new(
            "p".into(),
            "Kari".into(),
            ENROLLED_RULE_SET.into(),
            Locale::En,
        );
        let before = p.clone();
        match p.set_mileage_rate(0, "nok".into()).unwrap_err() {
            CoreError::Invalid(f) => {
                let fields: Vec<_> = f.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["minor_per_km", "currency"]);
            }
            e => panic!("{e}"),
        }
        assert!(
            p.set_mileage_rate(MAX_MILEAGE_RATE_MINOR + 1, "NOK".into())
                .is_err()
        );
        assert_eq!(p, before);
        p.set_mileage_rate(450, "SEK".into()).unwrap();
        assert_eq!(
            (p.mileage_rate_minor_per_km, p.currency.as_str()),
            (450, "SEK")
        );
    }

    #[test]
    fn sealed_profile_opens_only_with_the_same_peer_key() {
        let keys = Keys::generate().unwrap();
        let p = Profile::new(
            "p".into(),
            "Kari".into(),
            ENROLLED_RULE_SET.into(),
            Locale::Nb,
        );
        let sealed = p.seal(&keys).unwrap();
        assert_eq!(Profile::open(&keys, &sealed).unwrap(), p);
        assert!(Profile::open(&Keys::generate().unwrap(), &sealed).is_err());
    }
}
