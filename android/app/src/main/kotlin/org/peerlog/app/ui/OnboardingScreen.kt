// Onboarding: join with the coordinator's invitation (scanned in the app, pasted, or opened as
// a `peerlog1:` link — the phone's camera app opens it in this app, which fills the field in),
// start offline, or move from another phone with the recovery code (from the server, or from a
// backup file the peer picks). "Advanced": the
// certificate of a self-hosted server. The core checks every input and says what is wrong.
package org.peerlog.app.ui

import android.content.Context
import android.net.Uri
import android.provider.OpenableColumns
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.app.Screen

@Composable
fun OnboardingScreen(state: Screen.Onboarding, model: AppViewModel) {
    val offered by model.invitation.collectAsStateWithLifecycle()
    var invitation by rememberSaveable { mutableStateOf("") }
    // A link opened from the camera app or a message fills the field in.
    LaunchedEffect(offered) { offered?.let { invitation = it } }
    var name by rememberSaveable { mutableStateOf("") }
    var ruleSet by rememberSaveable { mutableStateOf(state.ruleSets.firstOrNull()?.id ?: "") }
    var recoverServer by rememberSaveable { mutableStateOf("") }
    var recoverCode by rememberSaveable { mutableStateOf("") }
    var showAdvanced by rememberSaveable { mutableStateOf(false) }
    val restoring by model.restoring.collectAsStateWithLifecycle()
    val context = LocalContext.current
    // The picked backup file (read only when restoring) and its name, to show.
    var backup by rememberSaveable { mutableStateOf<Uri?>(null) }
    var backupName by rememberSaveable { mutableStateOf<String?>(null) }
    val pickBackup = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) {
            backup = uri
            backupName = displayName(context, uri)
        }
    }

    Box(Modifier.fillMaxSize()) {
        Column(
            Modifier.fillMaxSize().safeDrawingPadding().verticalScroll(rememberScrollState()).padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(stringResource(R.string.onboarding_title), style = MaterialTheme.typography.headlineMedium)
            if (state.wipedNotice) {
                Card { Text(stringResource(R.string.device_wiped), Modifier.padding(16.dp)) }
            }
            Text(stringResource(R.string.onboarding_body))
            OutlinedTextField(
                value = name, onValueChange = { name = it },
                label = { Text(stringResource(R.string.onboarding_name_label)) },
                singleLine = true, modifier = Modifier.fillMaxWidth(),
            )
            OutlinedTextField(
                value = invitation, onValueChange = { invitation = it },
                label = { Text(stringResource(R.string.onboarding_invitation_label)) },
                modifier = Modifier.fillMaxWidth(),
            )
            // The scanned text goes into the field as it is; the core checks it on joining.
            ScanQrButton(onScanned = { invitation = it }, modifier = Modifier.fillMaxWidth())
            // The core validates the invitation and the name; its message is shown on error.
            Button(onClick = { model.enrol(invitation, name) }, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.onboarding_enrol))
            }
            HorizontalDivider()
            // The organisation's rule sets, as the core lists them (only a choice if several).
            if (state.ruleSets.size > 1) {
                state.ruleSets.forEach { rs ->
                    Row(
                        Modifier.fillMaxWidth().selectable(selected = rs.id == ruleSet, onClick = { ruleSet = rs.id }),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        RadioButton(selected = rs.id == ruleSet, onClick = { ruleSet = rs.id })
                        Column {
                            Text(rs.name)
                            Text(rs.description, style = MaterialTheme.typography.bodySmall)
                        }
                    }
                }
            }
            OutlinedButton(onClick = { model.startOffline(name, ruleSet) }, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.onboarding_offline))
            }
            HorizontalDivider()
            // A new phone of a peer who already uses Peerlog: the core fetches the keys with the
            // recovery code, registers this phone and pulls everything.
            Text(stringResource(R.string.onboarding_recover_header), style = MaterialTheme.typography.titleMedium)
            Text(stringResource(R.string.onboarding_recover_body), style = MaterialTheme.typography.bodyMedium)
            OutlinedTextField(
                value = recoverServer, onValueChange = { recoverServer = it },
                label = { Text(stringResource(R.string.onboarding_recover_server)) },
                singleLine = true, modifier = Modifier.fillMaxWidth(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
            )
            OutlinedTextField(
                value = recoverCode, onValueChange = { recoverCode = it },
                label = { Text(stringResource(R.string.onboarding_recover_code)) },
                singleLine = true, modifier = Modifier.fillMaxWidth(),
                textStyle = MaterialTheme.typography.bodyLarge.copy(fontFamily = FontFamily.Monospace),
                keyboardOptions = KeyboardOptions(
                    capitalization = KeyboardCapitalization.Characters,
                    // A secret: the keyboard must not learn or suggest it (shown in clear).
                    keyboardType = KeyboardType.Password,
                ),
            )
            OutlinedButton(
                onClick = { model.recover(recoverServer, recoverCode) },
                enabled = !restoring && recoverServer.isNotBlank() && recoverCode.isNotBlank(),
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.onboarding_recover)) }
            // Or from a backup file (exported in Settings on the old phone), with the same code.
            Text(stringResource(R.string.onboarding_restore_body), style = MaterialTheme.typography.bodyMedium)
            OutlinedButton(
                onClick = {
                    AppLock.expectReturn() // the document picker is another app's activity
                    pickBackup.launch(arrayOf("*/*"))
                },
                enabled = !restoring,
                modifier = Modifier.fillMaxWidth(),
            ) {
                Text(
                    backupName?.let { stringResource(R.string.onboarding_restore_chosen, it) }
                        ?: stringResource(R.string.onboarding_restore_choose),
                )
            }
            OutlinedButton(
                onClick = { backup?.let { model.restoreBackup(it, recoverCode) } },
                enabled = !restoring && backup != null && recoverCode.isNotBlank(),
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.onboarding_restore)) }
            HorizontalDivider()
            TextButton(onClick = { showAdvanced = !showAdvanced }) {
                Text(stringResource(if (showAdvanced) R.string.onboarding_advanced_hide else R.string.onboarding_advanced))
            }
            if (showAdvanced) ServerCertificateSection(model)
        }
        // Restoring pulls everything from the server: seconds, more on a slow link.
        if (restoring) {
            Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.surface.copy(alpha = 0.9f)) {
                Column(
                    Modifier.fillMaxSize().padding(32.dp),
                    verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
                    horizontalAlignment = Alignment.CenterHorizontally,
                ) {
                    CircularProgressIndicator()
                    Text(stringResource(R.string.onboarding_recovering), textAlign = TextAlign.Center)
                }
            }
        }
    }
}

/** The file's name as the document provider shows it, or null. */
private fun displayName(context: Context, uri: Uri): String? = try {
    context.contentResolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { c ->
        if (c.moveToFirst()) c.getString(0) else null
    }
} catch (e: SecurityException) {
    null
}

/** Shown once after set-up (and in Settings after re-authentication). */
@Composable
fun RecoveryCodeScreen(code: String, advice: String?, onDone: () -> Unit) {
    Column(
        Modifier.fillMaxSize().safeDrawingPadding().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.recovery_title), style = MaterialTheme.typography.headlineMedium)
        Text(stringResource(R.string.recovery_body))
        SelectionContainer {
            Text(code, style = MaterialTheme.typography.headlineSmall, fontFamily = FontFamily.Monospace)
        }
        // No screen lock: the core's words on why the code is at risk.
        advice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.recovery_done))
        }
    }
}
