// The peer's offline flow through the generated Kotlin bindings and the real core library:
// set up -> sign declaration -> log three contacts -> summary -> sign report -> verify.
// The secret store and the log sink are implemented in Kotlin (uniffi foreign traits), as
// the Android app does with the Keystore and Logcat.
package no.peerlog.core.test

import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import uniffi.peerlog_core.Category
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.DrawnSignature
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.LogLevel
import uniffi.peerlog_core.LogSink
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.SecretProtection
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.StrokePoint
import uniffi.peerlog_core.Who
import uniffi.peerlog_core.contactKinds
import uniffi.peerlog_core.verifyReportFile

/** A JVM secret store: the same contract as the Keystore/Keychain stores (in memory). */
class MemorySecretStore : SecretStore {
    val values = ConcurrentHashMap<String, ByteArray>()
    override fun get(name: String): ByteArray? = values[name]?.copyOf()
    override fun put(name: String, value: ByteArray, protection: SecretProtection) {
        values[name] = value.copyOf()
    }
    override fun delete(name: String) { values.remove(name) }
    override fun protection(name: String): SecretProtection? =
        if (values.containsKey(name)) SecretProtection.DEVICE_ONLY else null
}

class RecordingLogSink : LogSink {
    val lines = CopyOnWriteArrayList<String>()
    override fun log(level: LogLevel, target: String, message: String) {
        lines.add("$level $target $message")
    }
}

private fun contact(date: String, kind: ContactKind, minutes: Int, participants: Int = 1) =
    ContactInput(
        date = date, minutes = minutes.toUInt(), kind = kind,
        participants = participants.toUInt(), who = Who.TARGET_GROUP,
    )

class PeerFlowTest {
    @Test
    fun offlinePeerFlow() {
        val home = Files.createTempDirectory("peerlog-kt").toFile()
        val secrets = MemorySecretStore()
        val log = RecordingLogSink()
        val app = Peerlog.open(home.absolutePath, secrets, log)
        assertFalse(app.isInitialised())

        val init = app.init("Kari Nordmann", "no-bufdir-2020", Locale.EN)
        assertEquals(29, init.recoveryCode.length)
        assertTrue(secrets.values.keys.containsAll(listOf("device-signing-key", "peer-key")),
            "the core keeps its keys in the app's secret store: ${secrets.values.keys}")

        // Logging is refused until the declaration is signed.
        val refused = assertFailsWith<PeerlogException.DeclarationRequired> {
            app.addContact(contact("2026-03-02", ContactKind.VISIT, 60))
        }
        assertEquals("declaration_required", refused.code)
        assertTrue(refused.userMessage.contains("declaration"))
        assertTrue(log.lines.any { it.contains("declaration_required") }, "${log.lines}")

        val text = app.currentDeclaration()
        assertTrue(text.text.length > 500)
        val drawn = DrawnSignature(300u, 100u,
            listOf(listOf(StrokePoint(10u, 50u), StrokePoint(150u, 70u), StrokePoint(290u, 40u))))
        val sig = app.signDeclaration("Kari Nordmann", true, drawn)
        assertTrue(sig.hasDrawnSignature)
        assertTrue(app.declarationStatus().signed)

        // Three contacts: outreach, a group too small to count, a course.
        val visit = app.addContact(contact("2026-03-02", ContactKind.VISIT, 60).copy(place = Place.HOSPITAL))
        assertTrue(visit.evaluation.counts)
        assertEquals(Category.OUTREACH, visit.evaluation.category)
        val live = app.evaluateContact(contact("2026-03-05", ContactKind.SELF_HELP_GROUP, 90, participants = 2))
        assertFalse(live.counts)
        assertEquals("group_too_few_participants", live.reasonCode)
        val group = app.addContact(contact("2026-03-05", ContactKind.SELF_HELP_GROUP, 90, participants = 2))
        assertEquals(live, group.evaluation)
        app.addContact(contact("2026-04-10", ContactKind.COURSE, 120, participants = 7))

        // Validation: every bad field at once, nothing written.
        val invalid = assertFailsWith<PeerlogException.Invalid> {
            app.addContact(contact("2999-01-01", ContactKind.VISIT, 0))
        }
        assertEquals(setOf("date", "minutes"), invalid.fields.map { it.field }.toSet())
        assertEquals(3, app.listContacts(null, null).size)

        val summary = app.yearSummary(2026)
        assertEquals(2u, summary.activityDays)
        assertEquals(1u, summary.byCategory.outreach)
        assertEquals(1u, summary.byCategory.course)
        assertEquals(0u, summary.byCategory.group)
        assertEquals(1u, summary.notCountedTotal)
        assertEquals(12, summary.byMonth.size)

        val report = app.signYearReport(2026)
        val verified = verifyReportFile(report.contents.toByteArray())
        assertEquals(2u, verified.activityDays)
        assertEquals("Kari Nordmann", verified.peerName)
        assertTrue(verified.declarationSigned)
        val forged = report.contents.replace("2026-04-10", "2026-04-11")
        val bad = assertFailsWith<PeerlogException.Verification> { verifyReportFile(forged.toByteArray()) }
        assertEquals("report_signature_invalid", bad.code)

        // The labels the app shows for the kind chips come from the core, per language.
        val nb = contactKinds(Locale.NB).first { it.kind == ContactKind.VISIT }
        val en = contactKinds(Locale.EN).first { it.kind == ContactKind.VISIT }
        assertTrue(nb.label != en.label)

        // Reopen: everything is still there, read through the same Kotlin secret store.
        app.close()
        val again = Peerlog.open(home.absolutePath, secrets, null)
        assertEquals(3, again.listContacts("2026-01-01", "2026-12-31").size)
        assertNotNull(again.profile().peerId)

        // Wipe removes the keys from the Kotlin store.
        again.wipe()
        assertTrue(secrets.values.isEmpty(), "${secrets.values.keys}")
        again.close()
        home.deleteRecursively()
    }

    @Test
    fun secretStoreFailuresReachTheAppAsErrors() {
        val home = Files.createTempDirectory("peerlog-kt").toFile()
        val broken = object : SecretStore {
            override fun get(name: String): ByteArray? = null
            override fun put(name: String, value: ByteArray, protection: SecretProtection) {
                throw uniffi.peerlog_core.SecretStoreException.Unavailable("keystore locked")
            }
            override fun delete(name: String) {}
            override fun protection(name: String): SecretProtection? = null
        }
        val app = Peerlog.open(home.absolutePath, broken, null)
        val e = assertFailsWith<PeerlogException.SecretStore> {
            app.init("Kari Nordmann", "none", Locale.NB)
        }
        assertTrue(e.userMessage.contains("keystore locked"), e.userMessage)
        assertFalse(app.isInitialised())
        app.close()
        home.deleteRecursively()
    }

    @Test
    fun receiptsCrossTheBoundaryAsBytes() {
        val home = Files.createTempDirectory("peerlog-kt").toFile()
        val app = Peerlog.open(home.absolutePath, MemorySecretStore(), null)
        app.init("Kari Nordmann", "no-bufdir-2020", Locale.NB)
        val png = byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte(),
            0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3)
        val e = app.addExpense(uniffi.peerlog_core.ExpenseInput(
            date = "2026-02-01", kind = uniffi.peerlog_core.ExpenseKind.TICKET,
            amountMinor = 4950uL,
            receipt = uniffi.peerlog_core.Receipt("image/png", png)))
        assertEquals(4950uL, e.amountMinor)
        assertEquals("NOK", e.currency)
        assertContentEquals(png, app.expenseReceipt(e.id)?.data)
        app.close()
        home.deleteRecursively()
    }
}
