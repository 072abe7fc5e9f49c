// Background sync with WorkManager: a periodic job (network required) and an expedited
// one-off after each local change. The worker only calls the core's `sync`; when to retry
// is the core's business (`SyncStatus.retryAfter`), WorkManager's backoff covers the rest.
package org.peerlog.android

import android.content.Context
import android.os.Build
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import org.peerlog.core.PeerlogClient
import org.peerlog.core.SyncOutcome

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val client = PeerlogProvider.get(applicationContext)
        // Nothing to sync on a device that is not enrolled: done, not failed.
        if (client.refreshStatus().enrolment == null) return Result.success()
        return when (val outcome = client.sync()) {
            is SyncOutcome.Synced -> Result.success()
            is SyncOutcome.Failed -> if (outcome.transient) Result.retry() else Result.failure()
            is SyncOutcome.Wiped -> {
                // The core erased keys and data; drop the wrapping key and stop scheduling.
                KeystoreSecretStore.deleteKey()
                PeerlogProvider.reset()
                cancelAll(applicationContext)
                Result.success()
            }
        }
    }

    companion object {
        private const val PERIODIC = "peerlog-sync-periodic"
        private const val NOW = "peerlog-sync-now"

        private val network = Constraints.Builder()
            .setRequiredNetworkType(NetworkType.CONNECTED)
            .build()

        /** Every few hours while enrolled (idempotent: keeps an existing schedule). */
        fun schedulePeriodic(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(Duration.ofHours(4))
                .setConstraints(network)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, Duration.ofMinutes(1))
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /** Soon after a change; runs when the network is there (queued while offline). */
        fun syncSoon(context: Context) {
            val builder = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(network)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, Duration.ofSeconds(30))
            // Before Android 12 expedited work runs as a foreground service and needs a
            // notification (getForegroundInfo); a short sync is not worth one there.
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
                builder.setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
            }
            val request = builder.build()
            WorkManager.getInstance(context)
                .enqueueUniqueWork(NOW, ExistingWorkPolicy.REPLACE, request)
        }

        /** Schedules an expedited sync after every local change of [client]. */
        fun followChanges(context: Context, client: PeerlogClient, scope: CoroutineScope): Job {
            val appContext = context.applicationContext
            return client.changes.onEach { syncSoon(appContext) }.launchIn(scope)
        }

        fun cancelAll(context: Context) {
            WorkManager.getInstance(context).run {
                cancelUniqueWork(PERIODIC)
                cancelUniqueWork(NOW)
            }
        }
    }
}
