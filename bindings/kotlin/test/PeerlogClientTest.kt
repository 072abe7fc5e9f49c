// The Android library's Kotlin layer (`org.peerlog.core.PeerlogClient`) on the JVM: suspend
// functions over the real core, the status/changes/progress flows, and sync outcomes —
// including a revoked device, which the core wipes (simulated with a fake core object).
package no.peerlog.core.test

import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.peerlog.core.PeerlogClient
import org.peerlog.core.SyncOutcome
import org.peerlog.core.SyncProgressEvent
import org.peerlog.core.code
import org.peerlog.core.userMessage
import uniffi.peerlog_core.Category
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.NoHandle
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.SyncPhase
import uniffi.peerlog_core.SyncProgress
import uniffi.peerlog_core.SyncReport
import uniffi.peerlog_core.SyncStatus
import uniffi.peerlog_core.Who

/** A core object with no Rust behind it, whose `sync` does what the test says. */
private class FakeSyncCore(
    private val onSync: suspend (SyncProgress?) -> SyncReport,
) : Peerlog(NoHandle) {
    var wipedByCore = false
    override suspend fun sync(progress: SyncProgress?): SyncReport = onSync(progress)
    override fun syncStatus(): SyncStatus = SyncStatus(
        deviceId = if (wipedByCore) null else "dev-1", enrolment = null, lastSuccess = "2026-03-02T10:00:00Z",
        lastAttempt = "2026-03-02T10:00:00Z", lastError = null, pending = 0u, retryAfter = null,
        declarationSigned = true, waitingRecords = 0u, droppedRecords = 0u,
    )
}

private fun input(date: String, kind: ContactKind, minutes: Int, participants: Int = 1) =
    ContactInput(date = date, minutes = minutes.toUInt(), kind = kind,
        participants = participants.toUInt(), who = Who.TARGET_GROUP)

class PeerlogClientTest {
    @Test
    fun suspendApiAndFlowsOverTheRealCore() = runBlocking<Unit> {
        val home = Files.createTempDirectory("peerlog-kt-client").toFile()
        val secrets = JvmFileSecretStore(Files.createTempDirectory("peerlog-secrets").toFile())
        PeerlogClient.open(home.absolutePath, secrets, RecordingLogSink()).use { client ->
            assertFalse(client.isInitialised())
            assertNull(client.status.value)

            val init = client.init("Kari Nordmann", "no-bufdir-2020", Locale.EN)
            assertEquals(29, init.recoveryCode.length)
            val afterInit = client.status.value
            assertNotNull(afterInit, "status published after a change")
            assertNotNull(afterInit.deviceId)
            assertFalse(afterInit.declarationSigned)

            // The core's refusal comes through as its own exception, with its own text.
            val refused = assertFailsWith<PeerlogException.DeclarationRequired> {
                client.addContact(input("2026-03-02", ContactKind.VISIT, 60))
            }
            assertEquals("declaration_required", refused.code)
            assertTrue(refused.userMessage.isNotBlank())

            val declaration = client.currentDeclaration()
            client.signDeclaration("Kari Nordmann", true, null)
            assertTrue(client.declarationStatus().signed)
            assertEquals(declaration.version, client.declarationStatus().version)
            assertTrue(client.status.value!!.declarationSigned)

            // The live line: the core's judgement and text.
            val live = client.evaluateContact(input("2026-03-05", ContactKind.SELF_HELP_GROUP, 90, 2))
            assertFalse(live.counts)
            assertEquals("group_too_few_participants", live.reasonCode)
            assertTrue(live.reason.isNotBlank())

            // A change ticks `changes` and raises the pending count on `status`.
            val pendingBefore = client.status.value!!.pending
            val tick = async(start = CoroutineStart.UNDISPATCHED) { client.changes.first() }
            val visit = client.addContact(input("2026-03-02", ContactKind.VISIT, 60))
            withTimeout(5_000) { tick.await() }
            assertTrue(visit.evaluation.counts)
            assertEquals(Category.OUTREACH, visit.evaluation.category)
            assertTrue(client.status.value!!.pending > pendingBefore, "${client.status.value}")
            assertEquals(client.status.value!!.pending, client.pendingCount())

            val kinds = client.contactKinds(Locale.NB)
            assertEquals(ContactKind.entries.toSet(), kinds.map { it.kind }.toSet())
            assertEquals(1, client.listContacts("2026-01-01", "2026-12-31").size)
            assertEquals(ContactKind.VISIT, client.repeatLastContact()?.kind)
            assertEquals(1u, client.yearSummary(2026).activityDays)

            client.editContact(visit.id, input("2026-03-02", ContactKind.PHONE, 20))
            assertEquals(ContactKind.PHONE, client.getContact(visit.id).kind)
            client.deleteContact(visit.id)
            assertEquals(0, client.listContacts(null, null).size)
            assertEquals(0u, client.yearSummary(2026).activityDays)

            // Not enrolled: a failed outcome with the core's code, not an exception.
            val outcome = client.sync()
            assertIs<SyncOutcome.Failed>(outcome)
            assertEquals("not_enrolled", outcome.code)
            assertFalse(outcome.transient)
            assertTrue(outcome.userMessage.isNotBlank())
            assertFalse(client.wiped.value)
            assertNotNull(client.status.value)
        }
    }

    @Test
    fun malformedInvitationIsTheCoresError() = runBlocking<Unit> {
        val home = Files.createTempDirectory("peerlog-kt-client").toFile()
        PeerlogClient.open(home.absolutePath, MemorySecretStore(), null).use { client ->
            val e = assertFailsWith<PeerlogException.Invalid> { client.enrol("not-an-invitation", "Kari") }
            assertEquals("bad_invitation", (e as PeerlogException).code)
            assertFalse(e.isTransient())
        }
    }

    @Test
    fun syncPublishesProgressAndStatus() = runBlocking<Unit> {
        val core = FakeSyncCore { progress ->
            progress!!.onProgress(SyncPhase.LOGIN, 0u, null)
            progress.onProgress(SyncPhase.PUSH, 2u, 5u)
            progress.onProgress(SyncPhase.PULL, 3u, null)
            SyncReport(pushed = 5u, pulled = 3u, rejected = 0u, declarationChanged = false)
        }
        val client = PeerlogClient(core, Dispatchers.Default)
        val events = async(start = CoroutineStart.UNDISPATCHED) { client.progress.take(3).toList() }
        val outcome = client.sync()
        assertEquals(
            listOf(
                SyncProgressEvent(SyncPhase.LOGIN, 0u, null),
                SyncProgressEvent(SyncPhase.PUSH, 2u, 5u),
                SyncProgressEvent(SyncPhase.PULL, 3u, null),
            ),
            withTimeout(5_000) { events.await() },
        )
        assertIs<SyncOutcome.Synced>(outcome)
        assertEquals(5uL, outcome.report.pushed)
        assertEquals("dev-1", withTimeout(5_000) { client.status.filterNotNull().first() }.deviceId)
    }

    @Test
    fun revokedDeviceBecomesWiped() = runBlocking<Unit> {
        lateinit var core: FakeSyncCore
        core = FakeSyncCore {
            core.wipedByCore = true // the core wipes before it reports DeviceRevoked
            throw PeerlogException.DeviceRevoked("device_revoked", "This device was revoked.")
        }
        val client = PeerlogClient(core, Dispatchers.Default)
        val outcome = client.sync()
        assertIs<SyncOutcome.Wiped>(outcome)
        assertEquals("This device was revoked.", outcome.userMessage)
        assertTrue(client.wiped.value)
        assertNull(client.status.value)
    }

    @Test
    fun transientFailuresAreMarkedForRetry() = runBlocking<Unit> {
        val seen = CopyOnWriteArrayList<String>()
        val client = PeerlogClient(
            FakeSyncCore {
                seen.add("sync")
                throw PeerlogException.Network("network", "No connection.")
            },
            Dispatchers.Default,
        )
        val outcome = client.sync()
        assertIs<SyncOutcome.Failed>(outcome)
        assertTrue(outcome.transient)
        assertEquals("No connection.", outcome.userMessage)
        assertEquals(listOf("sync"), seen)
        assertFalse(client.wiped.value)
    }
}

class PeerlogClientWipeTest {
    @Test
    fun peerWipesTheDevice() = runBlocking<Unit> {
        val home = Files.createTempDirectory("peerlog-kt-client").toFile()
        val secrets = JvmFileSecretStore(Files.createTempDirectory("peerlog-secrets").toFile())
        PeerlogClient.open(home.absolutePath, secrets, null).use { client ->
            client.init("Kari Nordmann", "no-bufdir-2020", Locale.DA)
            assertTrue(secrets.names().isNotEmpty())
            assertFalse(client.wiped.value)
            client.wipe()
            assertTrue(client.wiped.value)
            assertNull(client.status.value)
            assertFalse(client.isInitialised(), "the core erased its data")
            assertTrue(secrets.names().isEmpty(), "and its keys: ${secrets.names()}")
        }
    }
}
