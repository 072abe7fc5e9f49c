import Foundation
import PeerlogCore

extension PeerlogError {
    /// The core's message, already in the user's language.
    public var userMessage: String {
        switch self {
        case let .Invalid(_, message, _),
             let .DeclarationRequired(_, message),
             let .NotInitialised(_, message),
             let .NotFound(_, message),
             let .Refused(_, message),
             let .Verification(_, message),
             let .Storage(_, message),
             let .SecretStore(_, message),
             let .Network(_, message),
             let .Server(_, message),
             let .DeviceRevoked(_, message):
            return message
        }
    }

    /// The core's stable machine code (`declaration_required`, `rate_limited`, …).
    public var code: String {
        switch self {
        case let .Invalid(code, _, _),
             let .DeclarationRequired(code, _),
             let .NotInitialised(code, _),
             let .NotFound(code, _),
             let .Refused(code, _),
             let .Verification(code, _),
             let .Storage(code, _),
             let .SecretStore(code, _),
             let .Network(code, _),
             let .Server(code, _),
             let .DeviceRevoked(code, _):
            return code
        }
    }

    /// Per-field problems of an `Invalid` input (empty for every other error).
    public var fieldErrors: [FieldError] {
        if case let .Invalid(_, _, fields) = self {
            return fields
        }
        return []
    }

    public var isDeviceRevoked: Bool {
        if case .DeviceRevoked = self {
            return true
        }
        return false
    }
}

/// Errors of the Swift layer itself (not of the core).
public enum PeerlogClientError: Error, Equatable {
    /// The core is not open (still starting, or it failed to open).
    case notOpen
}

/// A user-facing text for any error a `PeerlogClient` call throws: the core's own message for a
/// `PeerlogError`, the system's description otherwise.
public func userMessage(for error: Error) -> String {
    if let error = error as? PeerlogError {
        return error.userMessage
    }
    return error.localizedDescription
}
