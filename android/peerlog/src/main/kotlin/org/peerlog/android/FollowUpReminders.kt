// Local notifications for due follow-ups: one alarm per due date (09:00 local time), set
// with AlarmManager and set again after a reboot (BOOT_COMPLETED) and after every change.
// The notification's text comes from the core and is the same for every follow-up: it names
// no person, reference or kind of contact (ADR 0021).
package org.peerlog.android

import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch

object FollowUpReminders {
    private const val CHANNEL = "follow-ups"
    private const val EXTRA_TITLE = "title"
    private const val EXTRA_BODY = "body"
    private val AT: LocalTime = LocalTime.of(9, 0)

    /** Sets one alarm per open follow-up date from the core's list (past dates: now). */
    suspend fun reschedule(context: Context) {
        val app = context.applicationContext
        val client = PeerlogProvider.get(app)
        val locale = client.profile().locale
        val text = client.followUpNotification(locale)
        val alarms = app.getSystemService(AlarmManager::class.java) ?: return
        val dates = client.listFollowUps().map { LocalDate.parse(it.due) }.toSortedSet()
        for (date in dates) {
            val at = date.atTime(AT).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli()
            val intent = Intent(app, FollowUpAlarmReceiver::class.java)
                .putExtra(EXTRA_TITLE, text.title)
                .putExtra(EXTRA_BODY, text.body)
            val pending = PendingIntent.getBroadcast(
                app,
                date.toEpochDay().toInt(),
                intent,
                PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
            )
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, maxOf(at, System.currentTimeMillis()), pending)
        }
    }

    internal fun show(context: Context, intent: Intent) {
        val manager = context.getSystemService(NotificationManager::class.java) ?: return
        manager.createNotificationChannel(
            NotificationChannel(CHANNEL, intent.getStringExtra(EXTRA_TITLE) ?: "Peerlog", NotificationManager.IMPORTANCE_DEFAULT),
        )
        val open = context.packageManager.getLaunchIntentForPackage(context.packageName)
        val content = open?.let {
            PendingIntent.getActivity(context, 0, it, PendingIntent.FLAG_IMMUTABLE)
        }
        val notification = android.app.Notification.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(intent.getStringExtra(EXTRA_TITLE) ?: "Peerlog")
            .setContentText(intent.getStringExtra(EXTRA_BODY) ?: "")
            .setVisibility(android.app.Notification.VISIBILITY_PRIVATE)
            .setContentIntent(content)
            .setAutoCancel(true)
            .build()
        manager.notify(CHANNEL.hashCode(), notification)
    }
}

/** Shows the follow-up notification when its alarm fires. */
class FollowUpAlarmReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        FollowUpReminders.show(context, intent)
    }
}

/** Alarms do not survive a reboot: set them again from the core's list. */
class FollowUpBootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_BOOT_COMPLETED) return
        val pending = goAsync()
        CoroutineScope(Dispatchers.IO).launch {
            try {
                FollowUpReminders.reschedule(context)
            } finally {
                pending.finish()
            }
        }
    }
}
