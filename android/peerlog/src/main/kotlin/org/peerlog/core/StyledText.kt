// The core's formatted text (`formattedText(markdown)`: headings, paragraphs, numbered and
// bulleted items, strong/emphasised/linked spans) as the screens set it: one plain string
// per block with the ranges to style. Compose turns each into an `AnnotatedString` (see
// `DeclarationScreen`); this part has no Android imports so the JVM tests check it.
package org.peerlog.core

import uniffi.peerlog_core.FormattedText
import uniffi.peerlog_core.TextBlock
import uniffi.peerlog_core.TextSpan

/** How a block is set: a heading of [StyledBlock.level], a paragraph, or a list item. */
enum class BlockRole { HEADING, PARAGRAPH, LIST_ITEM }

/** A styled stretch `[start, end)` of [StyledBlock.text]. */
data class StyleRange(
    val start: Int,
    val end: Int,
    val strong: Boolean,
    val emphasis: Boolean,
    val link: String?,
)

/** One block: its text (a list item starts with its marker, "3. " or "• ") and styles. */
data class StyledBlock(
    val role: BlockRole,
    val level: Int,
    val text: String,
    val ranges: List<StyleRange>,
)

private fun styled(role: BlockRole, level: Int, marker: String, spans: List<TextSpan>): StyledBlock {
    val text = StringBuilder(marker)
    val ranges = mutableListOf<StyleRange>()
    for (span in spans) {
        val start = text.length
        text.append(span.text)
        if (span.strong || span.emphasis || span.link != null) {
            ranges += StyleRange(start, text.length, span.strong, span.emphasis, span.link)
        }
    }
    return StyledBlock(role, level, text.toString(), ranges)
}

/** The blocks in reading order, ready for `buildAnnotatedString`. */
fun FormattedText.styledBlocks(): List<StyledBlock> = blocks.map { block ->
    when (block) {
        is TextBlock.Heading -> styled(BlockRole.HEADING, block.level.toInt(), "", block.spans)
        is TextBlock.Paragraph -> styled(BlockRole.PARAGRAPH, 0, "", block.spans)
        is TextBlock.NumberedItem -> styled(BlockRole.LIST_ITEM, 0, "${block.number}. ", block.spans)
        is TextBlock.BulletItem -> styled(BlockRole.LIST_ITEM, 0, "• ", block.spans)
    }
}
