import PeerlogKit
import SwiftUI

/// Labels for the core's enums that the core does not name itself (the contact kinds come
/// with the core's own labels, see `PeerlogClient.kinds()`). Only names: no rule lives here.
enum Labels {
    static let locales: [CoreLocale] = [.nb, .da, .en]

    static func identifier(_ locale: CoreLocale) -> String {
        switch locale {
        case .nb: return "nb"
        case .da: return "da"
        case .en: return "en"
        }
    }

    static func language(_ locale: CoreLocale) -> LocalizedStringKey {
        switch locale {
        case .nb: return "language.nb"
        case .da: return "language.da"
        case .en: return "language.en"
        }
    }

    static func who(_ who: Who) -> LocalizedStringKey {
        switch who {
        case .targetGroup: return "who.targetGroup"
        case .relative: return "who.relative"
        case .both: return "who.both"
        }
    }

    static let places: [Place] = [.home, .hospital, .institution, .other]

    static func place(_ place: Place) -> LocalizedStringKey {
        switch place {
        case .home: return "place.home"
        case .hospital: return "place.hospital"
        case .institution: return "place.institution"
        case .other: return "place.other"
        }
    }

    static func category(_ category: CoreCategory) -> LocalizedStringKey {
        switch category {
        case .outreach: return "category.outreach"
        case .group: return "category.group"
        case .course: return "category.course"
        }
    }

    static func syncPhase(_ phase: SyncPhase) -> LocalizedStringKey {
        switch phase {
        case .login: return "sync.phase.login"
        case .push: return "sync.phase.push"
        case .pull: return "sync.phase.pull"
        case .apply: return "sync.phase.apply"
        }
    }

    static func yesNo(_ value: Bool) -> LocalizedStringKey {
        value ? "common.yes" : "common.no"
    }

    /// The core's label for a kind, from the list the core hands out.
    static func kind(_ kind: ContactKind, in kinds: [ContactKindInfo]) -> String {
        kinds.first { $0.kind == kind }?.label ?? ""
    }

    /// A `YYYY-MM-DD` day as the user's locale writes it.
    static func day(_ text: String) -> String {
        guard let date = CoreDates.date(fromDay: text) else { return text }
        return date.formatted(date: .abbreviated, time: .omitted)
    }
}

extension String {
    /// nil for an empty or all-blank string (optional text fields of the core's inputs).
    var nilIfBlank: String? {
        trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self
    }
}
