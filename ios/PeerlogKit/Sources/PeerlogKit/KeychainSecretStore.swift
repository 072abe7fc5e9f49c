import Foundation
import LocalAuthentication
import PeerlogCore
import Security

/// A `SecretStore` that can also forget everything it holds (used on a fresh install and after a
/// wipe or revocation).
public protocol ClearableSecretStore: SecretStore {
    func removeAll() throws
}

/// The core's `SecretStore` on the iOS Keychain.
///
/// Each secret is a generic-password item (service + account = name), never migrated to
/// another device or into backups. A `deviceOnly` secret is readable after the first unlock
/// after boot (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`, so background sync works on a
/// locked phone); a `userPresence` secret (the recovery code) has `.userPresence` access
/// control on `kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly`: reading it shows the system's
/// Face ID / Touch ID / passcode prompt, and a cancelled or impossible prompt is
/// `SecretStoreError.UserPresenceRequired`. On a phone with no passcode it is kept `deviceOnly`
/// (and `protection` says so, so the core shows its advice). Every other Keychain failure is
/// `SecretStoreError.Unavailable`.
public final class KeychainSecretStore: ClearableSecretStore {
    public let service: String
    public let accessGroup: String?
    /// Why the app asks, shown in the system prompt when a `userPresence` secret is read.
    public let presenceReason: String

    /// - Parameters:
    ///   - service: the `kSecAttrService` of every item (one namespace per app).
    ///   - accessGroup: a Keychain access group, only to share items with an app extension.
    ///   - presenceReason: the line the system prompt shows (localised by the app).
    public init(service: String = "no.peerlog.core.secrets", accessGroup: String? = nil,
                presenceReason: String = "") {
        self.service = service
        self.accessGroup = accessGroup
        self.presenceReason = presenceReason
    }

    /// The label kept in `kSecAttrGeneric`, readable without the user (attributes only).
    private static func label(_ protection: SecretProtection) -> Data {
        switch protection {
        case .deviceOnly: return Data("device-only".utf8)
        case .userPresence: return Data("user-presence".utf8)
        }
    }

    public func get(name: String) throws -> Data? {
        var query = itemQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        let context = LAContext()
        context.localizedReason = presenceReason
        query[kSecUseAuthenticationContext as String] = context
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else {
                throw SecretStoreError.Unavailable(reason: "keychain item \(name) holds no data")
            }
            return data
        case errSecItemNotFound:
            return nil
        case errSecUserCanceled, errSecAuthFailed, errSecInteractionNotAllowed:
            // Cancelled, failed, or no prompt possible now (the app in the background).
            throw SecretStoreError.UserPresenceRequired
        default:
            throw Self.unavailable("read", name, status)
        }
    }

    public func protection(name: String) throws -> SecretProtection? {
        var query = itemQuery(name)
        query[kSecReturnAttributes as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        // Attributes only, and never a prompt.
        let context = LAContext()
        context.interactionNotAllowed = true
        query[kSecUseAuthenticationContext as String] = context
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            let generic = (result as? [String: Any])?[kSecAttrGeneric as String] as? Data
            return generic == Self.label(.userPresence) ? .userPresence : .deviceOnly
        case errSecItemNotFound:
            return nil
        default:
            throw Self.unavailable("read attributes of", name, status)
        }
    }

    public func put(name: String, value: Data, protection: SecretProtection) throws {
        let kept = protection == .userPresence && Self.hasPasscode() ? SecretProtection.userPresence : .deviceOnly
        if kept == .userPresence || (try? self.protection(name: name)) == .userPresence {
            // Access control cannot be changed in place: the item is made again.
            try putNew(name: name, value: value, protection: kept)
            return
        }
        let query = itemQuery(name)
        let attributes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecAttrGeneric as String: Self.label(.deviceOnly),
        ]
        var status = SecItemUpdate(query as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var item = query
            item.merge(attributes) { _, new in new }
            status = SecItemAdd(item as CFDictionary, nil)
            if status == errSecDuplicateItem {
                // Added by another thread in between: replace its value.
                status = SecItemUpdate(query as CFDictionary, attributes as CFDictionary)
            }
        }
        guard status == errSecSuccess else {
            throw Self.unavailable("write", name, status)
        }
    }

    /// Replaces the item `name` with a new one at `protection`.
    private func putNew(name: String, value: Data, protection: SecretProtection) throws {
        var item = itemQuery(name)
        item[kSecValueData as String] = value
        item[kSecAttrGeneric as String] = Self.label(protection)
        switch protection {
        case .deviceOnly:
            item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        case .userPresence:
            var error: Unmanaged<CFError>?
            guard let access = SecAccessControlCreateWithFlags(
                nil, kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly, .userPresence, &error
            ) else {
                let reason = error.map { String(describing: $0.takeRetainedValue()) } ?? "unknown"
                throw SecretStoreError.Unavailable(reason: "keychain access control for \(name): \(reason)")
            }
            item[kSecAttrAccessControl as String] = access
        }
        try delete(name: name)
        let status = SecItemAdd(item as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw Self.unavailable("write", name, status)
        }
    }

    /// Whether the phone has a passcode (so an item can ask for its owner).
    private static func hasPasscode() -> Bool {
        LAContext().canEvaluatePolicy(.deviceOwnerAuthentication, error: nil)
    }

    public func delete(name: String) throws {
        let status = SecItemDelete(itemQuery(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.unavailable("delete", name, status)
        }
    }

    /// Removes every item of this store's service. Keychain items outlive an uninstall on iOS;
    /// the app calls this when it finds no data directory, so a reinstalled app never meets
    /// the keys of an earlier installation.
    public func removeAll() throws {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.unavailable("delete", "*", status)
        }
    }

    private func itemQuery(_ name: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: name,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        return query
    }

    private static func unavailable(_ action: String, _ name: String, _ status: OSStatus) -> SecretStoreError {
        let text = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
        return SecretStoreError.Unavailable(reason: "keychain \(action) of \(name) failed: \(text) (\(status))")
    }
}
