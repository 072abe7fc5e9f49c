//! Reporting rule sets as versioned data, and the one generic evaluator.

use crate::evaluate::{ContactFacts, Evaluation, Reason};
use crate::locale::{Locale, Texts};
use crate::vocab::ContactKind;

/// The id of the rule set an organisation gets unless it chooses another.
pub const DEFAULT_RULE_SET: &str = "no-bufdir-2020";

/// How a rule set treats one kind of contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Treatment {
    /// Counts as outreach.
    Outreach,
    /// Counts as a group when the group thresholds are met.
    Group,
    /// Counts as a course day when long enough.
    Course,
    /// Never counts: remote contact ([`Reason::RemoteContact`]).
    NeverRemote,
    /// Never counts: the person came to the peer ([`Reason::MeetingNotOutreach`]).
    NeverMeeting,
    /// Never counts ([`Reason::KindNotCounted`]).
    NeverOther,
}

/// The counting part of a rule set: a treatment per kind plus thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counting {
    /// Kind → treatment. A kind missing from the table is treated as
    /// [`Treatment::NeverOther`]; a test checks every table covers every kind once.
    table: &'static [(ContactKind, Treatment)],
    min_group_participants: u32,
    min_group_minutes: u32,
    min_course_minutes: u32,
    abroad_counts: bool,
    group_requires_peer_lead: bool,
}

/// A versioned set of reporting rules, chosen per organisation.
///
/// Rule sets are data: an id and version, names and descriptions in every locale,
/// and either no counting at all (`none`) or a table of [`Treatment`]s with
/// thresholds. [`RuleSet::evaluate`] is the same code for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet {
    /// The stable id, e.g. `"no-bufdir-2020"` (same as [`RuleSet::id`]).
    pub id: &'static str,
    /// The version (same as [`RuleSet::version`]).
    pub version: u32,
    name: Texts,
    description: Texts,
    counting: Option<Counting>,
}

impl RuleSet {
    /// The stable id, e.g. `"no-bufdir-2020"`.
    pub const fn id(&self) -> &'static str {
        self.id
    }

    /// The version; a changed rule under the same id gets a new version.
    pub const fn version(&self) -> u32 {
        self.version
    }

    /// A short human name.
    pub const fn name(&self, locale: Locale) -> &'static str {
        self.name.get(locale)
    }

    /// One or two sentences on what counts under this rule set.
    pub const fn description(&self, locale: Locale) -> &'static str {
        self.description.get(locale)
    }

    /// Whether anything can count under this rule set (false for `none`).
    pub const fn counts_anything(&self) -> bool {
        self.counting.is_some()
    }

    /// How this rule set treats `kind`; `None` when the rule set counts nothing.
    pub fn treatment(&self, kind: ContactKind) -> Option<Treatment> {
        self.counting.map(|c| c.treatment(kind))
    }

    /// The least number of participants (not counting the leading peer) for a group
    /// to count; `None` when the rule set counts nothing.
    pub fn min_group_participants(&self) -> Option<u32> {
        self.counting.map(|c| c.min_group_participants)
    }

    /// The least number of minutes for a group to count.
    pub fn min_group_minutes(&self) -> Option<u32> {
        self.counting.map(|c| c.min_group_minutes)
    }

    /// The least number of minutes for a course day to count.
    pub fn min_course_minutes(&self) -> Option<u32> {
        self.counting.map(|c| c.min_course_minutes)
    }

    /// Whether contacts abroad can count.
    pub fn abroad_counts(&self) -> Option<bool> {
        self.counting.map(|c| c.abroad_counts)
    }

    /// Whether a group must be led by a peer to count.
    pub fn group_requires_peer_lead(&self) -> Option<bool> {
        self.counting.map(|c| c.group_requires_peer_lead)
    }

    /// Decides whether `facts` counts, as what, and why.
    ///
    /// Precedence: no counting rules → abroad → the kind's treatment; for groups, a
    /// peer must lead, then the participant minimum, then the minute minimum (the
    /// first failing check is the reason).
    pub fn evaluate(&self, facts: &ContactFacts) -> Evaluation {
        let reason = match self.counting {
            None => Reason::NoReportingRules,
            Some(c) => c.decide(facts),
        };
        Evaluation {
            counts: reason.counts(),
            category: reason.category(),
            reason,
            rule_set: self.id,
            rule_set_version: self.version,
        }
    }
}

impl Counting {
    fn treatment(&self, kind: ContactKind) -> Treatment {
        self.table
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(Treatment::NeverOther, |(_, t)| *t)
    }

    fn decide(&self, f: &ContactFacts) -> Reason {
        if f.abroad && !self.abroad_counts {
            return Reason::Abroad;
        }
        match self.treatment(f.kind) {
            Treatment::Outreach => Reason::CountsOutreach,
            Treatment::Group => {
                if self.group_requires_peer_lead && !f.led_by_peer {
                    Reason::GroupNotLedByPeer
                } else if f.participants < self.min_group_participants {
                    Reason::GroupTooFewParticipants {
                        min_participants: self.min_group_participants,
                    }
                } else if f.minutes < self.min_group_minutes {
                    Reason::GroupTooShort {
                        min_minutes: self.min_group_minutes,
                    }
                } else {
                    Reason::CountsGroup
                }
            }
            Treatment::Course => {
                if f.minutes < self.min_course_minutes {
                    Reason::CourseTooShort {
                        min_minutes: self.min_course_minutes,
                    }
                } else {
                    Reason::CountsCourse
                }
            }
            Treatment::NeverRemote => Reason::RemoteContact,
            Treatment::NeverMeeting => Reason::MeetingNotOutreach,
            Treatment::NeverOther => Reason::KindNotCounted,
        }
    }
}

/// Every rule set and version, newest version of an id last.
static RULE_SETS: [RuleSet; 2] = [NO_BUFDIR_2020_V1, NONE_V1];

/// Norway, Bufdir's count of peer activity for the grant application
/// (DESIGN §2): outreach visits, peer-led groups, course days.
const NO_BUFDIR_2020_V1: RuleSet = RuleSet {
    id: "no-bufdir-2020",
    version: 1,
    name: Texts {
        nb: "Bufdir – telling av likepersonsaktivitet",
        da: "Bufdir (Norge) – opgørelse af peerstøtte",
        en: "Bufdir (Norway) – peer activity count",
    },
    description: Texts {
        nb: "Reglene norske organisasjoner bruker når de rapporterer likepersonsaktivitet til Bufdir. \
             Det som teller, er besøk der likepersonen drar til den det gjelder, grupper ledet av en \
             likeperson med minst 3 deltakere og minst 45 minutter, og kursdager på minst 90 minutter. \
             Telefon, video, meldinger og aktivitet i utlandet registreres, men telles ikke.",
        da: "De regler, norske organisationer bruger, når de indberetter peerstøtte til Bufdir. \
             Det tæller, når peer-støttegiveren besøger den, det drejer sig om, når en gruppe ledet af \
             en peer-støttegiver har mindst 3 deltagere og varer mindst 45 minutter, og når en \
             kursusdag varer mindst 90 minutter. Telefon, video, beskeder og aktivitet i udlandet \
             registreres, men tælles ikke med.",
        en: "The rules Norwegian organisations follow when they report peer activity to Bufdir. \
             What counts: visits where the peer goes to the person, peer-led groups with at least \
             3 participants lasting at least 45 minutes, and course days of at least 90 minutes. \
             Phone, video, messages and activity abroad are logged but not counted.",
    },
    counting: Some(Counting {
        table: &[
            (ContactKind::Visit, Treatment::Outreach),
            (ContactKind::Meeting, Treatment::NeverMeeting),
            (ContactKind::Phone, Treatment::NeverRemote),
            (ContactKind::Video, Treatment::NeverRemote),
            (ContactKind::Message, Treatment::NeverRemote),
            (ContactKind::ConversationGroup, Treatment::Group),
            (ContactKind::SelfHelpGroup, Treatment::Group),
            (ContactKind::ActivityGroup, Treatment::Group),
            (ContactKind::Course, Treatment::Course),
            (ContactKind::Other, Treatment::NeverOther),
        ],
        min_group_participants: 3,
        min_group_minutes: 45,
        min_course_minutes: 90,
        abroad_counts: false,
        group_requires_peer_lead: true,
    }),
};

/// No state count (Denmark, and organisations without one): everything is logged,
/// nothing counts.
const NONE_V1: RuleSet = RuleSet {
    id: "none",
    version: 1,
    name: Texts {
        nb: "Ingen telling",
        da: "Ingen opgørelse",
        en: "No activity count",
    },
    description: Texts {
        nb: "Organisasjonen rapporterer ikke likepersonsaktivitet til myndighetene. \
             Alle kontakter registreres, men ingen telles.",
        da: "Organisationen indberetter ikke peerstøtte til myndighederne. \
             Alle kontakter registreres, men ingen tælles med.",
        en: "The organisation does not report peer activity to the authorities. \
             Every contact is logged; none is counted.",
    },
    counting: None,
};

/// Every known rule set, every version.
pub fn rule_sets() -> &'static [RuleSet] {
    &RULE_SETS
}

/// The newest version of the rule set with this id.
pub fn rule_set(id: &str) -> Option<&'static RuleSet> {
    RULE_SETS
        .iter()
        .filter(|r| r.id == id)
        .max_by_key(|r| r.version)
}

/// One specific version of a rule set, e.g. to re-check a contact evaluated long ago.
pub fn rule_set_version(id: &str, version: u32) -> Option<&'static RuleSet> {
    RULE_SETS
        .iter()
        .find(|r| r.id == id && r.version == version)
}

/// The rule set named by [`DEFAULT_RULE_SET`].
pub fn default_rule_set() -> &'static RuleSet {
    &RULE_SETS[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_set_is_the_named_one() {
        assert_eq!(default_rule_set().id(), DEFAULT_RULE_SET);
        assert_eq!(rule_set(DEFAULT_RULE_SET), Some(default_rule_set()));
    }

    #[test]
    fn every_table_covers_every_kind_exactly_once() {
        for rs in rule_sets() {
            let Some(c) = rs.counting else { continue };
            for &kind in ContactKind::ALL {
                let n = c.table.iter().filter(|(k, _)| *k == kind).count();
                assert_eq!(n, 1, "{} v{}: {kind}", rs.id, rs.version);
            }
            assert_eq!(c.table.len(), ContactKind::ALL.len());
        }
    }

    #[test]
    fn ids_and_versions_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rs in rule_sets() {
            assert!(
                seen.insert((rs.id, rs.version)),
                "{} v{}",
                rs.id,
                rs.version
            );
            assert!(rs.version >= 1);
            assert!(
                rs.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
    }
}
