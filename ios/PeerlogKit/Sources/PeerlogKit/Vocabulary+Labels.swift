import PeerlogCore

/// The core's label of one value, looked up in the core's lists (ADR 0009: the core names the
/// domain's values; the shells only show them). Empty if the core has no such value.
public extension Vocabulary {
    func label(_ value: ContactKind) -> String {
        contactKinds.first { $0.kind == value }?.label ?? ""
    }

    func label(_ value: Who) -> String {
        who.first { $0.who == value }?.label ?? ""
    }

    func label(_ value: Place) -> String {
        places.first { $0.place == value }?.label ?? ""
    }

    func label(_ value: CoreCategory) -> String {
        categories.first { $0.category == value }?.label ?? ""
    }

    func label(_ value: ExpenseKind) -> String {
        expenseKinds.first { $0.kind == value }?.label ?? ""
    }

    func label(_ value: ExpenseStatus) -> String {
        expenseStatuses.first { $0.status == value }?.label ?? ""
    }

    /// Whether the core records a place for contacts of this kind (it refuses one otherwise).
    func hasPlace(_ kind: ContactKind) -> Bool {
        contactKinds.first { $0.kind == kind }?.hasPlace ?? false
    }

    /// Whether the core pays this kind per km: the form asks for km, not an amount.
    func usesKm(_ kind: ExpenseKind) -> Bool {
        expenseKinds.first { $0.kind == kind }?.usesKm ?? false
    }
}

public extension CategoryTotals {
    /// The activity-days of one category (a summary's `byCategory`), to list the categories in
    /// the order of `Vocabulary.categories`.
    func count(_ category: CoreCategory) -> UInt32 {
        switch category {
        case .outreach: return outreach
        case .group: return group
        case .course: return course
        }
    }
}

public extension MonthTotals {
    /// The activity-days of one category in this month (a summary's `byMonth`), to list them
    /// in the order of `Vocabulary.categories`.
    func count(_ category: CoreCategory) -> UInt32 {
        switch category {
        case .outreach: return outreach
        case .group: return group
        case .course: return course
        }
    }
}
