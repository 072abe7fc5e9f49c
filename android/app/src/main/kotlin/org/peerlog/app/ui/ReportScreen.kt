// Report: a year the core offers, as the core counts and lays it out (activity days, per
// category, per month, per kind, not counted — in its order and words, as on iOS), then sign
// it (the core makes the signed file) and share the file.
package org.peerlog.app.ui

import android.content.Context
import android.content.Intent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.ReportDisplay
import uniffi.peerlog_core.SignedReportFile

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ReportScreen(model: AppViewModel, modifier: Modifier) {
    val client = model.client
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val status by client.status.collectAsStateWithLifecycle()
    // The years the core offers (oldest contact's year to this one), newest first.
    var years by remember { mutableStateOf<List<Int>>(emptyList()) }
    var year by rememberSaveable { mutableStateOf<Int?>(null) }
    var display by remember { mutableStateOf<ReportDisplay?>(null) }
    var signed by remember { mutableStateOf<SignedReportFile?>(null) }

    // The core's counts and layout (months, categories, kinds in its order and words).
    // A core closed by a revocation under this screen is caught: onboarding follows.
    LaunchedEffect(status, year) {
        try {
            years = client.reportYears()
            val y = year ?: years.firstOrNull() ?: return@LaunchedEffect
            if (year == null) year = y
            display = client.reportDisplay(client.yearSummary(y), CoreLocale.current())
        } catch (e: PeerlogException) {
            display = null
        }
    }

    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        val y = year
        if (y != null) {
            Text(stringResource(R.string.report_title, y), style = MaterialTheme.typography.headlineMedium)
        }
        if (years.size > 1) {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                years.forEach { option ->
                    FilterChip(
                        selected = option == y,
                        onClick = { year = option; signed = null },
                        label = { Text(option.toString()) },
                    )
                }
            }
        }
        val d = display
        if (d != null && y != null) {
            Line(stringResource(R.string.home_activity_days), d.activityDays)
            d.categories.forEach { Line(it.label, it.days) }
            d.warnings.forEach { Text(it, color = MaterialTheme.colorScheme.error) }

            HorizontalDivider()
            Text(stringResource(R.string.report_by_month), style = MaterialTheme.typography.titleSmall)
            d.months.forEach { m ->
                // The month's days per category, in the order of the lines above.
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(m.label)
                    Text(m.days.joinToString(" · "))
                }
            }

            HorizontalDivider()
            Text(stringResource(R.string.report_by_kind), style = MaterialTheme.typography.titleSmall)
            d.kinds.forEach { k ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(k.label)
                    Text(k.text)
                }
            }
            d.notCounted.forEach { Text(it, style = MaterialTheme.typography.bodySmall) }

            HorizontalDivider()
            Button(
                onClick = {
                    scope.launch {
                        try {
                            signed = client.signYearReport(y)
                        } catch (e: PeerlogException) {
                            model.showError(e)
                        }
                    }
                },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.report_sign)) }
            signed?.let { file ->
                OutlinedButton(
                    onClick = { scope.launch { share(context, file.htmlFileName, file.html, "text/html") } },
                    modifier = Modifier.fillMaxWidth(),
                ) { Text(stringResource(R.string.report_share_printable)) }
                OutlinedButton(
                    onClick = { scope.launch { share(context, file.fileName, file.contents, "application/json") } },
                    modifier = Modifier.fillMaxWidth(),
                ) { Text(stringResource(R.string.report_share)) }
            }
        }
    }
}

@Composable
private fun Line(label: String, value: UInt) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label)
        Text(value.toString())
    }
}

/**
 * Writes one of the core's signed files (the printable HTML copy or the JSON) to the cache
 * and offers it to other apps (mail, files, print, ...).
 */
private suspend fun share(context: Context, fileName: String, contents: String, mime: String) {
    val out = withContext(Dispatchers.IO) {
        val dir = File(context.cacheDir, "reports").apply { mkdirs() }
        File(dir, File(fileName).name).apply { writeText(contents) }
    }
    val uri = FileProvider.getUriForFile(context, "${context.packageName}.files", out)
    val send = Intent(Intent.ACTION_SEND)
        .setType(mime)
        .putExtra(Intent.EXTRA_STREAM, uri)
        .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
    AppLock.expectReturn() // coming back from the share sheet does not lock the app
    context.startActivity(Intent.createChooser(send, null))
}
