// Settings → backup: the core writes its encrypted backup (`peerlog-backup/2`: the sealed
// records as stored, the sealed profile, the devices' public keys, the peer key wrapped
// under the recovery code with Argon2id, and a manifest signed by the account key) to a
// file in cacheDir; it is copied to the place
// the peer picks (Files, Drive, a USB stick, …) and the temporary file is deleted.
package org.peerlog.app.ui

import android.content.Context
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import java.io.File
import java.io.FileNotFoundException
import java.io.IOException
import java.time.LocalDate
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.AuthResult
import org.peerlog.app.R
import org.peerlog.app.authMessage
import org.peerlog.app.findActivity
import org.peerlog.core.PeerlogClient
import uniffi.peerlog_core.PeerlogException

private enum class BackupResult { SAVED, WRITE_FAILED }

@Composable
fun BackupSection(model: AppViewModel, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var running by remember { mutableStateOf(false) }
    var result by remember { mutableStateOf<BackupResult?>(null) }
    var authProblem by remember { mutableStateOf<String?>(null) }
    val exportTitle = stringResource(R.string.settings_backup_export)

    val createFile = rememberLauncherForActivityResult(
        ActivityResultContracts.CreateDocument("application/octet-stream"),
    ) { target ->
        if (target == null) return@rememberLauncherForActivityResult
        running = true
        result = null
        scope.launch {
            try {
                // The backup is wrapped with the recovery code, which the secret store opens
                // only right after the user confirmed with the screen lock.
                val auth = AppLock.authenticate(context.findActivity(), exportTitle)
                if (auth != AuthResult.Success) {
                    authProblem = authMessage(context.findActivity(), auth)
                    return@launch
                }
                authProblem = null
                exportBackup(context, model.client, target)
                result = BackupResult.SAVED
            } catch (e: PeerlogException) {
                // The core's own words (e.g. no recovery code on this device).
                model.showError(e)
            } catch (e: IOException) {
                // The chosen place could not be written (a provider failure, not the core's).
                result = BackupResult.WRITE_FAILED
            } catch (e: SecurityException) {
                result = BackupResult.WRITE_FAILED
            } finally {
                running = false
            }
        }
    }

    Column(modifier, verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.settings_backup_title), style = MaterialTheme.typography.titleSmall)
        Text(stringResource(R.string.settings_backup_body), style = MaterialTheme.typography.bodyMedium)
        OutlinedButton(
            onClick = {
                AppLock.expectReturn() // coming back from the file picker does not lock the app
                createFile.launch("peerlog-backup-${LocalDate.now()}.peerlog")
            },
            enabled = !running,
        ) { Text(stringResource(R.string.settings_backup_export)) }
        authProblem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        when (result) {
            BackupResult.SAVED -> Text(stringResource(R.string.settings_backup_saved))
            BackupResult.WRITE_FAILED -> Text(
                stringResource(R.string.settings_backup_write_failed),
                color = MaterialTheme.colorScheme.error,
            )
            null -> {}
        }
    }
}

/** The core writes the backup to cacheDir; it is copied to [target], then deleted. */
private suspend fun exportBackup(context: Context, client: PeerlogClient, target: Uri) {
    val dir = File(context.cacheDir, "backup")
    val temp = File(dir, "peerlog-backup.tmp")
    try {
        withContext(Dispatchers.IO) { dir.mkdirs() }
        client.exportBackup(temp.absolutePath)
        withContext(Dispatchers.IO) {
            val out = context.contentResolver.openOutputStream(target, "w")
                ?: throw FileNotFoundException(target.toString())
            out.use { sink -> temp.inputStream().use { it.copyTo(sink) } }
        }
    } finally {
        withContext(NonCancellable + Dispatchers.IO) { temp.delete() }
    }
}
