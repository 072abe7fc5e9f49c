//! The recovery themes (CHIME: connectedness, hope, identity, meaning, empowerment) a
//! chapter may ask about after each contact (ADR 0020): their stable ids, names and
//! one-line explanations in nb, da and en, and the check of a contact's list. Which themes
//! a conversation touched is part of the contact's private part; only yearly counts
//! leave the device (`theme_counts`).

use crate::i18n::{Invalid, pick};
use peerlog_rules::Locale;

/// The five themes' stable ids, in the order the apps and reports show them.
pub const THEME_IDS: [&str; 5] = [
    "connectedness",
    "hope",
    "identity",
    "meaning",
    "empowerment",
];

/// One recovery theme as the apps show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, uniffi::Record)]
pub struct RecoveryTheme {
    /// Stable id, e.g. `hope`.
    pub id: String,
    pub name: String,
    /// One line saying what the theme means.
    pub explanation: String,
}

/// The themes question of the contact form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ThemesQuestion {
    /// The chapter switched the question on: the form shows it.
    pub shown: bool,
    pub title: String,
    /// Under the title: optional, and what leaves the phone.
    pub hint: String,
    pub themes: Vec<RecoveryTheme>,
}

fn name_and_line(id: &str, l: Locale) -> (&'static str, &'static str) {
    match id {
        "connectedness" => (
            pick(l, "Connectedness", "Tilhørighet", "Samhørighed"),
            pick(
                l,
                "Belonging, and contact with other people",
                "Å høre til og ha kontakt med andre",
                "At høre til og have kontakt med andre",
            ),
        ),
        "hope" => (
            pick(
                l,
                "Hope and optimism",
                "Håp og optimisme",
                "Håb og optimisme",
            ),
            pick(
                l,
                "Believing that things can get better",
                "Troen på at ting kan bli bedre",
                "Troen på, at tingene kan blive bedre",
            ),
        ),
        "identity" => (
            pick(l, "Identity", "Identitet", "Identitet"),
            pick(
                l,
                "A good sense of oneself, more than an illness or a diagnosis",
                "Et godt bilde av seg selv, mer enn en sykdom eller diagnose",
                "Et godt billede af sig selv, mere end en sygdom eller diagnose",
            ),
        ),
        "meaning" => (
            pick(l, "Meaning in life", "Mening i livet", "Mening i livet"),
            pick(
                l,
                "What gives life purpose: roles, goals, what one cares about",
                "Det som gir livet retning: roller, mål og det man bryr seg om",
                "Det, der giver livet retning: roller, mål og det, man holder af",
            ),
        ),
        _ => (
            pick(l, "Empowerment", "Mestring og egenkraft", "Empowerment"),
            pick(
                l,
                "Taking charge of one's own life and using one's strengths",
                "Å ta styring over eget liv og bruke egne krefter",
                "At tage styring over sit eget liv og bruge sine egne kræfter",
            ),
        ),
    }
}

/// The five themes in `locale`, in their fixed order.
pub fn recovery_themes(l: Locale) -> Vec<RecoveryTheme> {
    THEME_IDS
        .iter()
        .map(|id| {
            let (name, explanation) = name_and_line(id, l);
            RecoveryTheme {
                id: (*id).into(),
                name: name.into(),
                explanation: explanation.into(),
            }
        })
        .collect()
}

/// The form's themes question; `shown` is the chapter's setting.
pub fn question(l: Locale, shown: bool) -> ThemesQuestion {
    ThemesQuestion {
        shown,
        title: pick(
            l,
            "Which recovery themes did the conversation touch?",
            "Hvilke recovery-temaer var samtalen innom?",
            "Hvilke recovery-temaer kom samtalen ind på?",
        )
        .into(),
        hint: pick(
            l,
            "Optional. Only you see this contact's themes; your chapter sees how many contacts touched each theme.",
            "Valgfritt. Bare du ser temaene for denne kontakten; lokallaget ser bare hvor mange kontakter som var innom hvert tema.",
            "Valgfrit. Kun du ser temaerne for denne kontakt; din lokalafdeling ser kun, hvor mange kontakter der kom ind på hvert tema.",
        )
        .into(),
        themes: recovery_themes(l),
    }
}

/// A contact's themes checked: known ids only, each once. Returned in the fixed order,
/// so the same choice is always stored the same way.
pub fn check(ids: &[String]) -> Result<Vec<String>, Invalid> {
    let mut seen = [false; THEME_IDS.len()];
    for id in ids {
        let Some(i) = THEME_IDS.iter().position(|t| *t == id.trim()) else {
            return Err(Invalid::UnknownTheme);
        };
        if seen[i] {
            return Err(Invalid::DuplicateTheme);
        }
        seen[i] = true;
    }
    Ok(THEME_IDS
        .iter()
        .zip(seen)
        .filter(|(_, on)| *on)
        .map(|(id, _)| (*id).to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_is_named_and_explained_in_every_language() {
        for l in [Locale::En, Locale::Nb, Locale::Da] {
            let themes = recovery_themes(l);
            assert_eq!(
                themes.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
                THEME_IDS
            );
            let names: std::collections::HashSet<_> = themes.iter().map(|t| &t.name).collect();
            assert_eq!(names.len(), 5, "{l:?}");
            assert!(themes.iter().all(|t| !t.explanation.is_empty()));
        }
        let lines = |l| {
            recovery_themes(l)
                .into_iter()
                .map(|t| t.explanation)
                .collect::<Vec<_>>()
        };
        assert_ne!(lines(Locale::En), lines(Locale::Nb));
        assert_ne!(lines(Locale::Nb), lines(Locale::Da));
        assert_ne!(
            question(Locale::Nb, true).hint,
            question(Locale::Da, true).hint
        );
    }

    #[test]
    fn a_contacts_themes_are_known_ids_each_once_in_the_fixed_order() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check(&ids(&["hope", "connectedness"])).unwrap(),
            ids(&["connectedness", "hope"])
        );
        assert_eq!(check(&[]).unwrap(), Vec::<String>::new());
        assert_eq!(check(&ids(&["hope", "joy"])), Err(Invalid::UnknownTheme));
        assert_eq!(check(&ids(&["Hope"])), Err(Invalid::UnknownTheme));
        assert_eq!(check(&ids(&["hope", "hope"])), Err(Invalid::DuplicateTheme));
        assert!(
            Invalid::UnknownTheme
                .message(Locale::En)
                .contains("empowerment")
        );
    }
}
