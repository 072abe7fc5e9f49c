// The declaration as the Android screen sets it: the core's formatted text mapped to plain
// strings with style ranges (what becomes the `AnnotatedString`). The peer reads "1." to
// "8." with the opening sentence bold, and never a Markdown asterisk or hash.
package no.peerlog.core.test

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.peerlog.core.BlockRole
import org.peerlog.core.StyleRange
import org.peerlog.core.styledBlocks
import uniffi.peerlog_core.formattedText

class StyledTextTest {
    @Test
    fun theDeclarationReadsAsNumberedPointsWithBoldOpenings() {
        for (lang in listOf("nb", "da", "en")) {
            val md = File(TestSupport.repoRoot, "core/core/declarations/default.$lang.md").readText()
            val blocks = formattedText(md).styledBlocks()
            assertEquals(BlockRole.HEADING, blocks.first().role, lang)
            assertEquals(1, blocks.first().level, lang)
            val items = blocks.filter { it.role == BlockRole.LIST_ITEM }
            assertEquals((1..8).map { "$it. " }, items.map { it.text.substringBefore(" ") + " " }, lang)
            for (item in items) {
                val bold = item.ranges.first()
                assertTrue(bold.strong, "$lang: ${item.text}")
                assertEquals(item.text.indexOf(' ') + 1, bold.start, "$lang: the number is not bold")
                assertTrue(item.text.substring(bold.start, bold.end).endsWith("."), "$lang: ${item.text}")
            }
            for (block in blocks) {
                assertFalse('*' in block.text, "$lang: ${block.text}")
                assertFalse(block.text.startsWith("#"), "$lang: ${block.text}")
            }
        }
    }

    @Test
    fun emphasisAndLinksBecomeRanges() {
        val blocks = formattedText("Read *this* at [the site](https://example.org).\n\n- one\n- two").styledBlocks()
        assertEquals("Read this at the site.", blocks[0].text)
        assertEquals(
            listOf(
                StyleRange(5, 9, strong = false, emphasis = true, link = null),
                StyleRange(13, 21, strong = false, emphasis = false, link = "https://example.org"),
            ),
            blocks[0].ranges,
        )
        assertEquals(listOf("• one", "• two"), blocks.drop(1).map { it.text })
    }
}
