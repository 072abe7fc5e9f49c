// Follow-ups: the peer's open follow-up dates as the core lists them — due (today or before)
// first, then upcoming — each with the contact's date and kind to recognise it, and "done".
// The core decides what is due; the reminders (FollowUpReminders) follow every change.
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.FollowUpSections
import org.peerlog.core.label
import org.peerlog.core.sections
import uniffi.peerlog_core.FollowUp
import uniffi.peerlog_core.PeerlogException

@Composable
fun FollowUpsScreen(model: AppViewModel, modifier: Modifier, onBack: () -> Unit) {
    val client = model.client
    val scope = rememberCoroutineScope()
    val status by client.status.collectAsStateWithLifecycle()
    var sections by remember { mutableStateOf(FollowUpSections(emptyList(), emptyList())) }
    suspend fun reload() {
        sections = try {
            client.listFollowUps().sections()
        } catch (e: PeerlogException) {
            FollowUpSections(emptyList(), emptyList())
        }
    }
    // A sync may bring follow-ups set on another of the peer's devices.
    LaunchedEffect(status) { reload() }

    Column(modifier.fillMaxSize()) {
        SubScreenBar(stringResource(R.string.follow_ups_title), onBack = onBack)
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (sections.due.isEmpty() && sections.upcoming.isEmpty()) {
                Text(stringResource(R.string.follow_ups_none))
            }
            for ((title, list) in listOf(
                R.string.follow_ups_due to sections.due,
                R.string.follow_ups_upcoming to sections.upcoming,
            )) {
                if (list.isEmpty()) continue
                Text(stringResource(title), style = MaterialTheme.typography.titleMedium)
                list.forEach { f ->
                    FollowUpCard(model, f) {
                        scope.launch {
                            try {
                                client.followUpDone(f.contactId)
                                reload()
                            } catch (e: PeerlogException) {
                                model.showError(e)
                            }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun FollowUpCard(model: AppViewModel, f: FollowUp, onDone: () -> Unit) {
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    Card(Modifier.fillMaxWidth()) {
        Row(Modifier.padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f)) {
                Text(f.due, style = MaterialTheme.typography.titleSmall)
                Text(
                    stringResource(R.string.follow_up_contact, f.contactDate, vocabulary.label(f.contactKind)),
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            OutlinedButton(onClick = onDone) { Text(stringResource(R.string.follow_up_done)) }
        }
    }
}
