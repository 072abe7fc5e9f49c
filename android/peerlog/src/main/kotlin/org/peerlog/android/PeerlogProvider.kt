// The one PeerlogClient of the process, opened lazily on the app's private files, with the
// Keystore secret store and the Logcat sink. Screens and the SyncWorker share it.
package org.peerlog.android

import android.content.Context
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.peerlog.core.PeerlogClient

object PeerlogProvider {
    private val lock = Mutex()
    @Volatile private var client: PeerlogClient? = null

    suspend fun get(context: Context): PeerlogClient {
        client?.let { return it }
        return lock.withLock {
            client ?: PeerlogClient.open(
                home = java.io.File(context.applicationContext.noBackupFilesDir, "peerlog").absolutePath,
                secrets = KeystoreSecretStore.create(context.applicationContext),
                log = LogcatLogSink(),
            ).also { client = it }
        }
    }

    /** After a wipe: the next [get] opens a fresh, empty home. */
    suspend fun reset() = lock.withLock {
        client?.close()
        client = null
    }
}
