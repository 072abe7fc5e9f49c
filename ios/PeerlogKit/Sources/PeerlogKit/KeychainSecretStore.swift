import Foundation
import PeerlogCore
import Security

/// A `SecretStore` that can also forget everything it holds (used on a fresh install and after a
/// wipe or revocation).
public protocol ClearableSecretStore: SecretStore {
    func removeAll() throws
}

/// The core's `SecretStore` on the iOS Keychain.
///
/// Each secret is a generic-password item (service + account = name) readable after the first
/// unlock after boot (so background sync works on a locked phone) and never migrated to
/// another device or into backups (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`). Every
/// Keychain failure is reported to the core as `SecretStoreError.Unavailable`.
public final class KeychainSecretStore: ClearableSecretStore {
    public let service: String
    public let accessGroup: String?

    /// - Parameters:
    ///   - service: the `kSecAttrService` of every item (one namespace per app).
    ///   - accessGroup: a Keychain access group, only to share items with an app extension.
    public init(service: String = "no.peerlog.core.secrets", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    public func get(name: String) throws -> Data? {
        var query = itemQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
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
        default:
            throw Self.unavailable("read", name, status)
        }
    }

    public func put(name: String, value: Data) throws {
        let query = itemQuery(name)
        let attributes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
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
