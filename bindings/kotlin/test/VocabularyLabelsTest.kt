// `Vocabulary.label(…)` (org.peerlog.core) over the real core's `vocabulary(locale)`: every
// value the app shows (who, place, category, contact and expense kind, expense status) has
// the core's name in every language — never the enum's own name as a fallback.
package no.peerlog.core.test

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import org.peerlog.core.label
import uniffi.peerlog_core.Category
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.Who
import uniffi.peerlog_core.vocabulary

class VocabularyLabelsTest {
    @Test
    fun everyValueHasTheCoresNameInEveryLanguage() {
        for (locale in Locale.entries) {
            val v = vocabulary(locale)
            val pairs = Who.entries.map { it.name to v.label(it) } +
                Place.entries.map { it.name to v.label(it) } +
                Category.entries.map { it.name to v.label(it) } +
                ContactKind.entries.map { it.name to v.label(it) } +
                ExpenseKind.entries.map { it.name to v.label(it) } +
                ExpenseStatus.entries.map { it.name to v.label(it) }
            for ((name, label) in pairs) {
                assertTrue(label.isNotBlank(), "$locale $name")
                assertNotEquals(name, label, "$locale $name is named by the core, not by its enum")
            }
        }
    }

    @Test
    fun categoriesUseTheRulesTerms() {
        assertEquals("Oppsøkende likepersonsarbeid", vocabulary(Locale.NB).label(Category.OUTREACH))
    }
}
