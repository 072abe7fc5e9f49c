// The decisions both apps take from the core, through `org.peerlog.core.PeerlogClient` on the
// JVM over the real core: the forms (an edited expense keeps its linked contacts, "repeat
// last" keeps every field, a one-to-one contact keeps its participants, typed words are "not a
// number"), expense actions, the history by month and its labelled versions, report years and
// layout, the app language, the sync schedule — and a closed client, whose every core call
// must fail with the core's own error (not the bindings' IllegalStateException, and not
// silently).
package no.peerlog.core.test

import java.lang.reflect.InvocationTargetException
import java.nio.file.Files
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.peerlog.core.PeerlogClient
import org.peerlog.core.SyncOutcome
import org.peerlog.core.code
import org.peerlog.core.toInput
import org.peerlog.core.userMessage
import uniffi.peerlog_core.ContactFormEntry
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.ExpenseFormEntry
import uniffi.peerlog_core.ExpenseInput
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.NoHandle
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.SyncStatus
import uniffi.peerlog_core.VersionChange
import uniffi.peerlog_core.Who

private suspend fun signedClient(prefix: String, locale: Locale = Locale.EN): PeerlogClient {
    val home = Files.createTempDirectory(prefix).toFile()
    val secrets = JvmFileSecretStore(Files.createTempDirectory("$prefix-secrets").toFile())
    val client = PeerlogClient.open(home.absolutePath, secrets, null)
    client.init("Kari Nordmann", "no-bufdir-2020", locale)
    client.signDeclaration("Kari Nordmann", true, null)
    return client
}

/** The contact form as an app fills it from [base] without touching anything. */
private fun untouched(base: ContactInput) = ContactFormEntry(
    base = base,
    kind = base.kind,
    date = base.date,
    minutes = base.minutes.toString(),
    participants = base.participants.toString(),
    who = base.who,
    isNew = base.isNew,
    abroad = base.abroad,
    place = base.place,
)

class AppFormsClientTest {
    @Test
    fun editingAnExpenseThroughTheFormKeepsItsLinkedContacts() = runBlocking<Unit> {
        signedClient("peerlog-kt-forms").use { client ->
            val contact = client.addContact(client.newContactInput())
            val stored = client.addExpense(client.newExpenseInput().copy(km = 12u, contactIds = listOf(contact.id)))
            // The Android form shows date, kind, km or amount and the description — not the contacts.
            val entry = ExpenseFormEntry(
                base = client.expenseToInput(stored),
                kind = stored.kind,
                date = stored.date,
                km = "20",
                amount = "",
                description = " parking ",
            )
            val saved = client.updateExpense(stored.id, client.expenseFormInput(entry))
            assertEquals(listOf(contact.id), saved.contactIds)
            assertEquals(20u, saved.km)
            assertEquals("parking", saved.description)
            // A word where km go is the core's field error, not 0 km.
            val bad = assertFailsWith<PeerlogException.Invalid> { client.expenseFormInput(entry.copy(km = "twenty")) }
            assertEquals(listOf("km" to "not_a_number"), bad.fields.map { it.field to it.code })
        }
    }

    @Test
    fun repeatLastThroughTheFormKeepsEveryField() = runBlocking<Unit> {
        signedClient("peerlog-kt-repeat").use { client ->
            client.addContact(
                client.newContactInput().copy(
                    kind = ContactKind.CONVERSATION_GROUP, participants = 4u, ledByPeer = false,
                    privateRef = "KN", municipality = "Bergen", topics = listOf("grief"), travelKm = 9u,
                ),
            )
            val last = client.repeatLastContact()!!
            val again = client.addContact(client.contactFormInput(untouched(last)))
            assertEquals("KN", again.privateRef)
            assertEquals("Bergen", again.municipality)
            assertEquals(listOf("grief"), again.topics)
            assertEquals(9u, again.travelKm)
            assertFalse(again.ledByPeer)
            assertEquals(4u, again.participants)
        }
    }

    @Test
    fun editingAOneToOneContactKeepsItsParticipants() = runBlocking<Unit> {
        signedClient("peerlog-kt-participants").use { client ->
            val visit = client.addContact(client.newContactInput().copy(participants = 2u))
            assertFalse(client.contactForm(ContactKind.VISIT).showsParticipants)
            val entry = untouched(visit.toInput()).copy(minutes = "50", participants = "")
            val edited = client.editContact(visit.id, client.contactFormInput(entry))
            assertEquals(2u, edited.participants)
            assertEquals(50u, edited.minutes)
        }
    }

    @Test
    fun formsDefaultsLimitsAndActionsAreTheCores() = runBlocking<Unit> {
        signedClient("peerlog-kt-defaults", Locale.NB).use { client ->
            val new = client.newContactInput()
            assertEquals(java.time.LocalDate.now().toString(), new.date)
            assertEquals(ContactKind.VISIT, new.kind)
            assertEquals(60u, new.minutes)
            val group = client.contactForm(ContactKind.SELF_HELP_GROUP)
            assertTrue(group.showsParticipants && !group.showsPlace)
            assertEquals(2u, group.minParticipants)
            assertEquals(1000u, group.maxParticipants)
            assertEquals(1440u, group.maxMinutes)
            assertTrue(client.contactForm(ContactKind.MEETING).showsPlace)
            assertTrue(client.expenseForm(ExpenseKind.TRAVEL).showsKm)
            assertTrue(client.expenseForm(ExpenseKind.TICKET).showsAmount)
            assertEquals(ExpenseKind.TRAVEL, client.newExpenseInput().kind)
            assertTrue(client.expenseActions(ExpenseStatus.DRAFT).canSubmit)
            assertFalse(client.expenseActions(ExpenseStatus.SUBMITTED).canEdit)
            assertFalse(client.expenseActions(ExpenseStatus.APPROVED).canDelete)

            val typed = untouched(new).copy(minutes = "en time", privateRef = "  ", sharedNote = " hei ")
            val e = assertFailsWith<PeerlogException.Invalid> { client.contactFormInput(typed) }
            assertEquals("not_a_number", e.fields.single { it.field == "minutes" }.code)
            assertTrue(e.fields.single { it.field == "minutes" }.message.contains("tall"))
            val fine = client.contactFormInput(typed.copy(minutes = " 45 "))
            assertEquals(45u, fine.minutes)
            assertEquals(null, fine.privateRef)
            assertEquals("hei", fine.sharedNote)
        }
    }

    @Test
    fun theAppLanguageComesFromThePlatformsList() {
        assertEquals(Locale.NB, PeerlogClient.appLocale(listOf("nn-NO")))
        assertEquals(Locale.NB, PeerlogClient.appLocale(listOf("no")))
        assertEquals(Locale.DA, PeerlogClient.appLocale(listOf("de-DE", "da-DK")))
        assertEquals(Locale.EN, PeerlogClient.appLocale(listOf("sv-SE")))
        assertEquals(Locale.EN, PeerlogClient.appLocale(emptyList()))
    }
}

class AppHistoryReportClientTest {
    @Test
    fun historyByMonthAndLabelledVersions() = runBlocking<Unit> {
        signedClient("peerlog-kt-history", Locale.DA).use { client ->
            val year = java.time.LocalDate.now().year - 1
            val first = client.addContact(client.newContactInput().copy(date = "$year-03-02"))
            client.addContact(client.newContactInput().copy(date = "$year-03-20"))
            client.addContact(client.newContactInput().copy(date = "$year-01-05"))
            val months = client.contactsByMonth()
            assertEquals(listOf("Marts $year", "Januar $year"), months.map { it.label })
            assertEquals(listOf("$year-03-20", "$year-03-02"), months[0].contacts.map { it.date })

            client.editContact(first.id, first.toInput().copy(minutes = 30u))
            val versions = client.contactHistory(first.id)
            assertEquals(listOf(VersionChange.CREATED, VersionChange.EDITED), versions.map { it.change })
            assertEquals(listOf(1u, 2u), versions.map { it.number })
            assertEquals("Ændret på denne enhed", versions[1].label)
            assertTrue(versions.all { it.byThisDevice })

            assertEquals(listOf(year + 1, year), client.reportYears())
            val display = client.reportDisplay(client.yearSummary(year), Locale.DA)
            assertEquals(3, display.categories.size)
            assertEquals(listOf(1u, 3u), display.months.map { it.month })
            assertEquals("januar", display.months[0].label)
            assertTrue(Regex("""\d af 3 tæller""").matches(display.kinds.single().text), display.kinds.single().text)
        }
    }
}

/** A core whose status carries a `retryAfter`: what the scheduler must wait for. */
private class BackedOffCore(private val retryAfter: String?) : Peerlog(NoHandle) {
    override fun syncStatus(): SyncStatus = SyncStatus(
        deviceId = "dev-1", enrolment = null, lastSuccess = null, lastAttempt = null, lastError = null,
        pending = 0u, retryAfter = retryAfter, declarationSigned = true, waitingRecords = 0u, droppedRecords = 0u,
    )
}

class SyncScheduleClientTest {
    @Test
    fun theSchedulerWaitsAsLongAsTheCoreSays() = runBlocking<Unit> {
        val later = java.time.Instant.now().plusSeconds(600).toString()
        val waiting = PeerlogClient(BackedOffCore(later), Dispatchers.Default).syncSchedule()
        assertTrue(waiting.retryDelaySeconds in 590uL..600uL, "$waiting")
        assertEquals(240u, waiting.periodicMinutes)
        val now = PeerlogClient(BackedOffCore(null), Dispatchers.Default).syncSchedule()
        assertEquals(0uL, now.retryDelaySeconds)
    }
}

/** Calls a suspend method by reflection (its last parameter is the continuation). */
private suspend fun callSuspend(method: java.lang.reflect.Method, target: Any, args: List<Any?>): Any? =
    suspendCoroutineUninterceptedOrReturn { cont: Continuation<Any?> ->
        try {
            method.invoke(target, *args.toTypedArray(), cont)
        } catch (e: InvocationTargetException) {
            throw e.targetException
        }
    }

class ClosedClientTest {
    /**
     * After the provider closes the client (an erase, a revocation, a restore), a screen may
     * still run an effect on it. Every suspend function that needs the core must then throw
     * the core's error — never the bindings' IllegalStateException (which no
     * `catch (e: PeerlogException)` catches: the crash), and never return as if it worked.
     */
    @Test
    fun everyCoreCallOnAClosedClientFailsWithTheCoresError() = runBlocking<Unit> {
        val client = signedClient("peerlog-kt-closed", Locale.NB)
        val contact = client.addContact(client.newContactInput())
        val summary = client.yearSummary(java.time.LocalDate.now().year)
        client.close()
        client.close() // a second close is harmless

        // Arguments by parameter type; anything else makes the test say what to add.
        val input = client.newContactInput()
        val samples: Map<Class<*>, Any> = mapOf(
            String::class.java to contact.id,
            Int::class.javaPrimitiveType!! to 2026,
            Boolean::class.javaPrimitiveType!! to true,
            Locale::class.java to Locale.NB,
            ContactInput::class.java to input,
            ExpenseInput::class.java to client.newExpenseInput(),
            ContactFormEntry::class.java to untouched(input),
            ExpenseFormEntry::class.java to ExpenseFormEntry(client.newExpenseInput(), ExpenseKind.TRAVEL, input.date, "3", "", ""),
            uniffi.peerlog_core.PeriodSummary::class.java to summary,
            ByteArray::class.java to "date,kind,minutes\n".toByteArray(),
            uniffi.peerlog_core.DebriefWhen::class.java to uniffi.peerlog_core.DebriefWhen.TODAY,
        )
        // Pure (no core needed), so they work on a closed client.
        val pure = setOf("contactKinds")
        val suspendMethods = PeerlogClient::class.java.methods.filter { m ->
            !m.isSynthetic && !java.lang.reflect.Modifier.isStatic(m.modifiers) &&
                m.parameterTypes.lastOrNull() == Continuation::class.java && m.name !in pure
        }
        assertTrue(suspendMethods.size > 30, "found ${suspendMethods.map { it.name }}")
        for (m in suspendMethods.sortedBy { it.name }) {
            val args = m.parameterTypes.dropLast(1).map { type ->
                when {
                    type.name == "uniffi.peerlog_core.DrawnSignature" -> null
                    else -> samples[type] ?: fail("${m.name}: no sample argument of ${type.name}; add one")
                }
            }
            val outcome = try {
                callSuspend(m, client, args)
            } catch (e: PeerlogException) {
                assertEquals("core_closed", e.code, "${m.name}: $e")
                assertTrue(e.userMessage.contains("Peerlog"), "${m.name}: the core's words, got ${e.userMessage}")
                continue
            } catch (e: Throwable) {
                fail("${m.name} leaked ${e::class.qualifiedName}: ${e.message}")
            }
            if (m.name == "sync") {
                // Sync never throws: its outcome says what happened.
                assertIs<SyncOutcome.Failed>(outcome, "sync on a closed client")
                assertEquals("core_closed", outcome.code)
                continue
            }
            fail("${m.name} returned $outcome on a closed client instead of the core's error")
        }
    }
}
