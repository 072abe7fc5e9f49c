package org.peerlog.app

import android.app.Application
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.peerlog.android.PeerlogProvider
import org.peerlog.android.SyncWorker
import uniffi.peerlog_core.PeerlogException

class PeerlogApplication : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    override fun onCreate() {
        super.onCreate()
        AppLock.install(this)
        // Opening the client also makes every local change ask for an expedited sync.
        appScope.launch {
            try {
                val client = PeerlogProvider.get(this@PeerlogApplication)
                if (client.refreshStatus().enrolment != null) {
                    SyncWorker.schedulePeriodic(this@PeerlogApplication)
                }
            } catch (e: PeerlogException) {
                // A core that cannot open its store now: the screens show the core's error.
            }
        }
    }
}
