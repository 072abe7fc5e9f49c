// Home: the peer's certification (the core's sentence, a reminder before it expires), this
// year's activity days per category (the core's count), last sync, unsynced; the way to
// the expenses.
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.res.pluralStringResource
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import org.peerlog.app.AppViewModel
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import org.peerlog.core.label
import uniffi.peerlog_core.Category
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.PeriodSummary
import uniffi.peerlog_core.TrainingStatus

@Composable
fun HomeScreen(
    model: AppViewModel,
    modifier: Modifier,
    onLogContact: () -> Unit,
    onExpenses: () -> Unit,
    onTalk: () -> Unit,
    onFollowUps: () -> Unit,
) {
    val client = model.client
    val status by client.status.collectAsStateWithLifecycle()
    val syncing by model.syncing.collectAsStateWithLifecycle()
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    val year = remember { LocalDate.now().year }
    var summary by remember { mutableStateOf<PeriodSummary?>(null) }
    var training by remember { mutableStateOf<TrainingStatus?>(null) }
    // Recounted by the core whenever the status changes (a change or a sync happened). A
    // revocation wipes the core under this screen (status null, the client closed): its
    // error is caught here, and the app moves to onboarding.
    LaunchedEffect(status) {
        summary = try {
            client.yearSummary(year)
        } catch (e: PeerlogException) {
            null
        }
        // The core decides certified, the reminder and the sentence (in the peer's language).
        training = try {
            client.training()
        } catch (e: PeerlogException) {
            null
        }
    }

    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.home_title, year), style = MaterialTheme.typography.headlineMedium)
        training?.let { t ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(
                        t.message,
                        color = if (t.certified && !t.reminderDue) {
                            MaterialTheme.colorScheme.onSurface
                        } else {
                            MaterialTheme.colorScheme.error
                        },
                    )
                    t.records.forEach { r -> Text("${r.date} · ${r.course}", style = MaterialTheme.typography.bodySmall) }
                }
            }
        }
        summary?.let { s ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(stringResource(R.string.home_activity_days), style = MaterialTheme.typography.labelLarge)
                    Text(s.activityDays.toString(), style = MaterialTheme.typography.displaySmall)
                    CountRow(vocabulary.label(Category.OUTREACH), s.byCategory.outreach)
                    CountRow(vocabulary.label(Category.GROUP), s.byCategory.group)
                    CountRow(vocabulary.label(Category.COURSE), s.byCategory.course)
                    if (s.notCountedTotal > 0u) {
                        Text(stringResource(R.string.home_not_counted, s.notCountedTotal.toInt()))
                    }
                    // Warnings are the core's sentences, already translated.
                    s.warnings.forEach { Text(it.message, color = MaterialTheme.colorScheme.error) }
                }
            }
        }
        Button(onClick = onLogContact, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.home_log_contact))
        }
        OutlinedButton(onClick = onExpenses, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.home_expenses))
        }
        OutlinedButton(onClick = onFollowUps, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.home_follow_ups))
        }
        // "I need to talk": the core's own title for it, in the peer's language.
        OutlinedButton(onClick = onTalk, modifier = Modifier.fillMaxWidth()) {
            Text(model.client.debriefTexts(CoreLocale.current()).title)
        }
        SyncCard(status, syncing, onSync = model::syncNow)
    }
}

@Composable
private fun CountRow(label: String, value: UInt) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label)
        Text(value.toString())
    }
}

@Composable
private fun SyncCard(status: uniffi.peerlog_core.SyncStatus?, syncing: Boolean, onSync: () -> Unit) {
    val s = status ?: return
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            if (s.enrolment == null) {
                Text(stringResource(R.string.home_offline))
            } else {
                Text(s.enrolment!!.chapter, style = MaterialTheme.typography.titleSmall)
                Text(
                    s.lastSuccess?.let { stringResource(R.string.home_last_sync, localTime(it)) }
                        ?: stringResource(R.string.home_never_synced),
                )
            }
            if (s.pending > 0uL) {
                Text(pluralStringResource(R.plurals.home_unsynced, s.pending.toInt(), s.pending.toInt()))
            }
            // The last error is the core's text; shown quietly, never as a dialog.
            s.lastError?.let { Text(it.message, style = MaterialTheme.typography.bodySmall) }
            if (s.enrolment != null) {
                if (syncing) {
                    Text(stringResource(R.string.sync_running))
                    LinearProgressIndicator(Modifier.fillMaxWidth())
                } else {
                    OutlinedButton(onClick = onSync) { Text(stringResource(R.string.home_sync_now)) }
                }
            }
        }
    }
}

/** An RFC 3339 timestamp from the core, formatted in the phone's locale and time zone. */
@Composable
private fun localTime(rfc3339: String): String {
    val locale = LocalConfiguration.current.locales[0]
    return runCatching {
        OffsetDateTime.parse(rfc3339)
            .atZoneSameInstant(java.time.ZoneId.systemDefault())
            .format(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.SHORT).withLocale(locale))
    }.getOrDefault(rfc3339)
}
