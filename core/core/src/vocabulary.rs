//! The names of the domain's values (who, where, reporting categories, kinds and statuses
//! of expenses) in the user's language, so both apps and the CLI call a thing by the same
//! name as the reports and the rules' reasons do. The contact kinds have their own list
//! (`contact_kinds`), which also says which kinds are group kinds.

use peerlog_rules::{Category, ContactKind, Locale, Place, Who};

use crate::model::{ExpenseKind, ExpenseStatus, records_place};

/// A contact kind for the "kind" chips.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactKindInfo {
    pub kind: ContactKind,
    pub code: String,
    pub label: String,
    /// Group kinds take a number of participants.
    pub is_group: bool,
    /// A place (home, hospital, …) is recorded for this kind; the core refuses one for
    /// any other kind, so the apps show the place picker only for these.
    pub has_place: bool,
}

/// Contact kinds in display order with labels, for the "kind" chips.
#[uniffi::export]
pub fn contact_kinds(locale: Locale) -> Vec<ContactKindInfo> {
    ContactKind::ALL
        .iter()
        .map(|k| ContactKindInfo {
            kind: *k,
            code: k.as_str().to_string(),
            label: k.label(locale).to_string(),
            is_group: k.is_group(),
            has_place: records_place(*k),
        })
        .collect()
}

/// Who the peer talked with, with its label.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WhoInfo {
    pub who: Who,
    pub code: String,
    pub label: String,
}

/// Where a contact took place, with its label.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlaceInfo {
    pub place: Place,
    pub code: String,
    pub label: String,
}

/// A reporting category, with its label (the term of the organisation's rules).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CategoryInfo {
    pub category: Category,
    pub code: String,
    pub label: String,
}

/// A kind of expense, with its label.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseKindInfo {
    pub kind: ExpenseKind,
    pub code: String,
    pub label: String,
    /// Paid per km at the organisation's rate: the form asks for km, not an amount.
    pub uses_km: bool,
}

/// A status of an expense, with its label.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseStatusInfo {
    pub status: ExpenseStatus,
    pub code: String,
    pub label: String,
}

/// Every list of named values, in the order the apps show them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Vocabulary {
    pub contact_kinds: Vec<ContactKindInfo>,
    pub who: Vec<WhoInfo>,
    pub places: Vec<PlaceInfo>,
    pub categories: Vec<CategoryInfo>,
    pub expense_kinds: Vec<ExpenseKindInfo>,
    pub expense_statuses: Vec<ExpenseStatusInfo>,
}

/// The names of the domain's values in `locale`, for pickers, chips and lists.
#[uniffi::export]
pub fn vocabulary(locale: Locale) -> Vocabulary {
    Vocabulary {
        contact_kinds: contact_kinds(locale),
        who: Who::ALL
            .iter()
            .map(|&who| WhoInfo {
                who,
                code: who.as_str().into(),
                label: who.label(locale).into(),
            })
            .collect(),
        places: Place::ALL
            .iter()
            .map(|&place| PlaceInfo {
                place,
                code: place.as_str().into(),
                label: place.label(locale).into(),
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|&category| CategoryInfo {
                category,
                code: category.as_str().into(),
                label: category.label(locale).into(),
            })
            .collect(),
        expense_kinds: ExpenseKind::ALL
            .iter()
            .map(|&kind| ExpenseKindInfo {
                kind,
                code: kind.as_str().into(),
                label: kind.label(locale).into(),
                uses_km: kind.uses_km(),
            })
            .collect(),
        expense_statuses: ExpenseStatus::ALL
            .iter()
            .map(|&status| ExpenseStatusInfo {
                status,
                code: status.as_str().into(),
                label: status.label(locale).into(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_named_in_every_language() {
        let mut seen = Vec::new();
        for locale in [Locale::Nb, Locale::Da, Locale::En] {
            let v = vocabulary(locale);
            assert_eq!(v.who.len(), 3);
            assert_eq!(v.places.len(), 4);
            assert_eq!(v.categories.len(), 3);
            assert_eq!(v.expense_kinds.len(), 4);
            assert_eq!(v.expense_statuses.len(), 4);
            assert!(!v.contact_kinds.is_empty());
            let labels: Vec<String> = v
                .who
                .into_iter()
                .map(|w| w.label)
                .chain(v.places.into_iter().map(|p| p.label))
                .chain(v.categories.into_iter().map(|c| c.label))
                .chain(v.expense_kinds.into_iter().map(|k| k.label))
                .chain(v.expense_statuses.into_iter().map(|s| s.label))
                .collect();
            assert!(labels.iter().all(|l| !l.trim().is_empty()), "{labels:?}");
            seen.push(labels);
        }
        // Norwegian and Danish differ from English somewhere in every list.
        assert_ne!(seen[0], seen[2]);
        assert_ne!(seen[1], seen[2]);
    }

    #[test]
    fn categories_carry_the_rules_terms() {
        let nb = vocabulary(Locale::Nb);
        let outreach = nb
            .categories
            .iter()
            .find(|c| c.category == Category::Outreach)
            .map(|c| c.label.as_str());
        assert_eq!(outreach, Some("Oppsøkende likepersonsarbeid"));
        let codes: Vec<&str> = nb
            .expense_statuses
            .iter()
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(codes, ["draft", "submitted", "approved", "rejected"]);
    }
}
