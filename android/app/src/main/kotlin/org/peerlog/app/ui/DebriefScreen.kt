// "I need to talk": ask the coordinator for a talk without saying who it is about. The
// choices (today / this week), the reminder not to name anyone, the message's limit and every
// check are the core's (debriefTexts, requestDebrief); this screen only lays them out. The
// same screen also opens the CSV import through the system file picker (ACTION_OPEN_DOCUMENT),
// handing the file's bytes to the core.
package org.peerlog.app.ui

import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppViewModel
import org.peerlog.core.userMessage
import uniffi.peerlog_core.Debrief
import uniffi.peerlog_core.DebriefWhen
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException

@Composable
fun DebriefScreen(model: AppViewModel, locale: Locale, modifier: Modifier) {
    val texts = remember(locale) { model.client.debriefTexts(locale) }
    val scope = rememberCoroutineScope()
    val context = LocalContext.current
    var choice by remember { mutableStateOf(DebriefWhen.WEEK) }
    var message by remember { mutableStateOf("") }
    var status by remember { mutableStateOf<String?>(null) }
    var sent by remember { mutableStateOf<List<Debrief>>(emptyList()) }
    LaunchedEffect(Unit) { sent = model.client.listDebriefs() }

    val picker = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri: Uri? ->
        if (uri == null) return@rememberLauncherForActivityResult
        scope.launch {
            status = try {
                val bytes = withContext(Dispatchers.IO) {
                    context.contentResolver.openInputStream(uri)?.use { it.readBytes() } ?: ByteArray(0)
                }
                val result = model.client.importContacts(bytes, dryRun = false)
                if (result.errors.isEmpty()) {
                    "${result.imported} / ${result.rows}"
                } else {
                    result.errors.joinToString("\n") { "${it.line}: ${it.field}: ${it.message}" }
                }
            } catch (e: PeerlogException) {
                e.userMessage
            }
        }
    }

    Column(modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(texts.title)
        Text(texts.intro)
        Text(texts.whenLabel)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            FilterChip(selected = choice == DebriefWhen.TODAY, onClick = { choice = DebriefWhen.TODAY }, label = { Text(texts.whenToday) })
            FilterChip(selected = choice == DebriefWhen.WEEK, onClick = { choice = DebriefWhen.WEEK }, label = { Text(texts.whenWeek) })
        }
        OutlinedTextField(
            value = message,
            onValueChange = { message = it.take(texts.maxMessageChars.toInt()) },
            label = { Text(texts.messageLabel) },
            supportingText = { Text("${texts.reminder} (${message.length}/${texts.maxMessageChars})") },
            modifier = Modifier.fillMaxWidth(),
        )
        Button(onClick = {
            scope.launch {
                status = try {
                    model.client.requestDebrief(choice, message.ifBlank { null })
                    message = ""
                    sent = model.client.listDebriefs()
                    texts.sent
                } catch (e: PeerlogException) {
                    e.userMessage
                }
            }
        }) { Text(texts.send) }
        status?.let { Text(it) }
        for (d in sent) {
            Text("${d.createdAt.take(10)}  ${if (d.followedUpAt == null) texts.open else texts.followedUp}")
        }
        Button(onClick = { picker.launch(arrayOf("text/csv", "text/comma-separated-values", "text/plain")) }) {
            Text("CSV")
        }
    }
}
