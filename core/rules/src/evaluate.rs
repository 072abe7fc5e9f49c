//! What the rules look at ([`ContactFacts`]) and what they decide ([`Evaluation`],
//! [`Reason`]).

use serde::{Deserialize, Deserializer, Serialize};

use crate::locale::{Locale, plural};
use crate::rule_set::rule_sets;
use crate::vocab::{Category, ContactKind};

/// The facts about one logged contact that reporting rules may look at, and nothing
/// more: exactly what a device keeps in its clear index (and a coordinator reads from a
/// decrypted contact), so a rule that needed another field could not be written without
/// adding it here — and the per-contact evaluation and every summary decide on the same
/// facts. Nothing here identifies the person helped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFacts {
    /// What kind of contact it was.
    pub kind: ContactKind,
    /// How long it lasted, in minutes.
    pub minutes: u32,
    /// How many people took part, not counting the peer who led it.
    pub participants: u32,
    /// Whether it took place outside the organisation's country.
    pub abroad: bool,
    /// Whether a peer led it (relevant for groups).
    pub led_by_peer: bool,
}

/// Why a contact counts or does not count. Thresholds travel with the reason so the
/// message always states the rule that was applied.
///
/// Serialised as an object tagged with the stable code, e.g.
/// `{"code":"group_too_few_participants","min_participants":3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Counts as outreach: the peer went to the person.
    CountsOutreach,
    /// Counts as a group activity.
    CountsGroup,
    /// Counts as a course day.
    CountsCourse,
    /// Does not count: it took place abroad.
    Abroad,
    /// Does not count: phone, video and messages are never counted.
    RemoteContact,
    /// Does not count: the person came to the peer, and outreach requires the peer to
    /// go to the person.
    MeetingNotOutreach,
    /// Does not count: the group had too few participants.
    GroupTooFewParticipants {
        /// The least number of participants a group needs.
        min_participants: u32,
    },
    /// Does not count: the group was too short.
    GroupTooShort {
        /// The least number of minutes a group needs.
        min_minutes: u32,
    },
    /// Does not count: the group was not led by a peer.
    GroupNotLedByPeer,
    /// Does not count: the course day was too short.
    CourseTooShort {
        /// The least number of minutes a course day needs.
        min_minutes: u32,
    },
    /// Does not count: the rule set does not count this kind of contact.
    KindNotCounted,
    /// Not counted: the organisation reports no activity count (rule set `none`).
    NoReportingRules,
}

impl Reason {
    /// Every code, in declaration order.
    pub const CODES: &'static [&'static str] = &[
        "counts_outreach",
        "counts_group",
        "counts_course",
        "abroad",
        "remote_contact",
        "meeting_not_outreach",
        "group_too_few_participants",
        "group_too_short",
        "group_not_led_by_peer",
        "course_too_short",
        "kind_not_counted",
        "no_reporting_rules",
    ];

    /// The stable snake_case code, for storage, logs and tests.
    pub const fn code(&self) -> &'static str {
        match self {
            Reason::CountsOutreach => "counts_outreach",
            Reason::CountsGroup => "counts_group",
            Reason::CountsCourse => "counts_course",
            Reason::Abroad => "abroad",
            Reason::RemoteContact => "remote_contact",
            Reason::MeetingNotOutreach => "meeting_not_outreach",
            Reason::GroupTooFewParticipants { .. } => "group_too_few_participants",
            Reason::GroupTooShort { .. } => "group_too_short",
            Reason::GroupNotLedByPeer => "group_not_led_by_peer",
            Reason::CourseTooShort { .. } => "course_too_short",
            Reason::KindNotCounted => "kind_not_counted",
            Reason::NoReportingRules => "no_reporting_rules",
        }
    }

    /// Whether this reason means the contact counts.
    pub const fn counts(&self) -> bool {
        matches!(
            self,
            Reason::CountsOutreach | Reason::CountsGroup | Reason::CountsCourse
        )
    }

    /// The category a counting reason counts as; `None` for the reasons that do not
    /// count.
    pub const fn category(&self) -> Option<Category> {
        match self {
            Reason::CountsOutreach => Some(Category::Outreach),
            Reason::CountsGroup => Some(Category::Group),
            Reason::CountsCourse => Some(Category::Course),
            _ => None,
        }
    }

    /// The message the app shows next to the contact, e.g. en "does not count: fewer
    /// than 3 participants", nb "teller ikke: færre enn 3 deltakere".
    pub fn message(&self, locale: Locale) -> String {
        use Locale::{Da, En, Nb};
        match (self, locale) {
            (Reason::CountsOutreach, Nb) => "teller som oppsøkende likepersonsarbeid".into(),
            (Reason::CountsOutreach, Da) => "tæller som opsøgende peerstøtte".into(),
            (Reason::CountsOutreach, En) => "counts as outreach".into(),

            (Reason::CountsGroup, Nb) => "teller som gruppeaktivitet".into(),
            (Reason::CountsGroup, Da) => "tæller som gruppeaktivitet".into(),
            (Reason::CountsGroup, En) => "counts as a group activity".into(),

            (Reason::CountsCourse, Nb) => "teller som kursdag".into(),
            (Reason::CountsCourse, Da) => "tæller som kursusdag".into(),
            (Reason::CountsCourse, En) => "counts as a course day".into(),

            (Reason::Abroad, Nb) => "teller ikke: aktivitet i utlandet er ikke med i tellingen".into(),
            (Reason::Abroad, Da) => "tæller ikke: aktivitet i udlandet indgår ikke i opgørelsen".into(),
            (Reason::Abroad, En) => "does not count: activity abroad is not included".into(),

            (Reason::RemoteContact, Nb) => {
                "teller ikke: telefon, video og meldinger registreres, men telles ikke".into()
            }
            (Reason::RemoteContact, Da) => {
                "tæller ikke: telefon, video og beskeder registreres, men tælles ikke med".into()
            }
            (Reason::RemoteContact, En) => {
                "does not count: phone, video and messages are logged but not counted".into()
            }

            (Reason::MeetingNotOutreach, Nb) => {
                "teller ikke: det er bare oppsøkende arbeid når likepersonen drar til den det gjelder"
                    .into()
            }
            (Reason::MeetingNotOutreach, Da) => {
                "tæller ikke: det er kun opsøgende arbejde, når peer-støttegiveren tager ud til den, det drejer sig om"
                    .into()
            }
            (Reason::MeetingNotOutreach, En) => {
                "does not count: outreach means the peer goes to the person".into()
            }

            (Reason::GroupTooFewParticipants { min_participants: n }, Nb) => format!(
                "teller ikke: færre enn {n} {}",
                plural(*n, "deltaker", "deltakere")
            ),
            (Reason::GroupTooFewParticipants { min_participants: n }, Da) => format!(
                "tæller ikke: færre end {n} {}",
                plural(*n, "deltager", "deltagere")
            ),
            (Reason::GroupTooFewParticipants { min_participants: n }, En) => format!(
                "does not count: fewer than {n} {}",
                plural(*n, "participant", "participants")
            ),

            (Reason::GroupTooShort { min_minutes: n }, Nb) => format!(
                "teller ikke: gruppen varte kortere enn {n} {}",
                plural(*n, "minutt", "minutter")
            ),
            (Reason::GroupTooShort { min_minutes: n }, Da) => format!(
                "tæller ikke: gruppen varede under {n} {}",
                plural(*n, "minut", "minutter")
            ),
            (Reason::GroupTooShort { min_minutes: n }, En) => format!(
                "does not count: the group lasted less than {n} {}",
                plural(*n, "minute", "minutes")
            ),

            (Reason::GroupNotLedByPeer, Nb) => {
                "teller ikke: gruppen ble ikke ledet av en likeperson".into()
            }
            (Reason::GroupNotLedByPeer, Da) => {
                "tæller ikke: gruppen blev ikke ledet af en peer-støttegiver".into()
            }
            (Reason::GroupNotLedByPeer, En) => {
                "does not count: the group was not led by a peer".into()
            }

            (Reason::CourseTooShort { min_minutes: n }, Nb) => format!(
                "teller ikke: en kursdag må vare minst {n} {}",
                plural(*n, "minutt", "minutter")
            ),
            (Reason::CourseTooShort { min_minutes: n }, Da) => format!(
                "tæller ikke: en kursusdag skal vare mindst {n} {}",
                plural(*n, "minut", "minutter")
            ),
            (Reason::CourseTooShort { min_minutes: n }, En) => format!(
                "does not count: a course day must last at least {n} {}",
                plural(*n, "minute", "minutes")
            ),

            (Reason::KindNotCounted, Nb) => {
                "teller ikke: denne typen kontakt er ikke med i tellingen".into()
            }
            (Reason::KindNotCounted, Da) => {
                "tæller ikke: denne type kontakt indgår ikke i opgørelsen".into()
            }
            (Reason::KindNotCounted, En) => {
                "does not count: this kind of contact is not included".into()
            }

            (Reason::NoReportingRules, Nb) => {
                "telles ikke: organisasjonen din rapporterer ikke aktivitetstall".into()
            }
            (Reason::NoReportingRules, Da) => {
                "tælles ikke: din organisation indberetter ikke aktivitetstal".into()
            }
            (Reason::NoReportingRules, En) => {
                "not counted: your organisation does not report activity figures".into()
            }
        }
    }
}

/// A rule set's decision about one contact.
///
/// Invariant (upheld by [`crate::RuleSet::evaluate`] and checked when deserialising):
/// `counts` is true exactly when `category` is `Some`, and `category` equals
/// `reason.category()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Evaluation {
    /// Whether the contact counts for the report.
    pub counts: bool,
    /// What it counts as; `None` when it does not count.
    pub category: Option<Category>,
    /// Why it counts or not.
    pub reason: Reason,
    /// The id of the rule set that decided. Deserialising accepts only known ids.
    pub rule_set: &'static str,
    /// The version of that rule set.
    pub rule_set_version: u32,
}

impl Evaluation {
    /// The reason's message in `locale`; shorthand for `self.reason.message(locale)`.
    pub fn message(&self, locale: Locale) -> String {
        self.reason.message(locale)
    }
}

/// The serde form of [`Evaluation`], with an owned rule set id.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationRepr {
    counts: bool,
    category: Option<Category>,
    reason: Reason,
    rule_set: String,
    rule_set_version: u32,
}

impl<'de> Deserialize<'de> for Evaluation {
    /// Accepts only known rule set ids (so `rule_set` can stay `&'static str`) and
    /// evaluations that agree with themselves (`counts`, `category`, `reason`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = EvaluationRepr::deserialize(d)?;
        let rule_set = rule_sets()
            .iter()
            .find(|rs| rs.id() == r.rule_set)
            .map(|rs| rs.id())
            .ok_or_else(|| {
                D::Error::custom(format_args!(
                    "unknown rule set {:?}",
                    r.rule_set.chars().take(64).collect::<String>()
                ))
            })?;
        if r.counts != r.category.is_some() || r.category != r.reason.category() {
            return Err(D::Error::custom(
                "inconsistent evaluation: counts, category and reason disagree",
            ));
        }
        Ok(Evaluation {
            counts: r.counts,
            category: r.category,
            reason: r.reason,
            rule_set,
            rule_set_version: r.rule_set_version,
        })
    }
}
