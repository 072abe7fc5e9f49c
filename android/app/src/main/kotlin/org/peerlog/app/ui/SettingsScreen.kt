// Settings: language (app + core), the app lock, a self-hosted server's certificate, the
// recovery code after re-authentication (biometrics or the device PIN: AppLock.authenticate;
// the secret store's key for it needs that too, so without it the core answers
// `user_presence_required`), erase this device (after re-authentication too).
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
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
import org.peerlog.app.AppLockSetting
import org.peerlog.app.AppViewModel
import org.peerlog.app.AuthResult
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import org.peerlog.app.authMessage
import org.peerlog.app.findActivity
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException

@Composable
fun SettingsScreen(model: AppViewModel, modifier: Modifier) {
    val activity = LocalContext.current.findActivity()
    val scope = rememberCoroutineScope()
    var recoveryCode by remember { mutableStateOf<String?>(null) }
    var recoveryAdvice by remember { mutableStateOf<String?>(null) }
    var confirmWipe by remember { mutableStateOf(false) }
    val current = remember { CoreLocale.current() }
    val promptTitle = stringResource(R.string.settings_show_recovery)
    val wipeTitle = stringResource(R.string.settings_wipe)
    // Why the last re-authentication did not go through (no screen lock, too many tries).
    var authProblem by remember { mutableStateOf<String?>(null) }

    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(stringResource(R.string.settings_title), style = MaterialTheme.typography.headlineMedium)
        Text(stringResource(R.string.settings_language), style = MaterialTheme.typography.titleSmall)
        listOf(
            Locale.NB to R.string.language_nb,
            Locale.DA to R.string.language_da,
            Locale.EN to R.string.language_en,
        ).forEach { (locale, label) ->
            Row(
                Modifier.fillMaxWidth().selectable(selected = locale == current, onClick = { model.changeLanguage(locale) }),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                RadioButton(selected = locale == current, onClick = { model.changeLanguage(locale) })
                Text(stringResource(label))
            }
        }
        HorizontalDivider()
        AppLockSetting()
        HorizontalDivider()
        ServerCertificateSection(model)
        HorizontalDivider()
        OutlinedButton(onClick = {
            scope.launch {
                val result = AppLock.authenticate(activity, promptTitle)
                authProblem = authMessage(activity, result)
                if (result == AuthResult.Success) {
                    try {
                        recoveryCode = model.client.recoveryCode()
                        recoveryAdvice = model.client.recoveryCodeAdvice()
                    } catch (e: PeerlogException) {
                        model.showError(e)
                    }
                }
            }
        }) { Text(stringResource(R.string.settings_show_recovery)) }
        authProblem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        recoveryCode?.let { code ->
            SelectionContainer {
                Text(code, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.titleLarge)
            }
        }
        recoveryAdvice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        HorizontalDivider()
        DevicesSection(model)
        HorizontalDivider()
        BackupSection(model)
        HorizontalDivider()
        OutlinedButton(onClick = { confirmWipe = true }) { Text(stringResource(R.string.settings_wipe)) }
    }

    if (confirmWipe) {
        ConfirmDialog(
            stringResource(R.string.settings_wipe_confirm),
            stringResource(R.string.settings_wipe),
            onConfirm = {
                scope.launch {
                    val result = AppLock.authenticate(activity, wipeTitle)
                    authProblem = authMessage(activity, result)
                    if (result == AuthResult.Success) model.wipe()
                }
            },
            onDismiss = { confirmWipe = false },
        )
    }
}
