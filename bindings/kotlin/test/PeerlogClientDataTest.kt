// The data screens' part of `org.peerlog.core.PeerlogClient` on the JVM, over the real core:
// expenses with a receipt (round trip, submit, the core's refusals), a contact's version
// history, `Contact.toInput` for edits, and the encrypted backup (no plaintext in the file;
// it restores with the recovery code).
package no.peerlog.core.test

import java.io.File
import java.nio.file.Files
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.peerlog.core.PeerlogClient
import org.peerlog.core.code
import org.peerlog.core.toInput
import org.peerlog.core.userMessage
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.ExpenseInput
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.Receipt
import uniffi.peerlog_core.Who
import uniffi.peerlog_core.formatAmount
import uniffi.peerlog_core.parseAmount

/** A JPEG as far as the core's type check goes (SOI + APP0 marker), then [tail]. */
private fun jpeg(tail: String): ByteArray =
    byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 0xFF.toByte(), 0xE0.toByte()) + tail.toByteArray()

/** A fresh client with a signed declaration; returns it with its recovery code. */
private suspend fun readyClient(prefix: String): Pair<PeerlogClient, String> {
    val home = Files.createTempDirectory(prefix).toFile()
    val secrets = JvmFileSecretStore(Files.createTempDirectory("$prefix-secrets").toFile())
    val client = PeerlogClient.open(home.absolutePath, secrets, null)
    val code = client.init("Kari Nordmann", "no-bufdir-2020", Locale.EN).recoveryCode
    client.signDeclaration("Kari Nordmann", true, null)
    return client to code
}

private fun ByteArray.contains(needle: ByteArray): Boolean =
    (0..size - needle.size).any { i -> needle.indices.all { this[i + it] == needle[it] } }

class PeerlogClientExpensesTest {
    @Test
    fun expenseWithReceiptRoundTripsAndSubmits() = runBlocking<Unit> {
        val (client, _) = readyClient("peerlog-kt-expenses")
        client.use {
            assertTrue(client.listExpenses().isEmpty())
            val photo = jpeg("receipt-${UUID.randomUUID()}")

            // A write ticks `changes` and raises the pending count.
            val tick = async(start = CoroutineStart.UNDISPATCHED) { client.changes.first() }
            val pendingBefore = client.status.value!!.pending
            val ticket = client.addExpense(
                ExpenseInput(
                    date = "2026-03-02", kind = ExpenseKind.TICKET, amountMinor = 14_950uL,
                    description = "Bus to the hospital", receipt = Receipt("image/jpeg", photo),
                ),
            )
            withTimeout(5_000) { tick.await() }
            assertTrue(client.status.value!!.pending > pendingBefore)
            assertEquals(ExpenseStatus.DRAFT, ticket.status)
            assertEquals(14_950uL, ticket.amountMinor)
            assertEquals(client.profile().currency, ticket.currency)
            assertTrue(ticket.hasReceipt)

            // The receipt comes back decrypted, bytes and type.
            val receipt = assertNotNull(client.expenseReceipt(ticket.id))
            assertEquals("image/jpeg", receipt.mimeType)
            assertContentEquals(photo, receipt.data)

            // Editing a draft without a new receipt keeps the old one.
            val edited = client.updateExpense(
                ticket.id,
                ExpenseInput(date = "2026-03-02", kind = ExpenseKind.TICKET, amountMinor = 15_000uL,
                    description = "Bus and ferry"),
            )
            assertEquals(15_000uL, edited.amountMinor)
            assertEquals("Bus and ferry", edited.description)
            assertContentEquals(photo, client.expenseReceipt(ticket.id)!!.data)

            // A receipt that is not what its type says is the core's field error.
            val bad = assertFailsWith<PeerlogException.Invalid> {
                client.addExpense(
                    ExpenseInput(date = "2026-03-02", kind = ExpenseKind.PHONE, amountMinor = 100uL,
                        receipt = Receipt("image/jpeg", "not a photo".toByteArray())),
                )
            }
            assertTrue(bad.fields.isNotEmpty())
            assertTrue(bad.fields.all { it.message.isNotBlank() })

            // Travel: the core computes km × the organisation's rate.
            val rate = client.profile().mileageRateMinorPerKm
            val travel = client.addExpense(ExpenseInput(date = "2026-03-03", kind = ExpenseKind.TRAVEL, km = 12u))
            assertEquals(12u, travel.km)
            assertEquals(rate, travel.rateMinorPerKm)
            assertEquals(12uL * rate, travel.amountMinor)
            assertNull(client.expenseReceipt(travel.id))

            // Submit changes the status; the core then refuses changes and deletion.
            val submitted = client.submitExpense(ticket.id)
            assertEquals(ExpenseStatus.SUBMITTED, submitted.status)
            assertNotNull(submitted.submittedAt)
            assertEquals(
                ExpenseStatus.SUBMITTED,
                client.listExpenses().single { it.id == ticket.id }.status,
            )
            val refused = assertFailsWith<PeerlogException.Refused> { client.deleteExpense(ticket.id) }
            assertEquals("expense_not_draft", refused.code)
            assertTrue(refused.userMessage.isNotBlank())
            assertFailsWith<PeerlogException.Refused> { client.submitExpense(ticket.id) }

            // A draft can be deleted.
            assertEquals(2, client.listExpenses().size)
            client.deleteExpense(travel.id)
            assertEquals(listOf(ticket.id), client.listExpenses().map { it.id })
        }
    }
}

class PeerlogClientContactHistoryTest {
    @Test
    fun editedContactHasTwoVersionsThenATombstone() = runBlocking<Unit> {
        val (client, _) = readyClient("peerlog-kt-history")
        client.use {
            val deviceId = client.profile().deviceId
            val first = client.addContact(
                ContactInput(date = "2026-03-02", minutes = 60u, kind = ContactKind.VISIT, who = Who.RELATIVE,
                    place = Place.HOSPITAL, privateRef = "AB", privateNote = "private words",
                    sharedNote = "shared words"),
            )
            assertEquals(1, client.contactHistory(first.id).size)

            // The edit form starts from `toInput()`: what it does not show is kept.
            val edited = client.editContact(first.id, first.toInput().copy(minutes = 45u))
            assertEquals(45u, edited.minutes)
            assertEquals(Who.RELATIVE, edited.who)
            assertEquals(Place.HOSPITAL, edited.place)
            assertEquals("AB", edited.privateRef)
            assertEquals("private words", edited.privateNote)
            assertEquals("shared words", edited.sharedNote)

            val history = client.contactHistory(first.id)
            assertEquals(2, history.size)
            assertTrue(history[0].version < history[1].version)
            assertEquals(edited.version, history[1].version)
            assertEquals(listOf(60u, 45u), history.map { it.contact!!.minutes })
            assertTrue(history.none { it.deleted })
            assertTrue(history.all { it.authorDevice == deviceId })
            assertEquals("private words", history[0].contact!!.privateNote)

            client.deleteContact(first.id)
            val afterDelete = client.contactHistory(first.id)
            assertEquals(3, afterDelete.size)
            assertTrue(afterDelete.last().deleted)
            assertNull(afterDelete.last().contact)

            val missing = assertFailsWith<PeerlogException.NotFound> {
                client.contactHistory(UUID.randomUUID().toString())
            }
            assertTrue(missing.userMessage.isNotBlank())
        }
    }
}

class PeerlogClientBackupTest {
    @Test
    fun backupIsEncryptedAndRestoresWithTheRecoveryCode() = runBlocking<Unit> {
        val (client, code) = readyClient("peerlog-kt-backup")
        val marker = "MARKER-${UUID.randomUUID()}"
        val backup = File(Files.createTempDirectory("peerlog-kt-backup-out").toFile(), "backup.peerlog")
        val contactId = client.use {
            val contact = client.addContact(
                ContactInput(date = "2026-03-02", minutes = 60u, kind = ContactKind.VISIT, who = Who.TARGET_GROUP,
                    privateNote = "private $marker", sharedNote = "shared $marker"),
            )
            client.addExpense(
                ExpenseInput(date = "2026-03-02", kind = ExpenseKind.OTHER, amountMinor = 500uL,
                    description = "expense $marker", receipt = Receipt("image/jpeg", jpeg(marker))),
            )
            client.exportBackup(backup.absolutePath)
            contact.id
        }

        val bytes = backup.readBytes()
        assertTrue(bytes.size > 100, "a backup was written (${bytes.size} bytes)")
        assertFalse(bytes.contains(marker.toByteArray()), "no plaintext note in the backup")
        assertFalse(bytes.contains("Kari Nordmann".toByteArray()), "no plaintext name in the backup")

        // It is a real backup: a new device restores it with the recovery code.
        val home = Files.createTempDirectory("peerlog-kt-restored").toFile()
        val secrets = JvmFileSecretStore(Files.createTempDirectory("peerlog-kt-restored-secrets").toFile())
        PeerlogClient(Peerlog.restore(home.absolutePath, secrets, backup.absolutePath, code, null)).use { restored ->
            assertEquals("private $marker", restored.getContact(contactId).privateNote)
            assertEquals("expense $marker", restored.listExpenses().single().description)
        }

        // A bad path is the core's error, not a crash.
        val (other, _) = readyClient("peerlog-kt-backup-bad")
        other.use {
            assertFailsWith<PeerlogException> { other.exportBackup("/nonexistent-dir/x/backup.peerlog") }
        }
    }
}

/**
 * The expense editor shows a stored amount with the core's `formatAmount` and reads the field
 * back with the core's `parseAmount`: an unchanged field must give the same minor units in
 * every language, and a bad one the core's field error.
 */
class AmountRoundTripTest {
    @Test
    fun theCoresRenderingReadsBackUnchanged() {
        val amounts = listOf(1uL, 99uL, 14_950uL, 123_456uL, 10_000_000uL)
        for (locale in Locale.entries) {
            for (currency in listOf("NOK", "DKK", "EUR", "ISK")) {
                for (minor in amounts) {
                    val shown = formatAmount(minor, currency, locale)
                    assertEquals(minor, parseAmount(shown, currency, locale), "$shown ($locale, $currency)")
                }
            }
        }
        val bad = assertFailsWith<PeerlogException.Invalid> { parseAmount("twelve", "NOK", Locale.EN) }
        assertEquals("amount", bad.fields.single().field)
        assertTrue(bad.userMessage.isNotBlank())
    }
}

class PeerlogClientTrainingTest {
    /** Before the chapter has recorded a course: not certified, with the core's sentence; the themes question off. */
    @Test
    fun aNewPeerIsNotCertifiedAndTheThemesQuestionIsOff() = runBlocking<Unit> {
        val (client, _) = readyClient("peerlog-kt-training")
        client.use {
            val t = client.training()
            assertTrue(t.records.isEmpty())
            assertEquals(false, t.certified)
            assertEquals(false, t.reminderDue)
            assertTrue(t.message.startsWith("No peer course recorded yet"), t.message)
            assertEquals(false, client.chapterSettings().themes)
        }
    }
}
