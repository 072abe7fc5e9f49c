// Log a contact: kind as chips (the core's kinds and labels), today by default, minutes,
// participants only for group kinds, who (target group / relative / both) and where as chips
// with the core's names, "first contact" and "abroad" as switches (defaults as the core's:
// the target group, no place, first contact, not abroad), and the live "counts as …" line
// from the core's evaluateContact, which follows every one of them. Saved offline; the
// SyncWorker sends it later.
// The same form edits a contact from the history (`editing`): prefilled from it, saved with
// the core's editContact; what the form does not show (topics, municipality, …) is kept.
// The private reference and the notes sit behind "Notes and private reference": the core
// seals the reference and the private note for the peer alone, the shared note for the
// coordinator too.
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Switch
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
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.time.LocalDate
import kotlinx.coroutines.launch
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.hasPlace
import org.peerlog.core.toInput
import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactEvaluation
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.FieldError
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.Who

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun LogContactScreen(
    model: AppViewModel,
    modifier: Modifier,
    onSaved: () -> Unit,
    editing: Contact? = null,
    onCancel: () -> Unit = {},
) {
    val client = model.client
    val scope = rememberCoroutineScope()
    val editId = editing?.id
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    val kinds = vocabulary.contactKinds
    var kind by rememberSaveable(editId) { mutableStateOf(editing?.kind ?: ContactKind.VISIT) }
    var date by rememberSaveable(editId) { mutableStateOf(editing?.date ?: LocalDate.now().toString()) }
    // Text as typed; the core judges it (an empty or bad number is the core's field error).
    var minutes by rememberSaveable(editId) { mutableStateOf(editing?.minutes?.toString() ?: "") }
    var participants by rememberSaveable(editId) { mutableStateOf(editing?.participants?.toString() ?: "1") }
    var who by rememberSaveable(editId) { mutableStateOf(editing?.who ?: Who.TARGET_GROUP) }
    var place by rememberSaveable(editId) { mutableStateOf<Place?>(editing?.place) }
    var isNew by rememberSaveable(editId) { mutableStateOf(editing?.isNew ?: true) }
    var abroad by rememberSaveable(editId) { mutableStateOf(editing?.abroad ?: false) }
    var privateRef by rememberSaveable(editId) { mutableStateOf(editing?.privateRef.orEmpty()) }
    var privateNote by rememberSaveable(editId) { mutableStateOf(editing?.privateNote.orEmpty()) }
    var sharedNote by rememberSaveable(editId) { mutableStateOf(editing?.sharedNote.orEmpty()) }
    var showNotes by rememberSaveable(editId) {
        mutableStateOf(editing != null && (editing.privateRef != null || editing.privateNote != null || editing.sharedNote != null))
    }
    // An edit starts from the whole contact, so fields this form does not show are kept.
    val base = remember(editing) { editing?.toInput() }
    var evaluation by remember { mutableStateOf<ContactEvaluation?>(null) }
    var fieldErrors by remember { mutableStateOf<List<FieldError>>(emptyList()) }

    val isGroup = kinds.firstOrNull { it.kind == kind }?.isGroup == true
    // The core records a place only for some kinds; one picked for another kind stays on the
    // form but is not sent.
    val hasPlace = vocabulary.hasPlace(kind)

    fun input() = (base ?: ContactInput(date = "", minutes = 0u, kind = kind, who = Who.TARGET_GROUP)).copy(
        date = date.trim(),
        minutes = minutes.trim().toUIntOrNull() ?: 0u,
        kind = kind,
        participants = if (isGroup) participants.trim().toUIntOrNull() ?: 0u else 1u,
        who = who,
        place = if (hasPlace) place else null,
        isNew = isNew,
        abroad = abroad,
        privateRef = privateRef.trim().ifEmpty { null },
        privateNote = privateNote.trim().ifEmpty { null },
        sharedNote = sharedNote.trim().ifEmpty { null },
    )

    // The live line: re-evaluated by the core on every edit (it writes nothing).
    LaunchedEffect(kind, date, minutes, participants, isGroup, who, place, hasPlace, isNew, abroad) {
        evaluation = runCatching { client.evaluateContact(input()) }.getOrNull()
    }

    Column(modifier.fillMaxSize()) {
        if (editing != null) SubScreenBar(stringResource(R.string.contact_edit_title), onBack = onCancel)
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (editing == null) {
                Text(stringResource(R.string.log_title), style = MaterialTheme.typography.headlineMedium)
                OutlinedButton(onClick = {
                    scope.launch {
                        client.repeatLastContact()?.let { last ->
                            kind = last.kind
                            date = last.date
                            minutes = last.minutes.toString()
                            participants = last.participants.toString()
                            who = last.who
                            place = last.place
                            isNew = last.isNew
                            abroad = last.abroad
                        }
                    }
                }) { Text(stringResource(R.string.log_repeat_last)) }
            }

            Text(stringResource(R.string.log_kind), style = MaterialTheme.typography.labelLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                kinds.forEach { info ->
                    FilterChip(
                        selected = info.kind == kind,
                        onClick = { kind = info.kind },
                        label = { Text(info.label) },
                    )
                }
            }
            FormField(date, { date = it }, R.string.log_date, fieldErrors, setOf("date"), KeyboardType.Text)
            FormField(minutes, { minutes = it }, R.string.log_minutes, fieldErrors, setOf("minutes"), KeyboardType.Number)
            if (isGroup) {
                FormField(participants, { participants = it }, R.string.log_participants, fieldErrors, setOf("participants"), KeyboardType.Number)
            }

            // Who the peer talked with, and where: the core's values and names.
            Text(stringResource(R.string.log_who), style = MaterialTheme.typography.labelLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                vocabulary.who.forEach { info ->
                    FilterChip(
                        selected = info.who == who,
                        onClick = { who = info.who },
                        label = { Text(info.label) },
                    )
                }
            }
            if (hasPlace) {
                Text(stringResource(R.string.log_place), style = MaterialTheme.typography.labelLarge)
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    FilterChip(
                        selected = place == null,
                        onClick = { place = null },
                        label = { Text(stringResource(R.string.log_place_none)) },
                    )
                    vocabulary.places.forEach { info ->
                        FilterChip(
                            selected = info.place == place,
                            onClick = { place = info.place },
                            label = { Text(info.label) },
                        )
                    }
                }
            }
            SwitchRow(stringResource(R.string.log_is_new), isNew) { isNew = it }
            SwitchRow(stringResource(R.string.log_abroad), abroad) { abroad = it }

            val notesFields = setOf("private_ref", "private_note", "shared_note")
            if (showNotes || fieldErrors.any { it.field in notesFields }) {
                Text(stringResource(R.string.log_notes_hint), style = MaterialTheme.typography.bodySmall)
                FormField(privateRef, { privateRef = it }, R.string.contact_private_ref, fieldErrors, setOf("private_ref"), KeyboardType.Text)
                FormField(privateNote, { privateNote = it }, R.string.contact_private_note, fieldErrors, setOf("private_note"), KeyboardType.Text, singleLine = false)
                FormField(sharedNote, { sharedNote = it }, R.string.contact_shared_note, fieldErrors, setOf("shared_note"), KeyboardType.Text, singleLine = false)
            } else {
                TextButton(onClick = { showNotes = true }) { Text(stringResource(R.string.log_notes_show)) }
            }

            evaluation?.let { e ->
                Text(
                    e.reason,
                    color = if (e.counts) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.bodyLarge,
                )
            }

            Button(
                onClick = {
                    scope.launch {
                        try {
                            if (editing == null) {
                                client.addContact(input())
                                minutes = ""
                                // Notes belong to one contact: never carried to the next.
                                privateRef = ""
                                privateNote = ""
                                sharedNote = ""
                            } else {
                                client.editContact(editing.id, input())
                            }
                            fieldErrors = emptyList()
                            onSaved()
                        } catch (e: PeerlogException.Invalid) {
                            fieldErrors = e.fields
                        } catch (e: PeerlogException) {
                            model.showError(e)
                        }
                    }
                },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.log_save)) }
        }
    }
}

/** A label and a switch on one line; the whole line toggles. */
@Composable
private fun SwitchRow(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().toggleable(value = checked, role = Role.Switch, onValueChange = onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(label, Modifier.weight(1f), style = MaterialTheme.typography.bodyLarge)
        // The row handles the click (one target for talkback and touch).
        Switch(checked = checked, onCheckedChange = null)
    }
}
