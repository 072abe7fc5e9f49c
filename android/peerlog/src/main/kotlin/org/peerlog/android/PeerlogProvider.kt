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

    private suspend fun open(app: Context): PeerlogClient {
        val opened = PeerlogClient.open(
            home = File(app.noBackupFilesDir, "peerlog").absolutePath,
            secrets = KeystoreSecretStore.create(app),
            log = LogcatLogSink(),
        )
        following = SyncWorker.followChanges(app, opened, scope)
        return opened
    }

    /** After a wipe: the next [get] opens a fresh, empty home. */
    suspend fun reset() = lock.withLock {
        following?.cancel()
        following = null
        client?.close()
        client = null
    }
}
