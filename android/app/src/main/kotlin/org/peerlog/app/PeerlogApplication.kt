package org.peerlog.app

import android.app.Application
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.peerlog.android.PeerlogProvider
import org.peerlog.android.SyncWorker

class PeerlogApplication : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    override fun onCreate() {
        super.onCreate()
        AppLock.install(this)
        // Opening the client also makes every local change ask for an expedited sync.
        appScope.launch {
            val client = PeerlogProvider.get(this@PeerlogApplication)
            if (client.refreshStatus().enrolment != null) {
                SyncWorker.schedulePeriodic(this@PeerlogApplication)
            }
        }
    }
}
