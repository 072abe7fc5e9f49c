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

    func put(name: String, value: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        values[name] = value
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
}
