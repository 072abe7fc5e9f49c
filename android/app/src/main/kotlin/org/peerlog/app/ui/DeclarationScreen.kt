// The confidentiality declaration: read it (the core's text, in the peer's language), type
// the full name, accept, draw a signature with a finger, sign. The core refuses logging
// until this is done and decides what a valid signature is.
package org.peerlog.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.LinkAnnotation
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.unit.IntSize
import androidx.compose.ui.unit.dp
import org.peerlog.app.AppViewModel
import org.peerlog.app.R
import org.peerlog.app.Screen
import org.peerlog.core.BlockRole
import org.peerlog.core.styledBlocks
import uniffi.peerlog_core.DrawnSignature
import uniffi.peerlog_core.StrokePoint
import uniffi.peerlog_core.formattedText

@Composable
fun DeclarationScreen(state: Screen.Declaration, model: AppViewModel) {
    var name by rememberSaveable { mutableStateOf("") }
    var accepted by rememberSaveable { mutableStateOf(false) }
    val strokes = remember { mutableStateListOf<List<Offset>>() }
    var padSize by remember { mutableStateOf(IntSize.Zero) }

    Column(
        Modifier.fillMaxSize().safeDrawingPadding().verticalScroll(rememberScrollState()).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.declaration_title), style = MaterialTheme.typography.headlineMedium)
        if (state.resign) {
            Card { Text(stringResource(R.string.declaration_new_version), Modifier.padding(16.dp)) }
        }
        Text(
            stringResource(R.string.declaration_version, state.text.version.toInt()),
            style = MaterialTheme.typography.labelMedium,
        )
        FormattedDeclaration(state.text.text)
        OutlinedTextField(
            value = name, onValueChange = { name = it },
            label = { Text(stringResource(R.string.declaration_name_label)) },
            singleLine = true, modifier = Modifier.fillMaxWidth(),
        )
        Row(verticalAlignment = Alignment.CenterVertically) {
            Checkbox(checked = accepted, onCheckedChange = { accepted = it })
            Text(stringResource(R.string.declaration_accept))
        }
        SignaturePad(strokes, onSize = { padSize = it })
        TextButton(onClick = { strokes.clear() }) { Text(stringResource(R.string.declaration_clear)) }
        Button(
            onClick = { model.sign(name, accepted, drawnSignature(strokes, padSize)) },
            modifier = Modifier.fillMaxWidth(),
        ) { Text(stringResource(R.string.declaration_sign)) }
    }
}

/** The declaration as the core formats it: headings, numbered points, bold and links. */
@Composable
private fun FormattedDeclaration(markdown: String) {
    val blocks = remember(markdown) { formattedText(markdown).styledBlocks() }
    val link = MaterialTheme.colorScheme.primary
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        for (block in blocks) {
            val text = buildAnnotatedString {
                append(block.text)
                for (r in block.ranges) {
                    addStyle(
                        SpanStyle(
                            fontWeight = if (r.strong) FontWeight.Bold else null,
                            fontStyle = if (r.emphasis) FontStyle.Italic else null,
                            color = if (r.link != null) link else Color.Unspecified,
                            textDecoration = if (r.link != null) TextDecoration.Underline else null,
                        ),
                        r.start,
                        r.end,
                    )
                    r.link?.let { addLink(LinkAnnotation.Url(it), r.start, r.end) }
                }
            }
            val style = when {
                block.role != BlockRole.HEADING -> MaterialTheme.typography.bodyLarge
                block.level <= 1 -> MaterialTheme.typography.titleLarge
                else -> MaterialTheme.typography.titleMedium
            }
            val indent = if (block.role == BlockRole.LIST_ITEM) Modifier.padding(start = 8.dp) else Modifier
            Text(text, style = style, modifier = indent)
        }
    }
}

@Composable
private fun SignaturePad(strokes: MutableList<List<Offset>>, onSize: (IntSize) -> Unit) {
    val ink = MaterialTheme.colorScheme.onSurface
    var current by remember { mutableStateOf<List<Offset>>(emptyList()) }
    Canvas(
        Modifier
            .fillMaxWidth()
            .height(160.dp)
            .background(MaterialTheme.colorScheme.surfaceVariant)
            .onSizeChanged(onSize)
            .pointerInput(Unit) {
                detectDragGestures(
                    onDragStart = { current = listOf(it) },
                    onDrag = { change, _ -> current = current + change.position },
                    onDragEnd = {
                        if (current.size > 1) strokes.add(current)
                        current = emptyList()
                    },
                )
            },
    ) {
        (strokes + listOf(current)).filter { it.size > 1 }.forEach { points ->
            val path = Path().apply {
                moveTo(points.first().x, points.first().y)
                points.drop(1).forEach { lineTo(it.x, it.y) }
            }
            drawPath(path, ink, style = Stroke(width = 3.dp.toPx()))
        }
    }
}

/** The strokes in pad pixels, as the core takes them; null when nothing was drawn. */
private fun drawnSignature(strokes: List<List<Offset>>, size: IntSize): DrawnSignature? {
    if (strokes.isEmpty() || size.width <= 0 || size.height <= 0) return null
    fun clamp(v: Float, max: Int) = v.coerceIn(0f, max.toFloat()).toUInt()
    return DrawnSignature(
        width = size.width.toUInt(),
        height = size.height.toUInt(),
        strokes = strokes.map { s -> s.map { StrokePoint(clamp(it.x, size.width), clamp(it.y, size.height)) } },
    )
}
