// Report: the year as the core counts it (activity days, per category, per month, per
// kind), then sign it (the core makes the signed file) and share the file.
package org.peerlog.app.ui

import android.content.Context
import android.content.Intent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
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
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import java.io.File
import java.time.LocalDate
import java.time.Month
import java.time.format.TextStyle
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppLock
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.core.label
import uniffi.peerlog_core.Category
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.PeriodSummary
import uniffi.peerlog_core.SignedReportFile

@Composable
fun ReportScreen(model: AppViewModel, modifier: Modifier) {
    val client = model.client
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val status by client.status.collectAsStateWithLifecycle()
    val year = remember { LocalDate.now().year }
    val locale = LocalConfiguration.current.locales[0]
    var summary by remember { mutableStateOf<PeriodSummary?>(null) }
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    var signed by remember { mutableStateOf<SignedReportFile?>(null) }

    LaunchedEffect(status) { summary = client.yearSummary(year) }

    Column(
        modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(stringResource(R.string.report_title, year), style = MaterialTheme.typography.headlineMedium)
        val s = summary
        if (s != null) {
            Line(stringResource(R.string.home_activity_days), s.activityDays)
            Line(vocabulary.label(Category.OUTREACH), s.byCategory.outreach)
            Line(vocabulary.label(Category.GROUP), s.byCategory.group)
            Line(vocabulary.label(Category.COURSE), s.byCategory.course)
            s.warnings.forEach { Text(it.message, color = MaterialTheme.colorScheme.error) }

            HorizontalDivider()
            Text(stringResource(R.string.report_by_month), style = MaterialTheme.typography.titleSmall)
            s.byMonth.filter { it.outreach + it.group + it.course + it.notCounted > 0u }.forEach { m ->
                val name = Month.of(m.month.toInt()).getDisplayName(TextStyle.FULL_STANDALONE, locale)
                // The core's per-category counts for the month, in the order of the lines above.
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(name)
                    Text("${m.outreach} · ${m.group} · ${m.course}")
                }
            }

            HorizontalDivider()
            Text(stringResource(R.string.report_by_kind), style = MaterialTheme.typography.titleSmall)
            s.byKind.filter { it.total > 0u }.forEach { k ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(vocabulary.label(k.kind))
                    Text(stringResource(R.string.report_kind_counted, k.counted.toInt(), k.total.toInt()))
                }
            }
            s.notCounted.forEach { Text("${it.message}: ${it.count}", style = MaterialTheme.typography.bodySmall) }

            HorizontalDivider()
            Button(
                onClick = {
                    scope.launch {
                        try {
                            signed = client.signYearReport(year)
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
