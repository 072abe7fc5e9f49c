// The app's handle on the core: coroutines and flows over the uniffi `Peerlog` object.
// No rule lives here: every count, validation and text comes from the core; this class only
// moves blocking calls off the main thread and tells observers that something changed.
package org.peerlog.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import uniffi.peerlog_core.ChapterSettings
import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactEvaluation
import uniffi.peerlog_core.ContactForm
import uniffi.peerlog_core.ContactFormEntry
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.ContactKindInfo
import uniffi.peerlog_core.ContactMonth
import uniffi.peerlog_core.ContactVersion
import uniffi.peerlog_core.Debrief
import uniffi.peerlog_core.DebriefTexts
import uniffi.peerlog_core.DebriefWhen
import uniffi.peerlog_core.DeclarationSignatureInfo
import uniffi.peerlog_core.DeclarationStatus
import uniffi.peerlog_core.DeclarationText
import uniffi.peerlog_core.DrawnSignature
import uniffi.peerlog_core.EnrolResult
import uniffi.peerlog_core.Expense
import uniffi.peerlog_core.ExpenseActions
import uniffi.peerlog_core.ExpenseForm
import uniffi.peerlog_core.ExpenseFormEntry
import uniffi.peerlog_core.ExpenseInput
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.FollowUp
import uniffi.peerlog_core.FollowUpNotification
import uniffi.peerlog_core.ImportResult
import uniffi.peerlog_core.InitResult
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.LogSink
import uniffi.peerlog_core.MyDevice
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.PeriodSummary
import uniffi.peerlog_core.ProfileInfo
import uniffi.peerlog_core.Receipt
import uniffi.peerlog_core.ReportDisplay
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SignedReportFile
import uniffi.peerlog_core.SyncPhase
import uniffi.peerlog_core.SyncProgress
import uniffi.peerlog_core.SyncSchedule
import uniffi.peerlog_core.SyncStatus
import uniffi.peerlog_core.ThemesQuestion
import uniffi.peerlog_core.TrainingStatus

/**
 * Suspend functions and flows over one opened [Peerlog].
 *
 * - Local calls are blocking (SQLite, crypto): they run on [io] (`Dispatchers.IO`).
 * - Network calls (`enrol`, `sync`, ...) are already `suspend` in the bindings.
 * - [status] is refreshed after every change and every sync; [changes] ticks after every
 *   local write (the Android app schedules an expedited sync on it); [progress] carries the
 *   core's sync progress callbacks; [wiped] turns true when the device was revoked and
 *   wiped (or the peer wiped it).
 * - After [close] (the provider closes the client after an erase or a restore) every call
 *   that needs the core throws the core's [PeerlogException.NotInitialised] (`core_closed`),
 *   never the bindings' `IllegalStateException`: a screen still running its effect on the
 *   old client catches it like any other core error.
 * - The form models, report layout, app language and sync timing are the core's pure
 *   functions (not suspend: they need no open core).
 */
class PeerlogClient(
    private val core: Peerlog,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {

    private val _status = MutableStateFlow<SyncStatus?>(null)
    private val _changes = MutableSharedFlow<Unit>(
        extraBufferCapacity = 1, onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )
    private val _progress = MutableSharedFlow<SyncProgressEvent>(
        extraBufferCapacity = 64, onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )
    private val _wiped = MutableStateFlow(false)
    private val syncLock = Mutex()
    @Volatile private var closed = false
    /** The language of the core's texts, for the error of a closed core. */
    @Volatile private var locale: Locale = Locale.EN

    /** The core's sync status (`null` until the first refresh). */
    val status: StateFlow<SyncStatus?> = _status.asStateFlow()

    /** One tick per local change (contact, signature, expense, ...). Conflated. */
    val changes: Flow<Unit> = _changes.asSharedFlow()

    /** The progress of the running sync, as reported by the core. */
    val progress: SharedFlow<SyncProgressEvent> = _progress.asSharedFlow()

    /** True once this device has been wiped; the app returns to onboarding. */
    val wiped: StateFlow<Boolean> = _wiped.asStateFlow()

    // --- state -----------------------------------------------------------------------

    /** Reads the core's sync status and publishes it on [status]. */
    suspend fun refreshStatus(): SyncStatus {
        val s = local { syncStatus() }
        _status.value = s
        return s
    }

    suspend fun isInitialised(): Boolean = local { isInitialised() }
    suspend fun profile(): ProfileInfo = local { profile() }.also { locale = it.locale }
    suspend fun pendingCount(): ULong = local { pendingCount() }

    /** The kinds the peer can pick, with labels in [locale] (from the core). */
    suspend fun contactKinds(locale: Locale): List<ContactKindInfo> =
        withContext(io) { uniffi.peerlog_core.contactKinds(locale) }

    // --- setting up --------------------------------------------------------------------

    /** Sets the device up for offline work; the recovery code is to be shown once. */
    suspend fun init(name: String, ruleSet: String, locale: Locale): InitResult =
        change { init(name, ruleSet, locale) }.also { this.locale = locale }

    /** Enrols with an invitation (`peerlog1:…`); `name` is needed on a fresh device. */
    suspend fun enrol(invitation: String, name: String?): EnrolResult {
        val result = guarded { core.enrol(invitation, name) }
        refreshStatus()
        _changes.tryEmit(Unit)
        return result
    }

    suspend fun setLocale(locale: Locale) {
        local { setLocale(locale) }
        this.locale = locale
    }

    /**
     * Sets this phone up as a new device of a peer who is enrolled: the core fetches the
     * peer key with the recovery code (unwrapped here: a malformed or wrong code fails before
     * anything is registered), registers this device and pulls everything — seconds, more on
     * a slow link. Only on an empty home. A bad code or an unreachable server leaves the home
     * as it was; a pull interrupted after the device was registered leaves it set up, and the
     * next [sync] finishes. [status] is refreshed either way.
     */
    suspend fun recover(server: String, recoveryCode: String) {
        try {
            guarded { core.recoverFromServer(server, recoveryCode) }
        } finally {
            try {
                refreshStatus()
            } catch (e: PeerlogException) {
                // The recovery's own outcome is what the caller needs to see.
            }
        }
    }

    // --- self-hosted server ------------------------------------------------------------

    /**
     * Trusts an extra certificate authority (PEM text, e.g. from a picked file) for a
     * self-hosted server, next to the bundled public roots. The core checks it (throws
     * [PeerlogException.Invalid] with its message) and keeps it across restarts.
     */
    suspend fun setExtraRootCertificate(pem: String) = local { setExtraRootCertificate(pem) }

    /** The extra certificate authority the core keeps (PEM), or null. */
    suspend fun extraRootCertificate(): String? = local { extraRootCertificate() }

    /** Back to the bundled public roots only. */
    suspend fun clearExtraRootCertificate() = local { clearExtraRootCertificate() }

    // --- declaration -------------------------------------------------------------------

    suspend fun currentDeclaration(): DeclarationText = local { currentDeclaration() }
    suspend fun declarationStatus(): DeclarationStatus = local { declarationStatus() }

    suspend fun signDeclaration(
        signerName: String,
        accepted: Boolean,
        drawn: DrawnSignature?,
    ): DeclarationSignatureInfo = change { signDeclaration(signerName, accepted, drawn) }

    // --- contacts ----------------------------------------------------------------------

    /** The live "counts as …" judgement for an input being typed; writes nothing. */
    suspend fun evaluateContact(input: ContactInput): ContactEvaluation =
        local { evaluateContact(input) }

    /** Throws [PeerlogException.Invalid] with one entry per field problem. */
    suspend fun validateContact(input: ContactInput) = local { validateContact(input) }

    suspend fun addContact(input: ContactInput): Contact = change { addContact(input) }
    suspend fun editContact(id: String, input: ContactInput): Contact =
        change { editContact(id, input) }
    suspend fun deleteContact(id: String) = change { deleteContact(id) }
    suspend fun getContact(id: String): Contact = local { getContact(id) }
    suspend fun listContacts(from: String?, to: String?): List<Contact> =
        local { listContacts(from, to) }
    suspend fun repeatLastContact(): ContactInput? = local { repeatLastContact() }

    /**
     * Every version of a contact, oldest first, including its deletion (a tombstone), each
     * numbered and labelled by the core ("Changed on device 3f2a-91bc").
     */
    suspend fun contactHistory(id: String): List<ContactVersion> = local { contactHistory(id) }

    /** Every contact by month, newest month and newest contact first, months named by the core. */
    suspend fun contactsByMonth(): List<ContactMonth> = local { contactsByMonth() }

    /**
     * The input a filled-in contact form describes (the core parses the typed numbers —
     * "not a number" is a field error —, trims the texts, keeps from `entry.base` what the
     * form does not show). Throws [PeerlogException.Invalid] with the field errors.
     */
    suspend fun contactFormInput(entry: ContactFormEntry): ContactInput = local { contactFormInput(entry) }

    /** What the contact form shows for [kind], and validation's limits. */
    fun contactForm(kind: ContactKind): ContactForm = uniffi.peerlog_core.contactForm(kind)

    /** A new contact's input: today in the device's zone, the core's default kind and minutes. */
    fun newContactInput(): ContactInput = uniffi.peerlog_core.newContactInput()

    // --- expenses ----------------------------------------------------------------------

    /** Saves a draft; travel is km × the organisation's rate (the core computes it). */
    suspend fun addExpense(input: ExpenseInput): Expense = change { addExpense(input) }

    /** Changes a draft; a `null` receipt keeps the current one. */
    suspend fun updateExpense(id: String, input: ExpenseInput): Expense =
        change { updateExpense(id, input) }

    /** Submits a draft to the coordinator (sent with the next sync). */
    suspend fun submitExpense(id: String): Expense = change { submitExpense(id) }

    /** Deletes a draft (the core refuses anything else). */
    suspend fun deleteExpense(id: String) = change { deleteExpense(id) }

    /** All expenses, newest first, with the coordinator's decision once there is one. */
    suspend fun listExpenses(): List<Expense> = local { listExpenses() }

    /** The receipt of an expense, decrypted; `null` when it has none. */
    suspend fun expenseReceipt(id: String): Receipt? = local { expenseReceipt(id) }

    /**
     * The peer's own course records (issued by the chapter) and what they mean today: the
     * core decides `certified`, `reminderDue` and the sentence to show.
     */
    suspend fun training(): TrainingStatus = local { training() }

    /** The chapter's settings as last received: `themes` says whether to ask the themes question. */
    suspend fun chapterSettings(): ChapterSettings = local { chapterSettings() }

    /** The form's recovery-themes question (names and lines from the core); shown only when the chapter asks. */
    suspend fun themesQuestion(): ThemesQuestion = local { themesQuestion() }

    /**
     * The input a filled-in expense form describes (km and the amount parsed by the core;
     * the linked contacts kept from `entry.base` unless given). Throws
     * [PeerlogException.Invalid] with the field errors.
     */
    suspend fun expenseFormInput(entry: ExpenseFormEntry): ExpenseInput = local { expenseFormInput(entry) }

    /** What the expense form shows for [kind], and validation's limits. */
    fun expenseForm(kind: ExpenseKind): ExpenseForm = uniffi.peerlog_core.expenseForm(kind)

    /** A new expense's input: the core's default kind, today. */
    fun newExpenseInput(): ExpenseInput = uniffi.peerlog_core.newExpenseInput()

    /** The input that keeps [expense] as it is (linked contacts included), for its form. */
    fun expenseToInput(expense: Expense): ExpenseInput = uniffi.peerlog_core.expenseToInput(expense)

    /** What the peer may do with an expense in [status] (only a draft changes). */
    fun expenseActions(status: ExpenseStatus): ExpenseActions = uniffi.peerlog_core.expenseActions(status)

    // --- "I need to talk", follow-ups, import -------------------------------------------

    /** The "I need to talk" screen's texts, the reminder not to name anyone and the limit. */
    fun debriefTexts(locale: Locale): DebriefTexts = uniffi.peerlog_core.debriefTexts(locale)

    /** Asks the coordinator for a talk; sealed for the chapter, sent with the next sync. */
    suspend fun requestDebrief(`when`: DebriefWhen, message: String?): Debrief =
        change { requestDebrief(`when`, message) }

    /** The peer's requests, newest first, with the coordinator's followed-up mark. */
    suspend fun listDebriefs(): List<Debrief> = local { listDebriefs() }

    /** Sets a contact's private follow-up date (`YYYY-MM-DD`). */
    suspend fun setFollowUp(contactId: String, due: String): FollowUp = change { setFollowUp(contactId, due) }

    /** Marks a contact's follow-up done. */
    suspend fun followUpDone(contactId: String) = change { followUpDone(contactId) }

    /** Checks a follow-up date for a contact dated [contactDate] before either is saved. */
    suspend fun validateFollowUp(due: String, contactDate: String) = local { validateFollowUp(due, contactDate) }

    /** Open follow-ups, earliest first: what the app lists and schedules notifications for. */
    suspend fun listFollowUps(): List<FollowUp> = local { listFollowUps() }

    /** The notification for a due follow-up: the same text for every one, naming nobody. */
    fun followUpNotification(locale: Locale): FollowUpNotification =
        uniffi.peerlog_core.followUpNotification(locale)

    /** Imports (or with [dryRun] checks) a CSV file's bytes from the file picker. */
    suspend fun importContacts(csv: ByteArray, dryRun: Boolean): ImportResult =
        change { importContacts(csv, dryRun) }

    // --- report ------------------------------------------------------------------------

    suspend fun yearSummary(year: Int): PeriodSummary = local { yearSummary(year) }
    suspend fun summary(from: String, to: String): PeriodSummary = local { summary(from, to) }
    suspend fun signYearReport(year: Int): SignedReportFile = change { signYearReport(year) }

    /** The years a report can be made for, newest first. */
    suspend fun reportYears(): List<Int> = local { reportYears() }

    /** A summary laid out as the report screens show it, in the core's order and words. */
    fun reportDisplay(summary: PeriodSummary, locale: Locale): ReportDisplay =
        uniffi.peerlog_core.reportDisplay(summary, locale)

    // --- settings ----------------------------------------------------------------------

    /** Only after the peer re-authenticated (biometrics / PIN): the UI's duty. */
    suspend fun recoveryCode(): String = local { recoveryCode() }

    /**
     * The core's advice to show beside the recovery code when the phone has no screen lock
     * (so the code could not be kept behind it), or `null`.
     */
    suspend fun recoveryCodeAdvice(): String? = local { recoveryCodeAdvice() }

    /** The peer's devices this phone knows of (this one first), for "My phones". */
    suspend fun myDevices(): List<MyDevice> = local { myDevices() }

    /**
     * Revokes another of the peer's devices (a lost phone), signed with the account key; it
     * erases itself at its next contact. `false` if it was revoked already.
     */
    suspend fun revokeMyDevice(deviceId: String): Boolean = guarded { core.revokeMyDevice(deviceId) }

    /**
     * Replaces the recovery code; returns the new one, to show once with the core's
     * `recoveryCodeReplacedNote` (the old code no longer recovers; older backups need it).
     */
    suspend fun rotateRecoveryCode(): String = guarded { core.rotateRecoveryCode() }

    /**
     * Writes the core's encrypted backup (sealed records, the peer key wrapped under the
     * recovery code) to [path], atomically. Restoring it needs the recovery code.
     */
    suspend fun exportBackup(path: String) = local { exportBackup(path) }

    /** Erases keys and data on this device (unsynced data is lost). */
    suspend fun wipe() {
        local { wipe() }
        markWiped()
    }

    // --- sync --------------------------------------------------------------------------

    /**
     * Runs the core's `sync` (one at a time per client), publishing progress on [progress]
     * and the new status on [status]. Never throws a core error: the outcome says what
     * happened. A revoked device is wiped by the core; that becomes [SyncOutcome.Wiped].
     */
    suspend fun sync(): SyncOutcome = syncLock.withLock {
        val listener = object : SyncProgress {
            override fun onProgress(phase: SyncPhase, done: ULong, total: ULong?) {
                _progress.tryEmit(SyncProgressEvent(phase, done, total))
            }
        }
        val outcome = try {
            SyncOutcome.Synced(guarded { core.sync(listener) })
        } catch (e: PeerlogException.DeviceRevoked) {
            markWiped()
            return@withLock SyncOutcome.Wiped(e.userMessage)
        } catch (e: PeerlogException) {
            SyncOutcome.Failed(e)
        }
        refreshStatus()
        outcome
    }

    /**
     * When a background scheduler should sync: the core's periodic interval and the wait its
     * backoff asks for (`SyncStatus.retryAfter`, read now).
     */
    suspend fun syncSchedule(): SyncSchedule = uniffi.peerlog_core.syncSchedule(refreshStatus().retryAfter)

    override fun close() {
        closed = true
        core.close()
    }

    // --- plumbing ----------------------------------------------------------------------

    /** The core's error for a call on this client after [close]. */
    private fun closedError(): PeerlogException =
        PeerlogException.NotInitialised("core_closed", uniffi.peerlog_core.coreClosedMessage(locale))

    /**
     * Runs a call on the core; after [close] (also one that races the call) the bindings'
     * `IllegalStateException` becomes the core's error, so callers catch one type.
     */
    private inline fun <T> guarded(block: () -> T): T {
        if (closed) throw closedError()
        return try {
            block()
        } catch (e: IllegalStateException) {
            if (closed) throw closedError() else throw e
        }
    }

    private suspend fun <T> local(block: Peerlog.() -> T): T = withContext(io) { guarded { core.block() } }

    /** A local write: runs it, then tells observers (status + [changes]). */
    private suspend fun <T> change(block: Peerlog.() -> T): T {
        val result = local(block)
        refreshStatus()
        _changes.tryEmit(Unit)
        return result
    }

    private fun markWiped() {
        _wiped.value = true
        // What the core reports for a wiped home is its business; the UI only needs to
        // know there is no enrolment and nothing pending any more.
        _status.value = null
    }

    companion object {
        /**
         * The language the app shows, from the platform's preferred languages (BCP 47 tags,
         * most preferred first): the core's rule (Norwegian as bokmål, Danish, else English).
         */
        fun appLocale(preferred: List<String>): Locale = uniffi.peerlog_core.appLocale(preferred)

        /** Opens (or creates) the core's home directory off the main thread. */
        suspend fun open(
            home: String,
            secrets: SecretStore,
            log: LogSink?,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PeerlogClient = withContext(io) { PeerlogClient(Peerlog.open(home, secrets, log), io) }

        /**
         * Sets a new device up from a backup file (exported by [exportBackup]) and the
         * recovery code, off the main thread: the core opens [home] itself, checks it holds
         * no Peerlog data, unwraps the peer key with the code and imports every record.
         * A client still open on [home] (the empty one of onboarding) must be closed first,
         * so one core works on the database; the caller reopens it with [open] if this
         * throws. Throws the core's error (a wrong code, a damaged file, a home already set
         * up) in its own words; the home then holds no enrolment and no key.
         */
        suspend fun restore(
            home: String,
            secrets: SecretStore,
            backupPath: String,
            recoveryCode: String,
            log: LogSink?,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): PeerlogClient = withContext(io) {
            val restored = PeerlogClient(Peerlog.restore(home, secrets, backupPath, recoveryCode, log), io)
            restored.refreshStatus()
            restored
        }
    }
}
