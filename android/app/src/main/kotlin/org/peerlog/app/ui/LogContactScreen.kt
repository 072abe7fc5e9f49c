// Log a contact: kind as chips (the core's kinds and labels), the core's defaults (today,
// its kind and minutes), participants and "led by the peer" only where the core's form model
// shows them (group kinds), who (target group / relative / both) and where (the kinds the form
// model names) as chips with the core's names, "first contact" and "abroad" as switches, and
// the live "counts as …" line from the core's evaluateContact, which follows every one of
// them. The core builds the input from the typed form (contactFormInput: numbers parsed,
// texts trimmed, what the form does not show kept from its base). Saved offline; the
// SyncWorker sends it later.
// The same form edits a contact from the history (`editing`): prefilled from it, saved with
// the core's editContact; what the form does not show (topics, municipality, the participants
// of a one-to-one contact, …) is kept. "Repeat last" fills in everything the core returns.
// The private reference and the notes sit behind "Notes and private reference": the core
// seals the reference and the private note for the peer alone, the shared note for the
// coordinator too.
// The recovery-themes question (checkboxes with the core's names and one-line explanations)
// shows only when the core says the chapter asks it (themesQuestion().shown); the themes stay
// in the peer's private part. The private follow-up date is checked by the core before the
// contact is saved and set right after; the first time a peer sets one, Android 13+ asks for
// the notification permission (the reminder is why).
package org.peerlog.app.ui

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
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
import androidx.compose.material3.Checkbox
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
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.launch
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.NotificationPermission
import org.peerlog.core.followUpDate
import org.peerlog.core.toInput
import org.peerlog.core.withTheme
import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactEvaluation
import uniffi.peerlog_core.ContactFormEntry
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.FieldError
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.ThemesQuestion

/**
 * The input the form started from (a new contact's defaults, the contact being edited, or
 * "repeat last"): the core keeps from it every field the form does not show. A ViewModel, so
 * a rotation does not drop them.
 */
class ContactDraft : ViewModel() {
    var base by mutableStateOf<ContactInput?>(null)
}

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
    val draft: ContactDraft = viewModel(key = "contact-draft-${editId ?: "new"}")
    // The core's defaults for a new contact (today in the phone's zone, its kind and minutes).
    val start = remember(editId) { draft.base ?: editing?.toInput() ?: client.newContactInput() }
    if (draft.base == null) draft.base = start
    var kind by rememberSaveable(editId) { mutableStateOf(start.kind) }
    var date by rememberSaveable(editId) { mutableStateOf(start.date) }
    // Numbers as typed; the core parses them ("not a number" is its field error, not 0).
    var minutes by rememberSaveable(editId) { mutableStateOf(start.minutes.toString()) }
    var participants by rememberSaveable(editId) { mutableStateOf(start.participants.toString()) }
    var who by rememberSaveable(editId) { mutableStateOf(start.who) }
    var place by rememberSaveable(editId) { mutableStateOf<Place?>(start.place) }
    var isNew by rememberSaveable(editId) { mutableStateOf(start.isNew) }
    var abroad by rememberSaveable(editId) { mutableStateOf(start.abroad) }
    var ledByPeer by rememberSaveable(editId) { mutableStateOf(start.ledByPeer) }
    var privateRef by rememberSaveable(editId) { mutableStateOf(start.privateRef.orEmpty()) }
    var privateNote by rememberSaveable(editId) { mutableStateOf(start.privateNote.orEmpty()) }
    var sharedNote by rememberSaveable(editId) { mutableStateOf(start.sharedNote.orEmpty()) }
    var themes by remember(editId) { mutableStateOf(start.themes) }
    var question by remember { mutableStateOf<ThemesQuestion?>(null) }
    var followUp by rememberSaveable(editId) { mutableStateOf("") }
    val context = LocalContext.current
    val askNotifications = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { }
    LaunchedEffect(editId) {
        question = try {
            client.themesQuestion()
        } catch (e: PeerlogException) {
            null
        }
        // Editing: the contact's open follow-up date, if it has one.
        if (editId != null) {
            followUp = try {
                client.listFollowUps().firstOrNull { it.contactId == editId }?.due.orEmpty()
            } catch (e: PeerlogException) {
                ""
            }
        }
    }
    var showNotes by rememberSaveable(editId) {
        mutableStateOf(start.privateRef != null || start.privateNote != null || start.sharedNote != null)
    }
    var evaluation by remember { mutableStateOf<ContactEvaluation?>(null) }
    var fieldErrors by remember { mutableStateOf<List<FieldError>>(emptyList()) }

    // Which fields show for the kind: the core's form model (as on iOS).
    val form = remember(kind) { client.contactForm(kind) }

    /** Everything from [last] onto the form: the fields it shows, and the rest via the base. */
    fun fill(last: ContactInput) {
        draft.base = last
        kind = last.kind
        date = last.date
        minutes = last.minutes.toString()
        participants = last.participants.toString()
        who = last.who
        place = last.place
        isNew = last.isNew
        abroad = last.abroad
        ledByPeer = last.ledByPeer
        privateRef = last.privateRef.orEmpty()
        privateNote = last.privateNote.orEmpty()
        sharedNote = last.sharedNote.orEmpty()
        themes = last.themes
        followUp = ""
        if (last.privateRef != null) showNotes = true
    }

    // The form as typed; the core turns it into an input (trims, parses, keeps the rest).
    fun entry() = ContactFormEntry(
        base = draft.base ?: start,
        kind = kind,
        date = date,
        minutes = minutes,
        participants = participants,
        who = who,
        isNew = isNew,
        abroad = abroad,
        place = place,
        ledByPeer = if (form.showsLedByPeer) ledByPeer else null,
        privateRef = privateRef,
        privateNote = privateNote,
        sharedNote = sharedNote,
        // Not shown: the base's themes are kept (an edit does not drop them).
        themes = if (question?.shown == true) themes else null,
    )

    // The live line: re-evaluated by the core on every edit (it writes nothing). While a
    // number does not parse there is no line; the field error comes with saving.
    LaunchedEffect(kind, date, minutes, participants, who, place, isNew, abroad, ledByPeer) {
        evaluation = try {
            client.evaluateContact(client.contactFormInput(entry()))
        } catch (e: PeerlogException) {
            null
        }
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
                        try {
                            client.repeatLastContact()?.let(::fill)
                        } catch (e: PeerlogException) {
                            model.showError(e)
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
            if (form.showsParticipants) {
                FormField(participants, { participants = it }, R.string.log_participants, fieldErrors, setOf("participants"), KeyboardType.Number)
            }
            if (form.showsLedByPeer) {
                SwitchRow(stringResource(R.string.log_led_by_peer), ledByPeer) { ledByPeer = it }
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
            if (form.showsPlace) {
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

            question?.takeIf { it.shown }?.let { q ->
                Text(q.title, style = MaterialTheme.typography.labelLarge)
                Text(q.hint, style = MaterialTheme.typography.bodySmall)
                q.themes.forEach { theme ->
                    val checked = theme.id in themes
                    Row(
                        Modifier.fillMaxWidth().toggleable(
                            value = checked,
                            role = Role.Checkbox,
                            onValueChange = { themes = themes.withTheme(theme.id, it) },
                        ),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        Checkbox(checked = checked, onCheckedChange = null)
                        Column(Modifier.padding(start = 8.dp)) {
                            Text(theme.name, style = MaterialTheme.typography.bodyLarge)
                            Text(theme.explanation, style = MaterialTheme.typography.bodySmall)
                        }
                    }
                }
                fieldErrors.firstOrNull { it.field == "themes" }?.let {
                    Text(it.message, color = MaterialTheme.colorScheme.error)
                }
            }

            // The private follow-up date (only the peer sees it; the reminder names nothing).
            FormField(followUp, { followUp = it }, R.string.log_follow_up, fieldErrors, setOf("follow_up"), KeyboardType.Text)

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
                            val input = client.contactFormInput(entry())
                            val due = followUpDate(followUp)
                            // Checked first, so a bad date leaves nothing half-saved.
                            if (due != null) client.validateFollowUp(due, input.date)
                            val saved = if (editing == null) {
                                client.addContact(input)
                            } else {
                                client.editContact(editing.id, input)
                            }
                            if (due != null) {
                                client.setFollowUp(saved.id, due)
                                askForNotificationsOnce(context) {
                                    askNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
                                }
                            }
                            // The next contact starts from the core's defaults again; notes,
                            // themes and the follow-up belong to one contact.
                            if (editing == null) fill(client.newContactInput())
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

/** Asks for POST_NOTIFICATIONS once, the first time a follow-up date is set (Android 13+). */
private fun askForNotificationsOnce(context: Context, ask: () -> Unit) {
    val prefs = context.getSharedPreferences("peerlog-ui", Context.MODE_PRIVATE)
    val granted = Build.VERSION.SDK_INT < NotificationPermission.FIRST_SDK ||
        ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) ==
        PackageManager.PERMISSION_GRANTED
    val asked = prefs.getBoolean("notifications-asked", false)
    if (NotificationPermission.shouldAsk(Build.VERSION.SDK_INT, granted, asked, settingFollowUp = true)) {
        prefs.edit().putBoolean("notifications-asked", true).apply()
        ask()
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
