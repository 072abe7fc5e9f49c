//! The domain vocabulary: kinds of contact, who the peer talked with, where, and the
//! reporting categories.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::locale::{Locale, ParseError, Texts};

/// Implements `ALL`, `as_str`, `label`, `Display` and `FromStr` for a fieldless enum
/// from one table of `Variant => "string-form", Texts { .. }` rows.
macro_rules! vocabulary {
    ($ty:ident, $what:literal, { $($variant:ident => $s:literal, $texts:expr;)+ }) => {
        impl $ty {
            /// Every value, in the order the app lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable string form (also the serde form).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $s,)+
                }
            }

            /// A short label for the user interface.
            pub const fn label(self, locale: Locale) -> &'static str {
                let texts: Texts = match self {
                    $($ty::$variant => $texts,)+
                };
                texts.get(locale)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ParseError;

            /// Parses the exact string form returned by `as_str`.
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($s => Ok($ty::$variant),)+
                    _ => Err(ParseError::new($what, s)),
                }
            }
        }
    };
}

const fn t(nb: &'static str, da: &'static str, en: &'static str) -> Texts {
    Texts { nb, da, en }
}

/// What kind of contact a peer logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactKind {
    /// The peer went to the person (home, hospital, institution, elsewhere).
    Visit,
    /// The person came to the peer (e.g. to the organisation's office).
    Meeting,
    /// A phone call.
    Phone,
    /// A video call.
    Video,
    /// A text message, chat or e-mail.
    Message,
    /// A conversation group (*samtalegruppe*).
    ConversationGroup,
    /// A self-help group (*selvhjelpsgruppe*).
    SelfHelpGroup,
    /// An activity group (*aktivitetsgruppe*).
    ActivityGroup,
    /// A peer training course day (*likepersonskurs*).
    Course,
    /// Anything else.
    Other,
}

vocabulary!(ContactKind, "contact kind", {
    Visit => "visit", t("Besøk", "Besøg", "Visit");
    Meeting => "meeting", t("Møte", "Møde", "Meeting");
    Phone => "phone", t("Telefon", "Telefon", "Phone");
    Video => "video", t("Video", "Video", "Video");
    Message => "message", t("Melding", "Besked", "Message");
    ConversationGroup => "conversation-group", t("Samtalegruppe", "Samtalegruppe", "Conversation group");
    SelfHelpGroup => "self-help-group", t("Selvhjelpsgruppe", "Selvhjælpsgruppe", "Self-help group");
    ActivityGroup => "activity-group", t("Aktivitetsgruppe", "Aktivitetsgruppe", "Activity group");
    Course => "course", t("Kurs", "Kursus", "Course");
    Other => "other", t("Annet", "Andet", "Other");
});

impl ContactKind {
    /// A conversation, self-help or activity group.
    pub const fn is_group(self) -> bool {
        matches!(
            self,
            ContactKind::ConversationGroup
                | ContactKind::SelfHelpGroup
                | ContactKind::ActivityGroup
        )
    }

    /// Phone, video or message: the peer and the person were not in the same place.
    pub const fn is_remote(self) -> bool {
        matches!(
            self,
            ContactKind::Phone | ContactKind::Video | ContactKind::Message
        )
    }

    /// The peer and the person(s) met face to face: a visit, a meeting, a group or a
    /// course. [`ContactKind::Other`] is neither in person nor remote: we do not know.
    pub const fn is_in_person(self) -> bool {
        !self.is_remote() && !matches!(self, ContactKind::Other)
    }
}

/// Who the peer talked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Who {
    /// A person in the organisation's target group (the one living with the illness).
    TargetGroup,
    /// A relative or someone close to such a person.
    Relative,
    /// Both a person in the target group and a relative.
    Both,
}

vocabulary!(Who, "who", {
    TargetGroup => "target-group", t("Person i målgruppen", "Person i målgruppen", "Person in the target group");
    Relative => "relative", t("Pårørende", "Pårørende", "Relative");
    Both => "both", t("Begge", "Begge", "Both");
});

/// Where a visit took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// The person's home.
    Home,
    /// A hospital.
    Hospital,
    /// A nursing home or another institution.
    Institution,
    /// Anywhere else (a café, a walk, …).
    Other,
}

vocabulary!(Place, "place", {
    Home => "home", t("Hjemme", "Hjemme", "At home");
    Hospital => "hospital", t("Sykehus", "Hospital", "Hospital");
    Institution => "institution", t("Institusjon", "Institution", "Institution");
    Other => "other", t("Annet sted", "Andet sted", "Somewhere else");
});

/// A reporting category: what a counted contact counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Outreach peer work (*oppsøkende likepersonsarbeid*): the peer goes to the person.
    Outreach,
    /// A conversation, self-help or activity group led by a peer.
    Group,
    /// A peer training course day.
    Course,
}

vocabulary!(Category, "category", {
    Outreach => "outreach", t("Oppsøkende likepersonsarbeid", "Opsøgende peerstøtte", "Outreach");
    Group => "group", t("Gruppeaktivitet", "Gruppeaktivitet", "Group activity");
    Course => "course", t("Likepersonskurs", "Kursus for peer-støttegivere", "Peer training course");
});

#[cfg(test)]
mod tests {
    use super::*;

    fn check_round_trip<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + fmt::Debug + FromStr<Err = ParseError> + Serialize,
    {
        let mut seen = std::collections::HashSet::new();
        for &v in all {
            let s = as_str(v);
            assert!(seen.insert(s), "duplicate string form {s}");
            assert_eq!(s.parse::<T>(), Ok(v));
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{s}\""));
            assert!(
                s.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{s} is not kebab-case"
            );
        }
    }

    #[test]
    fn string_forms_round_trip() {
        check_round_trip(ContactKind::ALL, ContactKind::as_str);
        check_round_trip(Who::ALL, Who::as_str);
        check_round_trip(Place::ALL, Place::as_str);
        check_round_trip(Category::ALL, Category::as_str);
        assert_eq!(ContactKind::ALL.len(), 10);
        let expected = [
            "visit",
            "meeting",
            "phone",
            "video",
            "message",
            "conversation-group",
            "self-help-group",
            "activity-group",
            "course",
            "other",
        ];
        let got: Vec<_> = ContactKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn unknown_strings_are_rejected() {
        for bad in ["", "Visit", "self_help_group", "group", " visit"] {
            let err = bad.parse::<ContactKind>().unwrap_err();
            assert_eq!(err.what, "contact kind");
        }
        assert!("targetgroup".parse::<Who>().is_err());
        assert!("abroad".parse::<Place>().is_err());
        assert!("groups".parse::<Category>().is_err());
        assert!(serde_json::from_str::<ContactKind>("\"sms\"").is_err());
    }

    #[test]
    fn kind_classification() {
        use ContactKind::*;
        let groups = [ConversationGroup, SelfHelpGroup, ActivityGroup];
        let remote = [Phone, Video, Message];
        let in_person = [
            Visit,
            Meeting,
            ConversationGroup,
            SelfHelpGroup,
            ActivityGroup,
            Course,
        ];
        for &k in ContactKind::ALL {
            assert_eq!(k.is_group(), groups.contains(&k), "{k}");
            assert_eq!(k.is_remote(), remote.contains(&k), "{k}");
            assert_eq!(k.is_in_person(), in_person.contains(&k), "{k}");
        }
    }

    #[test]
    fn labels_are_present_and_distinct_per_locale() {
        for &locale in Locale::ALL {
            let kinds: std::collections::HashSet<_> =
                ContactKind::ALL.iter().map(|k| k.label(locale)).collect();
            assert_eq!(kinds.len(), ContactKind::ALL.len(), "{locale}");
            let who: std::collections::HashSet<_> =
                Who::ALL.iter().map(|k| k.label(locale)).collect();
            assert_eq!(who.len(), Who::ALL.len());
            let places: std::collections::HashSet<_> =
                Place::ALL.iter().map(|k| k.label(locale)).collect();
            assert_eq!(places.len(), Place::ALL.len());
            let cats: std::collections::HashSet<_> =
                Category::ALL.iter().map(|k| k.label(locale)).collect();
            assert_eq!(cats.len(), Category::ALL.len());
        }
        assert_eq!(ContactKind::Visit.label(Locale::Nb), "Besøk");
        assert_eq!(
            ContactKind::SelfHelpGroup.label(Locale::Da),
            "Selvhjælpsgruppe"
        );
        assert_eq!(ContactKind::Other.label(Locale::En), "Other");
    }
}
