// Settings → "My phones": the peer's devices as this phone knows them (the core's `myDevices`,
// this one first), revoking a lost one (signed with the account key; it erases itself at its
// next contact with the server), and replacing the recovery code afterwards, in case the
// thief saw it (ADR 0012). Both ask for the screen lock first (AppLock.authenticate); the
// new code is shown with the core's note on older backups and, on a phone without a screen
// lock, the core's advice.
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.selection.SelectionContainer
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
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.AuthResult
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import org.peerlog.app.authMessage
import org.peerlog.app.findActivity
import uniffi.peerlog_core.MyDevice
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.recoveryCodeReplacedNote

@Composable
fun DevicesSection(model: AppViewModel, modifier: Modifier = Modifier) {
    val activity = LocalContext.current.findActivity()
    val scope = rememberCoroutineScope()
    var devices by remember { mutableStateOf<List<MyDevice>>(emptyList()) }
    var toRevoke by remember { mutableStateOf<MyDevice?>(null) }
    var confirmRotate by remember { mutableStateOf(false) }
    var newCode by remember { mutableStateOf<String?>(null) }
    var advice by remember { mutableStateOf<String?>(null) }
    var authProblem by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val revokeTitle = stringResource(R.string.devices_revoke)
    val rotateTitle = stringResource(R.string.devices_rotate)

    suspend fun reload() {
        try {
            devices = model.client.myDevices()
        } catch (e: PeerlogException) {
            model.showError(e)
        }
    }
    LaunchedEffect(Unit) { reload() }

    /** Asks for the screen lock, then runs [action] (a network call) and reloads the list. */
    fun guarded(title: String, action: suspend () -> Unit) {
        scope.launch {
            val auth = AppLock.authenticate(activity, title)
            authProblem = authMessage(activity, auth)
            if (auth != AuthResult.Success) return@launch
            busy = true
            try {
                action()
            } catch (e: PeerlogException) {
                model.showError(e)
            } finally {
                busy = false
                reload()
            }
        }
    }

    Column(modifier, verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.devices_title), style = MaterialTheme.typography.titleSmall)
        Text(stringResource(R.string.devices_body), style = MaterialTheme.typography.bodyMedium)
        devices.forEach { device ->
            Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    Text(device.shortId, fontFamily = FontFamily.Monospace)
                    Text(
                        when {
                            device.thisDevice -> stringResource(R.string.devices_this_phone)
                            device.revoked -> stringResource(R.string.devices_revoked)
                            else -> stringResource(R.string.devices_added, device.addedAt.take(10))
                        },
                        style = MaterialTheme.typography.bodySmall,
                    )
                }
                if (!device.thisDevice && !device.revoked) {
                    OutlinedButton(onClick = { toRevoke = device }, enabled = !busy) {
                        Text(stringResource(R.string.devices_revoke))
                    }
                }
            }
        }
        OutlinedButton(onClick = { confirmRotate = true }, enabled = !busy) {
            Text(stringResource(R.string.devices_rotate))
        }
        authProblem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        newCode?.let { code ->
            SelectionContainer {
                Text(code, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.titleLarge)
            }
            Text(recoveryCodeReplacedNote(CoreLocale.current()), style = MaterialTheme.typography.bodyMedium)
            advice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        }
    }

    toRevoke?.let { device ->
        ConfirmDialog(
            stringResource(R.string.devices_revoke_confirm, device.shortId),
            stringResource(R.string.devices_revoke),
            onConfirm = {
                toRevoke = null
                guarded(revokeTitle) { model.client.revokeMyDevice(device.deviceId) }
            },
            onDismiss = { toRevoke = null },
        )
    }
    if (confirmRotate) {
        ConfirmDialog(
            stringResource(R.string.devices_rotate_confirm),
            stringResource(R.string.devices_rotate),
            onConfirm = {
                confirmRotate = false
                guarded(rotateTitle) {
                    newCode = model.client.rotateRecoveryCode()
                    advice = model.client.recoveryCodeAdvice()
                }
            },
            onDismiss = { confirmRotate = false },
        )
    }
}
