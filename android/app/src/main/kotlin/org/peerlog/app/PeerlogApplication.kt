package org.peerlog.app

import android.app.Application
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.peerlog.android.PeerlogProvider
import org.peerlog.android.SyncWorker

class PeerlogApplication : Application() {
    /** Lives as long as the process: change-following and other app-wide work. */
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    override fun onCreate() {
        super.onCreate()
        appScope.launch {
            val client = PeerlogProvider.get(this@PeerlogApplication)
            // Every local change asks for an expedited sync (it waits for the network).
            SyncWorker.followChanges(this@PeerlogApplication, client, appScope)
            if (client.refreshStatus().enrolment != null) {
                SyncWorker.schedulePeriodic(this@PeerlogApplication)
            }
        }
    }
}
