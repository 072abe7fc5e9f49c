// Background sync with WorkManager: a periodic job (network required), an expedited one-off
// after each local change, and a one-off retry. The worker only calls the core's `sync`; when
// to sync is the core's business too: the periodic interval and the wait after failures
// (`SyncStatus.retryAfter`) come from `PeerlogClient.syncSchedule()`, the same numbers the
// iOS app uses.
//
// Policies. The one-off after a change uses KEEP: a sync already queued or running is never
// cancelled (REPLACE did that on every save, so a sync could be killed mid-pull again and
// again), and a queued one sends whatever is pending when it runs; a change written while a
// sync runs (after its push) is caught by the worker itself, which syncs once more while the
// core still reports pending records. APPEND_OR_REPLACE would instead chain one sync per save
// while offline (thirty contacts logged on a train → thirty logins on arrival). The retry uses
// APPEND_OR_REPLACE so a retry that schedules the next one does not cancel itself.
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
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.syncSchedule

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result = try {
        work(PeerlogProvider.get(applicationContext))
    } catch (e: PeerlogException) {
        // The core closed under us (an erase or a restore in the app) or its store failed:
        // nothing to retry blindly; the app schedules again when it is set up.
        Result.failure()
    }

    private suspend fun work(client: PeerlogClient): Result {
        // Nothing to sync on a device that is not enrolled: done, not failed.
        if (client.refreshStatus().enrolment == null) return Result.success()
        // The core's backoff asks to wait: come back then, without syncing now.
        val wait = client.syncSchedule().retryDelaySeconds.toLong()
        if (wait > 0) {
            scheduleRetry(applicationContext, wait)
            return Result.success()
        }
        repeat(MAX_ROUNDS) {
            when (val outcome = client.sync()) {
                is SyncOutcome.Synced -> {
                    // A change saved while this sync ran (after its push) is still pending.
                    if (client.pendingCount() == 0uL) return Result.success()
                }
                is SyncOutcome.Failed -> {
                    if (!outcome.transient) return Result.failure()
                    // Retry when the core says (its backoff), not on WorkManager's own clock.
                    scheduleRetry(applicationContext, client.syncSchedule().retryDelaySeconds.toLong())
                    return Result.success()
                }
                is SyncOutcome.Wiped -> {
                    // The core erased keys and data; drop the wrapping key and stop scheduling.
                    KeystoreSecretStore.deleteKey()
                    PeerlogProvider.reset()
                    cancelAll(applicationContext)
                    return Result.success()
                }
            }
        }
        return Result.success()
    }

    companion object {
        private const val PERIODIC = "peerlog-sync-periodic"
        private const val NOW = "peerlog-sync-now"
        private const val RETRY = "peerlog-sync-retry"
        /** Syncs in one run at most: the first, and one for changes saved meanwhile. */
        private const val MAX_ROUNDS = 2

        private val network = Constraints.Builder()
            .setRequiredNetworkType(NetworkType.CONNECTED)
            .build()

        /**
         * Every few hours while enrolled — the core's interval (`syncSchedule().periodicMinutes`);
         * idempotent: keeps an existing schedule.
         */
        fun schedulePeriodic(context: Context) {
            val minutes = syncSchedule(null).periodicMinutes.toLong()
            val request = PeriodicWorkRequestBuilder<SyncWorker>(Duration.ofMinutes(minutes))
                .setConstraints(network)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, Duration.ofMinutes(1))
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /**
         * Soon after a change; runs when the network is there (queued while offline). KEEP: a
         * sync already queued or running is left alone (see the top of this file).
         */
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
                .enqueueUniqueWork(NOW, ExistingWorkPolicy.KEEP, request)
        }

        /** A sync after the core's wait ([seconds], from `retryAfter`). */
        fun scheduleRetry(context: Context, seconds: Long) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(network)
                .setInitialDelay(Duration.ofSeconds(seconds.coerceAtLeast(0)))
                .build()
            WorkManager.getInstance(context)
                .enqueueUniqueWork(RETRY, ExistingWorkPolicy.APPEND_OR_REPLACE, request)
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
                cancelUniqueWork(RETRY)
            }
        }
    }
}
