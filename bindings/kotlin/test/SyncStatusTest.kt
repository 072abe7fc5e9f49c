// The sync API through the generated Kotlin bindings: status of an offline device, and an
// async (`suspend`) enrol with a malformed invitation failing with the right error.
package no.peerlog.core.test

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlinx.coroutines.runBlocking
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.SyncPhase
import uniffi.peerlog_core.SyncProgress

class SyncStatusTest {
    @Test
    fun offlineDeviceStatusAndMalformedInvitation() {
        val home = Files.createTempDirectory("peerlog-kt-sync").toFile()
        val app = Peerlog.open(home.absolutePath, MemorySecretStore(), null)

        val empty = app.syncStatus()
        assertNull(empty.deviceId)
        assertNull(empty.enrolment)
        assertEquals(0uL, empty.pending)

        app.init("Kari Nordmann", "no-bufdir-2020", Locale.EN)
        val status = app.syncStatus()
        assertNotNull(status.deviceId)
        assertNull(status.enrolment)
        assertNull(status.lastSuccess)
        assertNull(status.lastError)
        assertNull(status.retryAfter)
        assertFalse(status.declarationSigned)

        val err = assertFailsWith<PeerlogException.Invalid> {
            runBlocking { app.enrol("not-an-invitation", null) }
        }
        assertEquals("bad_invitation", err.code)
        assertEquals("invitation", err.fields.single().field)

        // Not enrolled: sync refuses without touching the network.
        val progress = object : SyncProgress {
            override fun onProgress(phase: SyncPhase, done: ULong, total: ULong?) {}
        }
        val notEnrolled = assertFailsWith<PeerlogException.Refused> {
            runBlocking { app.sync(progress) }
        }
        assertEquals("not_enrolled", notEnrolled.code)
        assertNull(app.syncStatus().enrolment)
    }
}
