// One contact from the history: the core's judgement, what was logged, the private and
// shared notes, and every version the core keeps (edits and the deletion). Edit opens the
// log form prefilled; delete asks first (the core keeps the history as a tombstone).
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import kotlinx.coroutines.launch
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.label
import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactVersion
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Vocabulary

@Composable
fun ContactDetailScreen(
    model: AppViewModel,
    contactId: String,
    modifier: Modifier,
    onBack: () -> Unit,
    onEdit: () -> Unit,
) {
    val client = model.client
    val status by client.status.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var contact by remember { mutableStateOf<Contact?>(null) }
    var versions by remember { mutableStateOf<List<ContactVersion>>(emptyList()) }
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    var confirmDelete by remember { mutableStateOf(false) }
    val locale = LocalConfiguration.current.locales[0]

    // Reloaded after every change or sync: an edit on another device shows up here.
    LaunchedEffect(contactId, status) {
        try {
            contact = client.getContact(contactId)
            versions = client.contactHistory(contactId)
        } catch (e: PeerlogException.NotFound) {
            // Deleted (here, or on another device and synced): back to the list, where it is gone.
            onBack()
        } catch (e: PeerlogException) {
            model.showError(e)
        }
    }

    val c = contact
    Column(modifier.fillMaxSize()) {
        SubScreenBar(
            c?.let { vocabulary.label(it.kind) } ?: stringResource(R.string.contact_title),
            onBack = onBack,
            actions = {
                if (c != null) {
                    IconButton(onClick = onEdit) {
                        Icon(Icons.Filled.Edit, contentDescription = stringResource(R.string.action_edit))
                    }
                    IconButton(onClick = { confirmDelete = true }) {
                        Icon(Icons.Filled.Delete, contentDescription = stringResource(R.string.action_delete))
                    }
                }
            },
        )
        if (c != null) {
            Column(
                Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
                verticalArrangement = Arrangement.spacedBy(8.dp),
            ) {
                // The core's judgement, in its words.
                Text(
                    c.evaluation.reason,
                    color = if (c.evaluation.counts) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.titleMedium,
                )
                val day = formatDay(c.date, locale)
                DetailRow(stringResource(R.string.contact_date), c.startTime?.let { "$day $it" } ?: day)
                DetailRow(stringResource(R.string.log_kind), vocabulary.label(c.kind))
                DetailRow(stringResource(R.string.contact_duration), stringResource(R.string.history_minutes, c.minutes.toInt()))
                // A group's count, or a one-to-one contact logged with more than one person.
                if (client.contactForm(c.kind).showsParticipants || c.participants > 1u) {
                    DetailRow(stringResource(R.string.log_participants), c.participants.toString())
                }
                DetailRow(stringResource(R.string.contact_who), vocabulary.label(c.who))
                c.place?.let { DetailRow(stringResource(R.string.contact_place), vocabulary.label(it)) }
                c.privateRef?.let { DetailRow(stringResource(R.string.contact_private_ref), it) }
                c.privateNote?.let { Note(stringResource(R.string.contact_private_note), it) }
                c.sharedNote?.let { Note(stringResource(R.string.contact_shared_note), it) }
                if (c.pendingSync) {
                    Text(stringResource(R.string.not_synced_yet), style = MaterialTheme.typography.bodySmall)
                }

                HorizontalDivider()
                Text(stringResource(R.string.contact_versions), style = MaterialTheme.typography.titleSmall)
                // Newest first; numbered and labelled by the core (created/edited/deleted, on
                // this device or which other one).
                versions.reversed().forEach { v -> VersionItem(v, vocabulary, locale) }
            }
        }
    }

    if (confirmDelete) {
        ConfirmDialog(
            stringResource(R.string.history_delete_confirm),
            stringResource(R.string.action_delete),
            onConfirm = {
                scope.launch {
                    try {
                        client.deleteContact(contactId)
                        onBack()
                    } catch (e: PeerlogException) {
                        model.showError(e)
                    }
                }
            },
            onDismiss = { confirmDelete = false },
        )
    }
}

@Composable
private fun VersionItem(v: ContactVersion, vocabulary: Vocabulary, locale: java.util.Locale) {
    val snapshot = v.contact
    ListItem(
        headlineContent = { Text(stringResource(R.string.contact_version, v.number.toInt())) },
        supportingContent = {
            Column {
                // The core's words ("Changed on device 3f2a-91bc"), then when, in the phone's zone.
                Text(v.label)
                Text(formatTimestamp(v.at, locale), style = MaterialTheme.typography.bodySmall)
                if (!v.deleted && snapshot != null) {
                    Text(
                        stringResource(
                            R.string.contact_version_line,
                            vocabulary.label(snapshot.kind),
                            formatDay(snapshot.date, locale),
                            snapshot.minutes.toInt(),
                        ),
                        style = MaterialTheme.typography.bodySmall,
                    )
                    Text(snapshot.evaluation.reason, style = MaterialTheme.typography.bodySmall)
                }
            }
        },
    )
}

@Composable
private fun DetailRow(label: String, value: String) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 16.dp))
    }
}

@Composable
private fun Note(label: String, text: String) {
    Column(Modifier.fillMaxWidth()) {
        Text(label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(text, style = MaterialTheme.typography.bodyLarge)
    }
}

/** `YYYY-MM-DD` from the core, in the phone's language. */
private fun formatDay(day: String, locale: java.util.Locale): String = runCatching {
    LocalDate.parse(day).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale))
}.getOrDefault(day)

/** An RFC 3339 timestamp from the core, in the phone's language and time zone. */
private fun formatTimestamp(rfc3339: String, locale: java.util.Locale): String = runCatching {
    OffsetDateTime.parse(rfc3339)
        .atZoneSameInstant(ZoneId.systemDefault())
        .format(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.SHORT).withLocale(locale))
}.getOrDefault(rfc3339)
