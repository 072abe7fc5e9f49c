import Foundation
import Observation
import PeerlogCore

/// The app's one handle on the core: an observable, main-actor model over `Peerlog`.
///
/// Every blocking core call (SQLite, crypto) runs on a detached task, never on the main
/// actor; the network calls (`enrol`, `sync`, `recoverFromServer`) are the core's own async
/// functions. The model holds no business rule: counts, validation, rule decisions and their
/// texts all come from the core; this class only keeps the latest state for the screens.
///
/// A device the coordinator revoked is wiped by the core when it next reaches the server
/// (`PeerlogError.DeviceRevoked`); the model then drops the core, clears the Keychain items and
/// moves to `.wiped`.
@MainActor
@Observable
public final class PeerlogClient {
    public enum State: Equatable {
        /// Opening the core.
        case starting
        /// No keys on this device yet: onboarding (enrol or start offline).
        case needsSetup
        /// Set up; `declaration` says whether logging is allowed.
        case ready
        /// The device was revoked (or wiped); `message` is the core's text.
        case wiped(message: String)
        /// The core could not be opened; `message` is the core's (or the system's) text.
        case failed(message: String)
    }

    /// Where a running sync is.
    public struct SyncProgressState: Equatable {
        public let phase: SyncPhase
        public let done: UInt64
        public let total: UInt64?
    }

    public private(set) var state: State = .starting
    public private(set) var profile: ProfileInfo?
    public private(set) var declaration: DeclarationStatus?
    public private(set) var syncStatus: SyncStatus?
    public private(set) var isSyncing = false
    public private(set) var syncProgress: SyncProgressState?
    /// Changes whenever local data may have changed (a save, a delete, a sync that pulled
    /// records), so screens know to reload.
    public private(set) var dataVersion = 0

    /// Called after every local change that should reach the server (the app schedules
    /// background sync from here).
    @ObservationIgnored public var onLocalChange: (@MainActor () -> Void)?

    public let home: URL
    private let secrets: any ClearableSecretStore
    private let logSink: OSLogSink
    @ObservationIgnored private var core: Peerlog?
    @ObservationIgnored private var startTask: Task<Void, Never>?
    @ObservationIgnored private var syncTask: Task<SyncReport?, Never>?
    @ObservationIgnored private var vocabularyCache: VocabularyCache?

    /// - Parameters:
    ///   - home: the core's data directory (default: Application Support/Peerlog).
    ///   - secrets: where the core keeps its keys (default: the Keychain).
    public init(home: URL? = nil,
                secrets: any ClearableSecretStore = KeychainSecretStore(),
                log: OSLogSink = OSLogSink()) {
        self.home = home ?? Self.defaultHome()
        self.secrets = secrets
        self.logSink = log
    }

    /// `Application Support/Peerlog`. Excluded from iCloud/iTunes backups when created: the
    /// keys are this-device-only, so a restored copy could not be opened anyway; moving to a
    /// new phone goes through the recovery code.
    public nonisolated static func defaultHome() -> URL {
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return base.appendingPathComponent("Peerlog", isDirectory: true)
    }

    // MARK: - Lifecycle

    /// Opens the core (once; later calls wait for the first).
    public func start() async {
        if let startTask {
            await startTask.value
            return
        }
        let task = Task { await self.open() }
        startTask = task
        await task.value
    }

    private func open() async {
        state = .starting
        let home = self.home
        let secrets = self.secrets
        let log = self.logSink
        do {
            core = try await Task.detached(priority: .userInitiated) {
                try Self.openCore(home: home, secrets: secrets, log: log)
            }.value
            await refresh()
        } catch {
            state = .failed(message: userMessage(for: error))
        }
    }

    private nonisolated static func openCore(home: URL, secrets: any ClearableSecretStore, log: OSLogSink) throws -> Peerlog {
        let files = FileManager.default
        if !files.fileExists(atPath: home.path) {
            // A fresh install (Keychain items outlive an uninstall): never reuse old keys.
            try secrets.removeAll()
            try files.createDirectory(at: home, withIntermediateDirectories: true)
            var url = home
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try url.setResourceValues(values)
        }
        return try Peerlog.open(home: home.path, secrets: secrets, log: log)
    }

    /// Opens the core again from scratch (after a wipe or a failed start).
    public func restart() async {
        core = nil
        startTask = nil
        profile = nil
        declaration = nil
        syncStatus = nil
        dataVersion += 1
        await start()
    }

    /// Reloads profile, declaration state and sync state from the core.
    public func refresh() async {
        guard let core else { return }
        do {
            let snapshot = try await Task.detached(priority: .userInitiated) { () throws -> Snapshot in
                guard core.isInitialised() else {
                    return Snapshot(initialised: false, profile: nil, declaration: nil, sync: nil)
                }
                return Snapshot(initialised: true,
                                profile: try core.profile(),
                                declaration: try core.declarationStatus(),
                                sync: try core.syncStatus())
            }.value
            profile = snapshot.profile
            declaration = snapshot.declaration
            syncStatus = snapshot.sync
            state = snapshot.initialised ? .ready : .needsSetup
        } catch {
            if !handleRevocation(error) {
                state = .failed(message: userMessage(for: error))
            }
        }
    }

    private struct Snapshot: Sendable {
        let initialised: Bool
        let profile: ProfileInfo?
        let declaration: DeclarationStatus?
        let sync: SyncStatus?
    }

    /// Runs a blocking core call off the main actor. A revocation reported by the call wipes
    /// the model's state; every error is rethrown for the screen to show.
    public func perform<T: Sendable>(_ work: @escaping @Sendable (Peerlog) throws -> T) async throws -> T {
        await start()
        guard let core else { throw PeerlogClientError.notOpen }
        do {
            return try await Task.detached(priority: .userInitiated) {
                try work(core)
            }.value
        } catch {
            handleRevocation(error)
            throw error
        }
    }

    /// Like `perform`, for calls that change local data: afterwards the state is refreshed,
    /// `dataVersion` moves and `onLocalChange` runs.
    public func change<T: Sendable>(_ work: @escaping @Sendable (Peerlog) throws -> T) async throws -> T {
        let result = try await perform(work)
        await refresh()
        dataVersion += 1
        onLocalChange?()
        return result
    }

    /// The core's language (the peer's setting), falling back to the app's UI language.
    public var locale: CoreLocale {
        if let profile {
            return profile.locale
        }
        // The core's rule over the app's languages as iOS ranks them (the same as Android's).
        return appLocale(preferred: Bundle.main.preferredLocalizations)
    }

    // MARK: - Setup

    /// The rule sets an offline start can choose from, with the core's names and descriptions.
    public func availableRuleSets() -> [RuleSetInfo] {
        ruleSets(locale: locale)
    }

    /// Sets the device up for a peer working offline. Returns the recovery code to show once.
    public func setUpOffline(name: String, ruleSet: String) async throws -> String {
        let locale = self.locale
        let result = try await change { core in
            try core.`init`(name: name, ruleSet: ruleSet, locale: locale)
        }
        return result.recoveryCode
    }

    /// Enrols with the chapter from an invitation (`peerlog1:…`, pasted or scanned). `name` is
    /// needed on a fresh device. Returns what the core hands back (recovery code on a fresh
    /// device).
    public func enrol(invitation: String, name: String?) async throws -> EnrolResult {
        await start()
        guard let core else { throw PeerlogClientError.notOpen }
        do {
            let result = try await core.enrol(invitation: invitation, name: name)
            await refresh()
            dataVersion += 1
            onLocalChange?()
            return result
        } catch {
            handleRevocation(error)
            throw error
        }
    }

    /// Sets this (empty) device up from the server with the recovery code.
    public func recover(server: String, recoveryCode: String) async throws {
        await start()
        guard let core else { throw PeerlogClientError.notOpen }
        try await core.recoverFromServer(server: server, recoveryCode: recoveryCode)
        await refresh()
        dataVersion += 1
    }

    /// Sets this (empty) device up from a backup file made with `exportBackup(to:)` on the old
    /// phone, opened with the recovery code. The file must be readable at `backup` (copy it out
    /// of a security-scoped location first). The core checks the code, the file and every
    /// record's signature; on any failure nothing is kept and the device stays empty.
    public func restore(backup: URL, recoveryCode: String) async throws {
        await start()
        guard core != nil else { throw PeerlogClientError.notOpen }
        let home = self.home
        let secrets = self.secrets
        let log = self.logSink
        let path = backup.path
        // `Peerlog.restore` opens the home itself. On an empty device the core opened for
        // onboarding goes first, so that one core works on the database; on a device already
        // set up it stays, and the core refuses the restore in its own words.
        let wasEmpty = state == .needsSetup
        if wasEmpty {
            core = nil
        }
        do {
            let restored = try await Task.detached(priority: .userInitiated) {
                try Peerlog.restore(home: home.path, secrets: secrets, backupPath: path,
                                    recoveryCode: recoveryCode, log: log)
            }.value
            core = restored
        } catch {
            if wasEmpty {
                // Back to the empty device, as before.
                core = try? await Task.detached(priority: .userInitiated) {
                    try Self.openCore(home: home, secrets: secrets, log: log)
                }.value
                if core == nil {
                    state = .failed(message: userMessage(for: error))
                }
            }
            await refresh()
            throw error
        }
        await refresh()
        dataVersion += 1
        onLocalChange?()
    }

    // MARK: - Server certificate (self-hosted servers)

    /// Trusts an extra certificate authority (PEM text) for a self-hosted server, besides the
    /// system's roots. The core checks the text, keeps it for every later start and reports a
    /// bad file in its own words. Set it before enrolling or recovering.
    public func setExtraRootCertificate(pem: String) async throws {
        try await perform { try $0.setExtraRootCertificate(pem: pem) }
    }

    /// The extra certificate authority the core keeps (PEM), or nil if there is none.
    public func extraRootCertificate() async throws -> String? {
        try await perform { try $0.extraRootCertificate() }
    }

    /// Forgets the extra certificate authority: only the system's roots are trusted again.
    public func clearExtraRootCertificate() async throws {
        try await perform { try $0.clearExtraRootCertificate() }
    }

    // MARK: - Declaration

    public func currentDeclaration() async throws -> DeclarationText {
        try await perform { try $0.currentDeclaration() }
    }

    public func signDeclaration(signerName: String, accepted: Bool, drawn: DrawnSignature?) async throws -> DeclarationSignatureInfo {
        try await change { core in
            try core.signDeclaration(signerName: signerName, accepted: accepted, drawn: drawn)
        }
    }

    /// A self-contained HTML copy of the peer's signature on the current declaration (the
    /// core's file, verifiable by anyone), for sharing.
    public func exportSignedDeclaration() async throws -> String {
        try await perform { try $0.exportSignedDeclaration() }
    }

    // MARK: - Contacts

    /// The core's names of the domain's values (contact kinds, who, places, categories, expense
    /// kinds and statuses) in the core's language, in the order to show them. Follows
    /// `setLocale` (it is read for the current `locale`, which comes from the profile).
    public var vocabulary: Vocabulary {
        let locale = self.locale
        if let cached = vocabularyCache, cached.locale == locale {
            return cached.vocabulary
        }
        let fresh = PeerlogCore.vocabulary(locale: locale)
        vocabularyCache = VocabularyCache(locale: locale, vocabulary: fresh)
        return fresh
    }

    private struct VocabularyCache {
        let locale: CoreLocale
        let vocabulary: Vocabulary
    }

    /// The core's live judgement of an input ("counts as outreach", "does not count: …").
    public func evaluate(_ input: ContactInput) async throws -> ContactEvaluation {
        try await perform { try $0.evaluateContact(input: input) }
    }

    public func addContact(_ input: ContactInput) async throws -> Contact {
        try await change { try $0.addContact(input: input) }
    }

    public func editContact(id: String, input: ContactInput) async throws -> Contact {
        try await change { try $0.editContact(id: id, input: input) }
    }

    public func deleteContact(id: String) async throws {
        try await change { try $0.deleteContact(id: id) }
    }

    public func contact(id: String) async throws -> Contact {
        try await perform { try $0.getContact(id: id) }
    }

    /// Contacts between two `YYYY-MM-DD` days (both optional), oldest first.
    public func contacts(from: String? = nil, to: String? = nil) async throws -> [Contact] {
        try await perform { try $0.listContacts(from: from, to: to) }
    }

    /// Every version of a contact, oldest first, including its deletion (the core keeps them
    /// all: an edit writes a new version, a deletion a tombstone).
    public func contactHistory(id: String) async throws -> [ContactVersion] {
        try await perform { try $0.contactHistory(id: id) }
    }

    /// The last contact as a new input dated today, for "repeat last" (nil if none yet).
    public func repeatLastContact() async throws -> ContactInput? {
        try await perform { try $0.repeatLastContact() }
    }

    /// The input a filled-in contact form describes: the core parses the typed numbers (a word
    /// is its "not a number" field error), trims the texts and keeps from `entry.base` what the
    /// form does not show (a one-to-one contact's participants, topics, municipality, …).
    public func contactFormInput(_ entry: ContactFormEntry) async throws -> ContactInput {
        try await perform { try $0.contactFormInput(entry: entry) }
    }

    /// Every contact by month, newest first, the months named by the core.
    public func contactsByMonth() async throws -> [ContactMonth] {
        try await perform { try $0.contactsByMonth() }
    }

    // MARK: - Summary and report

    public func yearSummary(_ year: Int32) async throws -> PeriodSummary {
        try await perform { try $0.yearSummary(year: year) }
    }

    /// The years a report can be made for, newest first.
    public func reportYears() async throws -> [Int32] {
        try await perform { try $0.reportYears() }
    }

    /// Signs the year's report; the file goes out through the share sheet.
    public func signYearReport(_ year: Int32) async throws -> SignedReportFile {
        try await change { try $0.signYearReport(year: year) }
    }

    // MARK: - Expenses

    /// All expenses, newest first.
    public func expenses() async throws -> [Expense] {
        try await perform { try $0.listExpenses() }
    }

    /// The peer's own course records (issued by the chapter) and what they mean today: the
    /// core decides `certified`, `reminderDue` and the sentence to show.
    public func training() async throws -> TrainingStatus {
        try await perform { try $0.training() }
    }

    /// The chapter's settings as last received: `themes` says whether to ask the themes question.
    public func chapterSettings() async throws -> ChapterSettings {
        try await perform { try $0.chapterSettings() }
    }

    /// The contact form's recovery-themes question: the core's names and one-line
    /// explanations, `shown` only when the chapter asks it.
    public func themesQuestion() async throws -> ThemesQuestion {
        try await perform { try $0.themesQuestion() }
    }

    /// Records an expense as a draft (travel: the core computes km × the organisation's rate).
    public func addExpense(_ input: ExpenseInput) async throws -> Expense {
        try await change { try $0.addExpense(input: input) }
    }

    /// Changes a draft expense (the core refuses any other). A `receipt` of nil in `input`
    /// keeps the stored one.
    public func updateExpense(id: String, input: ExpenseInput) async throws -> Expense {
        try await change { try $0.updateExpense(id: id, input: input) }
    }

    /// The input a filled-in expense form describes: km and the amount read by the core (a word
    /// is its "not a number"), the description trimmed, the linked contacts kept from
    /// `entry.base` unless the form gives them.
    public func expenseFormInput(_ entry: ExpenseFormEntry) async throws -> ExpenseInput {
        try await perform { try $0.expenseFormInput(entry: entry) }
    }

    /// The stored receipt of an expense (nil if it has none).
    public func expenseReceipt(id: String) async throws -> Receipt? {
        try await perform { try $0.expenseReceipt(id: id) }
    }

    /// Submits a draft to the coordinator (it goes out with the next sync).
    public func submitExpense(id: String) async throws -> Expense {
        try await change { try $0.submitExpense(id: id) }
    }

    public func deleteExpense(id: String) async throws {
        try await change { try $0.deleteExpense(id: id) }
    }

    // MARK: - "I need to talk", follow-ups, import

    /// The "I need to talk" screen's texts, the reminder not to name anyone and the limit.
    public func debriefScreenTexts() -> DebriefTexts {
        debriefTexts(locale: locale)
    }

    /// Asks the coordinator for a talk; sealed for the chapter, sent with the next sync.
    public func requestDebrief(when: DebriefWhen, message: String?) async throws -> Debrief {
        try await change { try $0.requestDebrief(when: when, message: message) }
    }

    /// The peer's requests, newest first, with the coordinator's followed-up mark.
    public func debriefs() async throws -> [Debrief] {
        try await perform { try $0.listDebriefs() }
    }

    /// Sets a contact's private follow-up date (`YYYY-MM-DD`).
    public func setFollowUp(contactId: String, due: String) async throws -> FollowUp {
        try await change { try $0.setFollowUp(contactId: contactId, due: due) }
    }

    /// Checks a follow-up date for a contact dated `contactDate` before either is saved.
    public func validateFollowUp(due: String, contactDate: String) async throws {
        try await perform { try $0.validateFollowUp(due: due, contactDate: contactDate) }
    }

    /// Marks a contact's follow-up done.
    public func followUpDone(contactId: String) async throws {
        try await change { try $0.followUpDone(contactId: contactId) }
    }

    /// Open follow-ups, earliest first: what the app lists and schedules notifications for.
    public func followUps() async throws -> [FollowUp] {
        try await perform { try $0.listFollowUps() }
    }

    /// The notification for a due follow-up: the same text for every one, naming nobody.
    public func followUpNotificationText() -> FollowUpNotification {
        followUpNotification(locale: locale)
    }

    /// Imports (or with `dryRun` checks) a CSV file's bytes from `fileImporter`.
    public func importContacts(_ csv: Data, dryRun: Bool) async throws -> ImportResult {
        try await change { try $0.importContacts(csv: csv, dryRun: dryRun) }
    }

    // MARK: - Money

    /// An amount in minor units of `currency` as the core writes money in the peer's language
    /// (`1 234,50 kr`, `1.234,50 kr.`, `NOK 1,234.50`).
    public func amountText(_ amountMinor: UInt64, currency: String) -> String {
        formatAmount(amountMinor: amountMinor, currency: currency, locale: locale)
    }

    /// A typed amount (`149,50`, `1 234.5`, `kr 150`) read by the core as minor units of
    /// `currency`. Throws the core's `PeerlogError.Invalid` (field `amount`) for anything else.
    public func amountMinor(from text: String, currency: String) throws -> UInt64 {
        try parseAmount(text: text, currency: currency, locale: locale)
    }

    // MARK: - Backup

    /// Writes an encrypted backup of everything on this device to `url` (a file the app can
    /// write, e.g. in its temporary directory). Restoring it on another phone needs the
    /// recovery code (`restore(backup:recoveryCode:)`).
    public func exportBackup(to url: URL) async throws {
        let path = url.path
        try await perform { try $0.exportBackup(path: path) }
    }

    // MARK: - Settings

    /// The recovery code. The Keychain item holding it asks for Face ID / Touch ID / the
    /// passcode itself; a cancelled prompt is the core's `user_presence_required`.
    public func recoveryCode() async throws -> String {
        try await perform { try $0.recoveryCode() }
    }

    /// The core's advice to show beside the recovery code when the phone has no passcode (so
    /// the code could not be kept behind it), or nil.
    public func recoveryCodeAdvice() async throws -> String? {
        try await perform { try $0.recoveryCodeAdvice() }
    }

    // MARK: - My devices (a lost phone)

    /// The peer's devices this phone knows of, this one first.
    public func myDevices() async throws -> [MyDevice] {
        try await perform { try $0.myDevices() }
    }

    /// Revokes another of the peer's devices (signed with the account key); `false` if it was
    /// revoked already. The app asks for device authentication first.
    public func revokeMyDevice(id: String) async throws -> Bool {
        await start()
        guard let core else { throw PeerlogClientError.notOpen }
        return try await core.revokeMyDevice(deviceId: id)
    }

    /// Replaces the recovery code (the old one no longer recovers); returns the new one, to be
    /// shown once with `recoveryCodeReplacedNote`.
    public func rotateRecoveryCode() async throws -> String {
        await start()
        guard let core else { throw PeerlogClientError.notOpen }
        return try await core.rotateRecoveryCode()
    }

    public func setLocale(_ locale: CoreLocale) async throws {
        try await perform { try $0.setLocale(locale: locale) }
        await refresh()
        dataVersion += 1
    }

    /// Erases keys and local data on this device (unsynced data is lost), then starts fresh.
    public func wipe() async throws {
        try await perform { try $0.wipe() }
        try? secrets.removeAll()
        await restart()
    }

    // MARK: - Sync

    /// When the core's backoff allows the next background sync (nil: any time).
    /// When background sync may run: the core's periodic interval and its wait after failures.
    public var syncSchedule: SyncSchedule {
        PeerlogCore.syncSchedule(retryAfter: syncStatus?.retryAfter)
    }

    public var retryAfter: Date? {
        syncStatus?.retryAfter.flatMap(CoreDates.timestamp)
    }

    /// Whether this device syncs at all (it has enrolled with a chapter).
    public var isEnrolled: Bool {
        syncStatus?.enrolment != nil
    }

    /// Syncs now (a user's pull-to-refresh, or after a change). Concurrent calls share one
    /// sync. Returns nil when the device is not enrolled or the sync failed; the failure is in
    /// `syncStatus.lastError`, with the core's text.
    @discardableResult
    public func sync() async -> SyncReport? {
        if let syncTask {
            return await syncTask.value
        }
        let task = Task { await self.runSync() }
        syncTask = task
        let report = await task.value
        syncTask = nil
        return report
    }

    /// For background tasks: syncs unless the core's backoff (`syncStatus().retryAfter`) says
    /// not yet. Returns false only when a sync was tried and failed.
    public func syncIfDue(now: Date = Date()) async -> Bool {
        await start()
        await refresh()
        guard state == .ready, isEnrolled else { return true }
        if let retryAfter, retryAfter > now {
            return true
        }
        return await sync() != nil
    }

    private func runSync() async -> SyncReport? {
        await start()
        guard let core, state == .ready, isEnrolled else { return nil }
        isSyncing = true
        defer {
            isSyncing = false
            syncProgress = nil
        }
        let relay = ProgressRelay { [weak self] phase, done, total in
            guard let self else { return }
            Task { @MainActor in
                self.syncProgress = SyncProgressState(phase: phase, done: done, total: total)
            }
        }
        do {
            let report = try await core.sync(progress: relay)
            await refresh()
            if report.pulled > 0 || report.declarationChanged {
                dataVersion += 1
            }
            return report
        } catch {
            if !handleRevocation(error) {
                await refresh()
            }
            return nil
        }
    }

    /// If `error` says the device was revoked (the core has already wiped it): drop the core,
    /// clear the Keychain and show `.wiped`. Returns whether it did.
    @discardableResult
    private func handleRevocation(_ error: Error) -> Bool {
        guard let error = error as? PeerlogError, error.isDeviceRevoked else { return false }
        core = nil
        startTask = nil
        try? secrets.removeAll()
        profile = nil
        declaration = nil
        syncStatus = nil
        dataVersion += 1
        state = .wiped(message: error.userMessage)
        return true
    }
}

/// Forwards the core's sync progress callbacks (called on a core thread).
final class ProgressRelay: SyncProgress {
    let handler: @Sendable (SyncPhase, UInt64, UInt64?) -> Void

    init(handler: @escaping @Sendable (SyncPhase, UInt64, UInt64?) -> Void) {
        self.handler = handler
    }

    func onProgress(phase: SyncPhase, done: UInt64, total: UInt64?) {
        handler(phase, done, total)
    }
}
