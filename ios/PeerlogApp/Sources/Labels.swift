import PeerlogKit
import SwiftUI

/// Names of the UI chrome: the languages, sync phases, yes/no, and dates as the device writes
/// them. The domain's values (kinds, who, places, categories, expense kinds and statuses) are
/// named by the core: `client.vocabulary` and `Vocabulary.label(_:)`. No rule lives here.
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
