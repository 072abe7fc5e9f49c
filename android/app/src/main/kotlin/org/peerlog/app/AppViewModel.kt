// The app's state machine: which screen the peer must see (onboarding, recovery code,
// declaration, main), decided from what the core says — never from rules of our own.
package org.peerlog.app

import android.app.Application
import android.content.Intent
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.File
import java.io.IOException
import java.util.UUID
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.android.FollowUpReminders
import org.peerlog.android.KeystoreSecretStore
import org.peerlog.android.PeerlogProvider
import org.peerlog.android.SyncWorker
import org.peerlog.core.PeerlogClient
import org.peerlog.core.SyncOutcome
import org.peerlog.core.userMessage
import uniffi.peerlog_core.DeclarationText
import uniffi.peerlog_core.DrawnSignature
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.RuleSetInfo
import uniffi.peerlog_core.Vocabulary
import uniffi.peerlog_core.ruleSets
import uniffi.peerlog_core.vocabulary as coreVocabulary

sealed interface Screen {
    data object Loading : Screen
    data class Onboarding(val ruleSets: List<RuleSetInfo>, val wipedNotice: Boolean) : Screen
    /** The new recovery code, and the core's advice when the phone has no screen lock. */
    data class RecoveryCode(val code: String, val advice: String?) : Screen
    data class Declaration(val text: DeclarationText, val resign: Boolean) : Screen
    data object Main : Screen
}

class AppViewModel(application: Application) : AndroidViewModel(application) {
    private val _screen = MutableStateFlow<Screen>(Screen.Loading)
    val screen: StateFlow<Screen> = _screen.asStateFlow()

    /** The last error from the core, already in the peer's language; null when none. */
    private val _error = MutableStateFlow<String?>(null)
    val error: StateFlow<String?> = _error.asStateFlow()

    private val _syncing = MutableStateFlow(false)
    val syncing: StateFlow<Boolean> = _syncing.asStateFlow()

    /** True while a new phone is being restored from the server (see [recover]). */
    private val _restoring = MutableStateFlow(false)
    val restoring: StateFlow<Boolean> = _restoring.asStateFlow()

    /** An invitation that arrived by link or QR code, to fill in on onboarding. */
    private val _invitation = MutableStateFlow<String?>(null)
    val invitation: StateFlow<String?> = _invitation.asStateFlow()

    /**
     * The core's names of who, places, categories, contact and expense kinds and statuses, in
     * the app's current language. A pure core call; reloaded only by [followLanguage].
     */
    private var vocabularyLocale = CoreLocale.current()
    private val _vocabulary = MutableStateFlow<Vocabulary>(coreVocabulary(vocabularyLocale))
    val vocabulary: StateFlow<Vocabulary> = _vocabulary.asStateFlow()

    /**
     * The activity was (re)created, perhaps in another language (the phone's changed while
     * the app lived, or the peer picked one in Settings: [changeLanguage] recreates the
     * activity): the names follow the language the app shows now.
     */
    fun followLanguage() {
        val locale = CoreLocale.current()
        if (locale != vocabularyLocale) {
            vocabularyLocale = locale
            _vocabulary.value = coreVocabulary(locale)
        }
    }

    private var wipedNotice = false
    private var wipingByPeer = false
    private var wipedWatcher: Job? = null
    private var statusWatcher: Job? = null

    lateinit var client: PeerlogClient
        private set

    private var followUpWatcher: Job? = null

    init {
        viewModelScope.launch { startCatching() }
    }

    /**
     * [start], with a core error shown instead of crashing: the core may be closed under us
     * (a revocation wiped it while a screen was busy) or fail to open its store.
     */
    private suspend fun startCatching() {
        try {
            start()
        } catch (e: PeerlogException) {
            _error.value = e.userMessage
        }
    }

    private suspend fun start() {
        client = PeerlogProvider.get(getApplication())
        // The core's texts follow the app's language (set once the device is set up).
        if (client.isInitialised()) client.setLocale(CoreLocale.current())
        client.refreshStatus()
        wipedWatcher?.cancel()
        wipedWatcher = viewModelScope.launch {
            client.wiped.filter { it }.first()
            // In its own coroutine: start() cancels this watcher.
            viewModelScope.launch { onWiped(revoked = !wipingByPeer) }
        }
        // Follow-up reminders follow every local change and sync (the dates are the core's).
        followUpWatcher?.cancel()
        followUpWatcher = viewModelScope.launch {
            client.changes.collect {
                try {
                    FollowUpReminders.reschedule(getApplication())
                } catch (e: PeerlogException) {
                    // Closed or wiped meanwhile: nothing to remind of.
                }
            }
        }
        // A background sync may bring a new declaration version: the core then refuses
        // logging until it is signed, so leave the main screens for the declaration.
        statusWatcher?.cancel()
        statusWatcher = viewModelScope.launch {
            client.status.filterNotNull().collect { status ->
                if (_screen.value == Screen.Main && !status.declarationSigned) {
                    try {
                        route()
                    } catch (e: PeerlogException) {
                        // Closed or wiped meanwhile: the wiped watcher routes to onboarding.
                    }
                }
            }
        }
        route()
    }

    /** Decides the screen from the core's state. */
    suspend fun route() {
        if (!client.isInitialised()) {
            val ruleSets = withContext(Dispatchers.IO) { ruleSets(CoreLocale.current()) }
            _screen.value = Screen.Onboarding(ruleSets, wipedNotice)
            return
        }
        val status = client.declarationStatus()
        _screen.value = if (!status.signed) {
            // The core says whether this is a first signature or a new version to sign again
            // (`signature` is only ever the current version's, so it is null here).
            Screen.Declaration(client.currentDeclaration(), resign = status.signedBefore)
        } else {
            Screen.Main
        }
    }

    /**
     * Takes a `peerlog1:` link from an intent. The core checks it when the peer joins; here
     * it is only carried to the onboarding form (a device already set up ignores it).
     */
    fun offerInvitation(intent: Intent?) {
        val link = intent?.takeIf { it.action == Intent.ACTION_VIEW }?.dataString ?: return
        _invitation.value = link
    }

    /** Shows a core error (its own message, in the peer's language). */
    fun showError(e: PeerlogException) {
        _error.value = e.userMessage
    }

    fun dismissError() {
        _error.value = null
    }

    private fun launchCatching(block: suspend () -> Unit) = viewModelScope.launch {
        try {
            block()
        } catch (e: PeerlogException) {
            _error.value = e.userMessage
        }
    }

    fun enrol(invitation: String, name: String) = launchCatching {
        val result = client.enrol(invitation.trim(), name.trim().ifEmpty { null })
        client.setLocale(CoreLocale.current())
        startSyncing()
        val code = result.recoveryCode
        if (code != null) {
            _screen.value = Screen.RecoveryCode(code, client.recoveryCodeAdvice())
        } else {
            route()
        }
    }

    fun startOffline(name: String, ruleSet: String) = launchCatching {
        val result = client.init(name.trim(), ruleSet, CoreLocale.current())
        _screen.value = Screen.RecoveryCode(result.recoveryCode, client.recoveryCodeAdvice())
    }

    /**
     * A new phone of a peer who already uses Peerlog: the core fetches the keys with the
     * recovery code, registers this phone and pulls everything; then the screen the core's
     * state asks for (the declaration if a new version waits, else the main screens). The
     * peer has the recovery code already, so it is not shown again.
     */
    fun recover(server: String, recoveryCode: String) = launchCatching {
        _restoring.value = true
        try {
            client.recover(server.trim(), recoveryCode.trim())
        } catch (e: PeerlogException) {
            _error.value = e.userMessage
        } finally {
            _restoring.value = false
        }
        // Also after a pull that failed half-way: the core has then set the phone up, and
        // the next sync finishes the job.
        if (client.isInitialised()) {
            client.setLocale(CoreLocale.current())
            startSyncing()
            route()
        }
    }

    /**
     * A new phone set up from a backup file the peer picked ([uri], from the document
     * picker) and the recovery code. The file is copied into the app's cache for the core
     * (which reads a path) and the copy is deleted whatever happens. The core checks the
     * code and the file and says what is wrong; afterwards the screen its state asks for.
     */
    fun restoreBackup(uri: Uri, recoveryCode: String) = launchCatching {
        val app = getApplication<Application>()
        _restoring.value = true
        val copy = File(app.cacheDir, "restore-${UUID.randomUUID()}.peerlog")
        try {
            val copied = withContext(Dispatchers.IO) {
                try {
                    app.contentResolver.openInputStream(uri)?.use { input ->
                        copy.outputStream().use { output -> input.copyTo(output) }
                    } != null
                } catch (e: IOException) {
                    false
                } catch (e: SecurityException) {
                    false
                }
            }
            if (!copied) {
                _error.value = app.getString(R.string.onboarding_restore_unreadable)
                return@launchCatching
            }
            PeerlogProvider.restore(app, copy.absolutePath, recoveryCode.trim())
        } catch (e: PeerlogException) {
            _error.value = e.userMessage
        } finally {
            withContext(NonCancellable + Dispatchers.IO) { copy.delete() }
            _restoring.value = false
        }
        // The provider holds a new client now (the restored one, or the empty home reopened):
        // watch that one and route as its state says.
        startCatching()
        if (client.isInitialised()) {
            startSyncing()
        }
    }

    /** A device that is set up now (joined, recovered, restored): sync every 4 h and soon. */
    private fun startSyncing() {
        SyncWorker.schedulePeriodic(getApplication())
        SyncWorker.syncSoon(getApplication())
    }

    fun recoveryCodeNoted() = launchCatching { route() }

    fun sign(name: String, accepted: Boolean, drawn: DrawnSignature?) = launchCatching {
        client.signDeclaration(name, accepted, drawn)
        route()
    }

    fun syncNow() = launchCatching {
        _syncing.value = true
        try {
            when (val outcome = client.sync()) {
                is SyncOutcome.Synced -> {
                    // A new declaration version arrived: the core now refuses logging
                    // until it is signed, so show it.
                    if (outcome.report.declarationChanged) route()
                }
                is SyncOutcome.Failed -> {
                    _error.value = outcome.userMessage
                }
                is SyncOutcome.Wiped -> {
                    // Handled by the `wiped` flow (back to onboarding).
                }
            }
        } finally {
            _syncing.value = false
        }
    }

    fun changeLanguage(locale: uniffi.peerlog_core.Locale) = launchCatching {
        client.setLocale(locale)
        // Recreates the activity, whose onCreate reloads the names (followLanguage).
        CoreLocale.apply(locale)
    }

    /** The peer erases this device (Settings). */
    fun wipe() = launchCatching {
        wipingByPeer = true
        client.wipe()
    }

    private suspend fun onWiped(revoked: Boolean) {
        wipedNotice = revoked
        wipingByPeer = false
        AppLock.disable() // an erased phone starts afresh, without the app lock
        SyncWorker.cancelAll(getApplication())
        KeystoreSecretStore.deleteKey()
        PeerlogProvider.reset()
        startCatching()
    }
}
