// A self-hosted server's certificate authority (onboarding "Advanced", and Settings): the peer
// picks the PEM/CRT file the coordinator gave them; its text goes to the core, which checks
// it (its message on error), keeps it, and trusts it next to the usual public roots.
package org.peerlog.app.ui

import android.content.Context
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
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
import androidx.compose.ui.unit.dp
import java.io.ByteArrayOutputStream
import java.io.IOException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import uniffi.peerlog_core.PeerlogException

/** What a certificate file may be labelled as by the document providers. */
private val CERTIFICATE_TYPES = arrayOf(
    "application/x-x509-ca-cert",
    "application/x-pem-file",
    "application/pkix-cert",
    "application/octet-stream",
    "text/plain",
)

/** A certificate file is a few KB; anything this big is the wrong file. */
private const val MAX_FILE_BYTES = 1 shl 20

@Composable
fun ServerCertificateSection(model: AppViewModel, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var installed by remember { mutableStateOf<Boolean?>(null) }
    var message by remember { mutableStateOf<String?>(null) }

    suspend fun refresh() {
        try {
            installed = model.client.extraRootCertificate() != null
        } catch (e: PeerlogException) {
            model.showError(e)
        }
    }
    LaunchedEffect(Unit) { refresh() }

    val pick = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) {
            scope.launch {
                when (val read = readCertificateFile(context, uri)) {
                    is FileRead.Text -> try {
                        model.client.setExtraRootCertificate(read.text)
                    } catch (e: PeerlogException) {
                        model.showError(e) // the core's words: not a certificate, ...
                    }
                    FileRead.TooLarge -> message = context.getString(R.string.cert_too_large)
                    FileRead.Failed -> message = context.getString(R.string.cert_read_failed)
                }
                refresh()
            }
        }
    }

    Column(modifier, verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(stringResource(R.string.cert_title), style = MaterialTheme.typography.titleSmall)
        Text(stringResource(R.string.cert_body), style = MaterialTheme.typography.bodySmall)
        when (installed) {
            true -> Text(stringResource(R.string.cert_installed))
            false -> Text(stringResource(R.string.cert_none))
            null -> Unit
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            OutlinedButton(onClick = {
                message = null
                AppLock.expectReturn()
                pick.launch(CERTIFICATE_TYPES)
            }) { Text(stringResource(R.string.cert_choose)) }
            if (installed == true) {
                TextButton(onClick = {
                    message = null
                    scope.launch {
                        try {
                            model.client.clearExtraRootCertificate()
                        } catch (e: PeerlogException) {
                            model.showError(e)
                        }
                        refresh()
                    }
                }) { Text(stringResource(R.string.cert_remove)) }
            }
        }
        message?.let { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
    }
}

private sealed interface FileRead {
    data class Text(val text: String) : FileRead
    data object TooLarge : FileRead
    data object Failed : FileRead
}

/** Reads the picked file as text (UTF-8; a PEM file is ASCII), off the main thread. */
private suspend fun readCertificateFile(context: Context, uri: Uri): FileRead = withContext(Dispatchers.IO) {
    try {
        context.contentResolver.openInputStream(uri)?.use { input ->
            val out = ByteArrayOutputStream()
            val buffer = ByteArray(8192)
            while (true) {
                val n = input.read(buffer)
                if (n < 0) break
                if (out.size() + n > MAX_FILE_BYTES) return@use FileRead.TooLarge
                out.write(buffer, 0, n)
            }
            FileRead.Text(String(out.toByteArray(), Charsets.UTF_8))
        } ?: FileRead.Failed
    } catch (e: IOException) {
        FileRead.Failed
    } catch (e: SecurityException) {
        FileRead.Failed
    }
}
