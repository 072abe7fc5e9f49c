// The one PeerlogClient of the process, opened lazily on the app's private files, with the
// Keystore secret store and the Logcat sink. Screens and the SyncWorker share it; every
// local change of it schedules an expedited sync.
package org.peerlog.android

import android.content.Context
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.peerlog.core.PeerlogClient
import uniffi.peerlog_core.PeerlogException

object PeerlogProvider {
    private val lock = Mutex()
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    @Volatile private var client: PeerlogClient? = null
    private var following: Job? = null

    suspend fun get(context: Context): PeerlogClient {
        client?.let { return it }
        return lock.withLock {
            client ?: open(context.applicationContext).also { client = it }
        }
    }

    private fun home(app: Context) = File(app.noBackupFilesDir, "peerlog").absolutePath

    private suspend fun open(app: Context): PeerlogClient {
        val opened = PeerlogClient.open(
            home = home(app),
            secrets = KeystoreSecretStore.create(app),
            log = LogcatLogSink(),
        )
        following = SyncWorker.followChanges(app, opened, scope)
        return opened
    }

    /**
     * Sets this phone up from a backup file ([backupPath], a private copy) and the recovery
     * code. The core's `restore` opens the home itself: the empty client of onboarding is
     * closed first, so one core works on the database. On failure the home is reopened as
     * it was (the core kept nothing) and the core's error is rethrown. Either way, the next
     * [get] returns the client to use (the caller re-reads it).
     */
    suspend fun restore(context: Context, backupPath: String, recoveryCode: String) = lock.withLock {
        val app = context.applicationContext
        following?.cancel()
        following = null
        client?.close()
        client = null
        val restored = try {
            PeerlogClient.restore(
                home = home(app),
                secrets = KeystoreSecretStore.create(app),
                backupPath = backupPath,
                recoveryCode = recoveryCode,
                log = LogcatLogSink(),
            )
        } catch (e: PeerlogException) {
            client = open(app)
            throw e
        }
        following = SyncWorker.followChanges(app, restored, scope)
        client = restored
    }

    /** After a wipe: the next [get] opens a fresh, empty home. */
    suspend fun reset() = lock.withLock {
        following?.cancel()
        following = null
        client?.close()
        client = null
    }
}
