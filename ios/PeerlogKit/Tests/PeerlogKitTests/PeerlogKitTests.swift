import Foundation
import PeerlogKit
import XCTest

/// A SecretStore in memory: unit tests in a package have no Keychain entitlement on the simulator.
private final class MemorySecretStore: ClearableSecretStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Data] = [:]

    func get(name: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return values[name]
    }

    func put(name: String, value: Data, protection: SecretProtection) throws {
        lock.lock()
        defer { lock.unlock() }
        values[name] = value
    }

    func protection(name: String) throws -> SecretProtection? {
        lock.lock()
        defer { lock.unlock() }
        return values[name] == nil ? nil : .deviceOnly
    }

    func delete(name: String) throws {
        lock.lock()
        defer { lock.unlock() }
        values[name] = nil
    }

    func removeAll() throws {
        lock.lock()
        defer { lock.unlock() }
        values.removeAll()
    }
}

/// Runs on the iOS simulator (`xcodebuild test`, see ios/README.md) against the real core.
final class PeerlogKitTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory
            .appendingPathComponent("peerlog-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: home)
    }

    func testOfflineSetupSignAndLogAContact() throws {
        let core = try Peerlog.open(home: home.path, secrets: MemorySecretStore(), log: OSLogSink())
        XCTAssertFalse(core.isInitialised())

        let ruleSet = try XCTUnwrap(ruleSets(locale: .en).first)
        let setup = try core.`init`(name: "Kari Nordmann", ruleSet: ruleSet.id, locale: .en)
        XCTAssertFalse(setup.recoveryCode.isEmpty)
        XCTAssertTrue(core.isInitialised())

        let input = ContactInput(date: CoreDates.today(), minutes: 60, kind: .visit, who: .targetGroup, place: .home)
        XCTAssertThrowsError(try core.addContact(input: input)) { error in
            guard case .DeclarationRequired = error as? PeerlogError else {
                return XCTFail("expected DeclarationRequired, got \(error)")
            }
        }

        let drawn = DrawnSignature(width: 300, height: 100, strokes: [[
            StrokePoint(x: 10, y: 50), StrokePoint(x: 150, y: 20), StrokePoint(x: 290, y: 80),
        ]])
        let signature = try core.signDeclaration(signerName: "Kari Nordmann", accepted: true, drawn: drawn)
        XCTAssertTrue(signature.hasDrawnSignature)
        XCTAssertTrue(try core.declarationStatus().signed)

        let evaluation = try core.evaluateContact(input: input)
        XCTAssertFalse(evaluation.reason.isEmpty)
        let contact = try core.addContact(input: input)
        XCTAssertEqual(contact.evaluation, evaluation)
        XCTAssertEqual(try core.listContacts(from: nil, to: nil).map(\.id), [contact.id])
        XCTAssertNotNil(try core.repeatLastContact())
        _ = try core.yearSummary(year: CoreDates.year())
    }

    func testInvalidInputIsReportedPerField() throws {
        let core = try Peerlog.open(home: home.path, secrets: MemorySecretStore(), log: nil)
        let ruleSet = try XCTUnwrap(ruleSets(locale: .en).first)
        _ = try core.`init`(name: "Kari Nordmann", ruleSet: ruleSet.id, locale: .en)
        let input = ContactInput(date: CoreDates.today(), minutes: 0, kind: .visit, who: .targetGroup)
        XCTAssertThrowsError(try core.validateContact(input: input)) { error in
            let fields = (error as? PeerlogError)?.fieldErrors ?? []
            XCTAssertFalse(fields.isEmpty, "expected field errors, got \(error)")
        }
    }

    func testDayStrings() {
        let date = CoreDates.date(fromDay: "2026-03-09")
        XCTAssertNotNil(date)
        XCTAssertEqual(date.map(CoreDates.day), "2026-03-09")
        XCTAssertNil(CoreDates.date(fromDay: "9 March"))
        XCTAssertNotNil(CoreDates.timestamp("2026-03-09T10:00:00Z"))
        XCTAssertNotNil(CoreDates.timestamp("2026-03-09T10:00:00.123+01:00"))
    }

    @MainActor
    func testClientOpensAndSetsUpOffline() async throws {
        let client = PeerlogClient(home: home.appendingPathComponent("client"),
                                   secrets: MemorySecretStore())
        await client.start()
        XCTAssertEqual(client.state, .needsSetup)
        let ruleSet = try XCTUnwrap(client.availableRuleSets().first)
        let code = try await client.setUpOffline(name: "Kari Nordmann", ruleSet: ruleSet.id)
        XCTAssertFalse(code.isEmpty)
        XCTAssertEqual(client.state, .ready)
        XCTAssertEqual(client.declaration?.signed, false)
        try await client.wipe()
        XCTAssertEqual(client.state, .needsSetup)
    }

    // MARK: - PeerlogClient wrappers (no server needed)

    /// A self-signed CA certificate (EC P-256, "Peerlog Test CA"), only for the certificate tests.
    private static let testCA = """
    -----BEGIN CERTIFICATE-----
    MIIBiDCCAS+gAwIBAgIUdOQF/lFPufsyc8KC4CVmnNg74JcwCgYIKoZIzj0EAwIw
    GjEYMBYGA1UEAwwPUGVlcmxvZyBUZXN0IENBMB4XDTI2MTEyNTIyMDUzNFoXDTM2
    MTEyMjIyMDUzNFowGjEYMBYGA1UEAwwPUGVlcmxvZyBUZXN0IENBMFkwEwYHKoZI
    zj0CAQYIKoZIzj0DAQcDQgAEVppkIcVQCyhkrr3T6Hy6IpSCF+73gc9XfnNUP+5l
    r8bM9n6iYPohVgQuABgYNPZhdsvcbRkxW/6zXxoK3eCySqNTMFEwHQYDVR0OBBYE
    FMCWB2xsPooAsQ7HcWziG2A0qtRvMB8GA1UdIwQYMBaAFMCWB2xsPooAsQ7HcWzi
    G2A0qtRvMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgbieeC+Sb
    ahoUeP4qe+vfU+Ta+1qpoPLDvZFQpBoQMDACIAyuHnBpuTZMiWwp9hfKpnr3mJJg
    V1XAGAmSykTavF5H
    -----END CERTIFICATE-----
    """

    /// The smallest thing the core takes for a JPEG receipt (it checks the JPEG signature).
    private static let receipt = Receipt(mimeType: "image/jpeg", data: Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]))

    /// A client set up offline with the declaration signed, ready to log. Returns the recovery code.
    @MainActor
    private func readyClient(_ name: String) async throws -> (PeerlogClient, String) {
        let client = PeerlogClient(home: home.appendingPathComponent(name), secrets: MemorySecretStore())
        await client.start()
        let ruleSet = try XCTUnwrap(client.availableRuleSets().first)
        let code = try await client.setUpOffline(name: "Kari Nordmann", ruleSet: ruleSet.id)
        _ = try await client.signDeclaration(signerName: "Kari Nordmann", accepted: true, drawn: nil)
        XCTAssertEqual(client.declaration?.signed, true)
        return (client, code)
    }

    @MainActor
    func testContactHistoryKeepsEveryVersion() async throws {
        let (client, _) = try await readyClient("history")
        let input = ContactInput(date: CoreDates.today(), minutes: 60, kind: .visit, who: .targetGroup, place: .home)
        let contact = try await client.addContact(input)
        var changed = input
        changed.minutes = 90
        _ = try await client.editContact(id: contact.id, input: changed)
        try await client.deleteContact(id: contact.id)

        let history = try await client.contactHistory(id: contact.id)
        XCTAssertEqual(history.count, 3)
        XCTAssertEqual(history.map(\.deleted), [false, false, true])
        XCTAssertEqual(history.map { $0.contact?.minutes }, [60, 90, nil])
        XCTAssertEqual(history.map(\.version), history.map(\.version).sorted(), "oldest first")
        let device = try XCTUnwrap(client.profile?.deviceId)
        XCTAssertTrue(history.allSatisfy { $0.authorDevice == device })

        do {
            _ = try await client.contactHistory(id: "no-such-contact")
            XCTFail("expected NotFound")
        } catch let error as PeerlogError {
            guard case .NotFound = error else {
                return XCTFail("expected NotFound, got \(error)")
            }
        }
    }

    @MainActor
    func testVocabularyFollowsTheCoresLanguage() async throws {
        let (client, _) = try await readyClient("vocabulary")
        var outreach: [CoreLocale: String] = [:]
        for locale: CoreLocale in [.nb, .da, .en] {
            try await client.setLocale(locale)
            XCTAssertEqual(client.locale, locale)
            XCTAssertEqual(client.vocabulary, vocabulary(locale: locale), "\(locale)")
            outreach[locale] = client.vocabulary.label(CoreCategory.outreach)
            XCTAssertFalse(outreach[locale]?.isEmpty ?? true, "\(locale)")
        }
        XCTAssertNotEqual(outreach[.nb], outreach[.en])
    }

    @MainActor
    func testMoneyIsReadAndWrittenByTheCore() async throws {
        let (client, _) = try await readyClient("money")
        let currency = try XCTUnwrap(client.profile?.currency)
        for minor: UInt64 in [0, 7, 14_950, 123_450, 9_999_999] {
            let text = client.amountText(minor, currency: currency)
            XCTAssertFalse(text.isEmpty)
            XCTAssertEqual(try client.amountMinor(from: text, currency: currency), minor, text)
        }
        XCTAssertEqual(try client.amountMinor(from: "149,50", currency: "NOK"), 14_950)
        XCTAssertEqual(try client.amountMinor(from: "1 234.50", currency: "NOK"), 123_450)
        XCTAssertThrowsError(try client.amountMinor(from: "twelve", currency: "NOK")) { error in
            guard case .Invalid = error as? PeerlogError else {
                return XCTFail("expected Invalid, got \(error)")
            }
            XCTAssertFalse((error as? PeerlogError)?.userMessage.isEmpty ?? true)
        }
    }

    @MainActor
    func testDraftExpenseIsUpdatedAndKeepsItsReceipt() async throws {
        let (client, _) = try await readyClient("expenses")
        let currency = try XCTUnwrap(client.profile?.currency)
        let amount = try client.amountMinor(from: "149,50", currency: currency)
        let draft = try await client.addExpense(ExpenseInput(
            date: CoreDates.today(), kind: .ticket, km: nil, amountMinor: amount,
            description: "Bus", contactIds: [], receipt: Self.receipt))
        XCTAssertTrue(draft.hasReceipt)
        XCTAssertEqual(draft.status, .draft)

        // No receipt in the input: the stored one stays.
        let updated = try await client.updateExpense(id: draft.id, input: ExpenseInput(
            date: CoreDates.today(), kind: .ticket, km: nil, amountMinor: amount + 100,
            description: "Bus and tram", contactIds: [], receipt: nil))
        XCTAssertEqual(updated.amountMinor, amount + 100)
        XCTAssertEqual(updated.description, "Bus and tram")
        XCTAssertTrue(updated.hasReceipt)
        let stored = try await client.expenseReceipt(id: draft.id)
        XCTAssertEqual(stored, Self.receipt)
        let listed = try await client.expenses()
        XCTAssertEqual(listed.map(\.id), [draft.id])

        // A submitted expense is no longer a draft: the core refuses changes.
        _ = try await client.submitExpense(id: draft.id)
        do {
            _ = try await client.updateExpense(id: draft.id, input: ExpenseInput(
                date: CoreDates.today(), kind: .ticket, km: nil, amountMinor: amount,
                description: nil, contactIds: [], receipt: nil))
            XCTFail("expected the core to refuse changing a submitted expense")
        } catch let error as PeerlogError {
            guard case .Refused = error else {
                return XCTFail("expected Refused, got \(error)")
            }
        }
    }

    @MainActor
    func testBackupRestoresOnAnEmptyDeviceWithTheRecoveryCode() async throws {
        let (old, code) = try await readyClient("old-phone")
        let contact = try await old.addContact(ContactInput(date: CoreDates.today(), minutes: 60, kind: .visit,
                                                            who: .targetGroup, place: .home))
        let backup = home.appendingPathComponent("peerlog-backup.json")
        try await old.exportBackup(to: backup)
        XCTAssertTrue(FileManager.default.fileExists(atPath: backup.path))

        let new = PeerlogClient(home: home.appendingPathComponent("new-phone"), secrets: MemorySecretStore())
        await new.start()
        XCTAssertEqual(new.state, .needsSetup)

        // A wrong code: refused, nothing kept, still an empty device.
        do {
            try await new.restore(backup: backup, recoveryCode: "not the code")
            XCTFail("expected a wrong recovery code to be refused")
        } catch is PeerlogError {
            XCTAssertEqual(new.state, .needsSetup)
        }

        try await new.restore(backup: backup, recoveryCode: code)
        XCTAssertEqual(new.state, .ready)
        XCTAssertEqual(new.declaration?.signed, true)
        let restored = try await new.contacts()
        XCTAssertEqual(restored.map(\.id), [contact.id])
        XCTAssertNotEqual(new.profile?.deviceId, old.profile?.deviceId)

        // A device already set up refuses a restore and stays as it is.
        do {
            try await new.restore(backup: backup, recoveryCode: code)
            XCTFail("expected a restore onto a set-up device to be refused")
        } catch is PeerlogError {
            XCTAssertEqual(new.state, .ready)
        }
    }

    @MainActor
    func testExtraRootCertificateIsKeptUntilCleared() async throws {
        let homeDir = home.appendingPathComponent("certificate")
        let secrets = MemorySecretStore()
        let client = PeerlogClient(home: homeDir, secrets: secrets)
        await client.start()
        XCTAssertEqual(client.state, .needsSetup)
        let none = try await client.extraRootCertificate()
        XCTAssertNil(none)

        // Not a certificate: the core refuses it in its words and keeps nothing.
        do {
            try await client.setExtraRootCertificate(pem: "hello")
            XCTFail("expected Invalid")
        } catch let error as PeerlogError {
            guard case .Invalid = error else {
                return XCTFail("expected Invalid, got \(error)")
            }
            XCTAssertFalse(error.userMessage.isEmpty)
        }
        let stillNone = try await client.extraRootCertificate()
        XCTAssertNil(stillNone)

        // Works before setup (enrolment and recovery need it), and survives a restart.
        try await client.setExtraRootCertificate(pem: Self.testCA)
        let kept = try await client.extraRootCertificate()
        XCTAssertEqual(kept?.contains("BEGIN CERTIFICATE"), true)
        let reopened = PeerlogClient(home: homeDir, secrets: secrets)
        await reopened.start()
        let afterRestart = try await reopened.extraRootCertificate()
        XCTAssertEqual(afterRestart, kept)

        try await reopened.clearExtraRootCertificate()
        let cleared = try await reopened.extraRootCertificate()
        XCTAssertNil(cleared)
    }

    @MainActor
    func testSignedDeclarationExportVerifies() async throws {
        let (client, _) = try await readyClient("declaration")
        let html = try await client.exportSignedDeclaration()
        let info = try verifyDeclarationHtml(html: html)
        XCTAssertEqual(info.signerName, "Kari Nordmann")
    }
}
