// History: the peer's contacts by month, newest first (the core's grouping, order and month
// names), with the core's judgement of each;
// delete with confirmation (the core keeps the history as a tombstone version). A tap opens
// the contact's detail (ContactDetailScreen), and from there the log form in edit mode;
// back (the arrow or the system back) returns one step.
package org.peerlog.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.label
import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactMonth
import uniffi.peerlog_core.PeerlogException

@Composable
fun HistoryScreen(model: AppViewModel, modifier: Modifier) {
    // The open contact and whether it is being edited; kept across rotation.
    var openId by rememberSaveable { mutableStateOf<String?>(null) }
    var editing by rememberSaveable { mutableStateOf(false) }
    val id = openId
    if (id == null) {
        HistoryList(model, modifier, onOpen = { openId = it })
    } else if (editing) {
        BackHandler { editing = false }
        EditContact(model, id, modifier, onDone = { editing = false })
    } else {
        BackHandler { openId = null }
        ContactDetailScreen(model, id, modifier, onBack = { openId = null }, onEdit = { editing = true })
    }
}

/** The log form in edit mode, once the core has handed over the contact. */
@Composable
private fun EditContact(model: AppViewModel, id: String, modifier: Modifier, onDone: () -> Unit) {
    var contact by remember { mutableStateOf<Contact?>(null) }
    LaunchedEffect(id) {
        try {
            contact = model.client.getContact(id)
        } catch (e: PeerlogException) {
            model.showError(e)
            onDone()
        }
    }
    contact?.let { LogContactScreen(model, modifier, onSaved = onDone, editing = it, onCancel = onDone) }
}

@Composable
private fun HistoryList(model: AppViewModel, modifier: Modifier, onOpen: (String) -> Unit) {
    val client = model.client
    val status by client.status.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var months by remember { mutableStateOf<List<ContactMonth>>(emptyList()) }
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    var deleting by remember { mutableStateOf<Contact?>(null) }

    // Reloaded after every change or sync (the status flow ticks then): grouped, sorted and
    // the months named by the core, as on iOS. A core closed under this screen (revoked,
    // erased) is caught: the app moves to onboarding.
    LaunchedEffect(status) {
        months = try {
            client.contactsByMonth()
        } catch (e: PeerlogException) {
            emptyList()
        }
    }

    if (months.isEmpty()) {
        Text(stringResource(R.string.history_empty), modifier.padding(16.dp))
    } else {
        LazyColumn(modifier.fillMaxSize()) {
            months.forEach { month ->
                item(key = "${month.year}-${month.month}") {
                    Text(
                        month.label,
                        style = MaterialTheme.typography.titleSmall,
                        modifier = Modifier.padding(16.dp, 16.dp, 16.dp, 4.dp),
                    )
                }
                items(month.contacts, key = { it.id }) { c ->
                    ListItem(
                        modifier = Modifier.clickable { onOpen(c.id) },
                        headlineContent = { Text("${vocabulary.label(c.kind)} · ${c.date}") },
                        supportingContent = {
                            Column {
                                Text(stringResource(R.string.history_minutes, c.minutes.toInt()))
                                Text(c.evaluation.reason, style = MaterialTheme.typography.bodySmall)
                            }
                        },
                        trailingContent = {
                            TextButton(onClick = { deleting = c }) { Text(stringResource(R.string.history_delete)) }
                        },
                    )
                }
            }
        }
    }

    deleting?.let { c ->
        ConfirmDialog(
            stringResource(R.string.history_delete_confirm),
            stringResource(R.string.history_delete),
            onConfirm = {
                scope.launch {
                    try {
                        client.deleteContact(c.id)
                    } catch (e: PeerlogException) {
                        model.showError(e)
                    }
                }
            },
            onDismiss = { deleting = null },
        )
    }
}
