// "My phones" through `PeerlogClient` on the JVM: the list the screen shows, and what revoking
// and replacing the code answer on a phone that was never enrolled (the core's own error, and
// nothing changed). Against a server these calls are the core's, tested in Rust
// (`a_peer_revokes_their_lost_phone_from_another`, `recovery_rotation`).
package no.peerlog.core.test

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.peerlog.core.PeerlogClient
import org.peerlog.core.userMessage
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.recoveryCodeReplacedNote

class DevicesClientTest {
    @Test
    fun thisPhoneIsListedFirstAndAnOfflinePhoneCannotRevokeOrReplace() = runBlocking<Unit> {
        val home = Files.createTempDirectory("peerlog-kt-devices").toFile()
        PeerlogClient.open(home.absolutePath, MemorySecretStore(), null).use { client ->
            val code = client.init("Kari Nordmann", "no-bufdir-2020", Locale.NB).recoveryCode
            val devices = client.myDevices()
            assertEquals(1, devices.size)
            assertTrue(devices.single().thisDevice)
            assertFalse(devices.single().revoked)

            val revoke = assertFailsWith<PeerlogException> { client.revokeMyDevice("other-device") }
            assertTrue(revoke.userMessage.isNotBlank())
            val rotate = assertFailsWith<PeerlogException> { client.rotateRecoveryCode() }
            assertTrue(rotate.userMessage.isNotBlank())
            assertEquals(code, client.recoveryCode(), "the code is unchanged")
        }
        assertTrue(recoveryCodeReplacedNote(Locale.DA).contains("sikkerhedskopier"))
    }
}
