package org.peerlog.core

import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.SyncPhase
import uniffi.peerlog_core.SyncReport

/** The result of one [PeerlogClient.sync], for the UI and for the background worker. */
sealed interface SyncOutcome {
    /** Pushed and pulled; [report] has the counts (the core's). */
    data class Synced(val report: SyncReport) : SyncOutcome

    /**
     * The sync did not complete. [error] is the core's error; [PeerlogException.userMessage]
     * is ready to show, the core's [PeerlogException.isTransient] tells a scheduler whether to retry.
     */
    data class Failed(val error: PeerlogException) : SyncOutcome {
        val code: String get() = error.code
        val userMessage: String get() = error.userMessage
        val transient: Boolean get() = error.isTransient()
    }

    /**
     * The server said this device is revoked. The core has already erased its keys and
     * data; the app must return to onboarding and stop scheduling syncs.
     */
    data class Wiped(val userMessage: String) : SyncOutcome
}

/** One `SyncProgress.onProgress` callback of the core, as a value for a `Flow`. */
data class SyncProgressEvent(val phase: SyncPhase, val done: ULong, val total: ULong?)
