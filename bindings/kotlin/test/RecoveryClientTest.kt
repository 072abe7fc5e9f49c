// `PeerlogClient.recover` (a new phone from the recovery code) on the JVM, without a server:
// every failure that comes before anything is registered is the core's own error, in its own
// words, and leaves the home empty — so the peer can correct the input and try again.
package no.peerlog.core.test

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.peerlog.core.PeerlogClient
import org.peerlog.core.code
import org.peerlog.core.userMessage
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException

class RecoveryClientTest {
    private fun tempDir(prefix: String) = Files.createTempDirectory(prefix).toFile()

    /** A real recovery code, from a device set up offline. */
    private fun realCode(): String = runBlocking {
        PeerlogClient.open(tempDir("peerlog-kt-other").absolutePath, MemorySecretStore(), null).use { other ->
            other.init("Kari Nordmann", "no-bufdir-2020", Locale.EN).recoveryCode
        }
    }

    private fun assertEmptyHome(client: PeerlogClient, secrets: JvmFileSecretStore) = runBlocking {
        assertFalse(client.isInitialised(), "the home stays uninitialised")
        assertNull(client.refreshStatus().deviceId, "no device id")
        assertTrue(secrets.names().isEmpty(), "no secret stored: ${secrets.names()}")
    }

    @Test
    fun malformedCodesFailWithTheCoresErrorAndLeaveTheHomeEmpty() = runBlocking<Unit> {
        val secrets = JvmFileSecretStore(tempDir("peerlog-secrets"))
        PeerlogClient.open(tempDir("peerlog-kt-recover").absolutePath, secrets, null).use { client ->
            val code = realCode()
            // A typo in one character of a real code (the code's check characters catch it).
            val i = code.indexOfFirst { it.isLetterOrDigit() }
            val typo = code.substring(0, i) + (if (code[i] == 'A') 'B' else 'A') + code.substring(i + 1)
            for (bad in listOf("", "not a recovery code", "ABCDE-FGHJK", code + "X", typo)) {
                // The code is checked before the server is contacted: no server needed.
                val e = assertFailsWith<PeerlogException>("code '$bad'") {
                    client.recover("https://peerlog.invalid", bad)
                }
                assertTrue(
                    e is PeerlogException.Invalid || e is PeerlogException.Verification,
                    "code '$bad': ${e::class.simpleName} ${e.code}",
                )
                assertTrue(e.userMessage.isNotBlank(), "the core's message for '$bad'")
                assertFalse(e.isTransient(), "a bad code is not worth retrying")
                assertEmptyHome(client, secrets)
            }
        }
    }

    @Test
    fun anUnreachableServerIsANetworkErrorAndLeavesTheHomeEmpty() = runBlocking<Unit> {
        val secrets = JvmFileSecretStore(tempDir("peerlog-secrets"))
        PeerlogClient.open(tempDir("peerlog-kt-recover").absolutePath, secrets, null).use { client ->
            // Port 1 on the loopback interface: the connection is refused at once.
            val e = assertFailsWith<PeerlogException> { client.recover("https://127.0.0.1:1", realCode()) }
            assertTrue(e.isTransient(), "${e::class.simpleName} ${e.code}: ${e.userMessage}")
            assertTrue(e.userMessage.isNotBlank())
            assertEmptyHome(client, secrets)
            assertNotNull(client.status.value, "status refreshed after the attempt")
        }
    }

    @Test
    fun aHomeInUseIsRefused() = runBlocking<Unit> {
        PeerlogClient.open(tempDir("peerlog-kt-recover").absolutePath, MemorySecretStore(), null).use { client ->
            val own = client.init("Kari Nordmann", "no-bufdir-2020", Locale.EN)
            val e = assertFailsWith<PeerlogException.Refused> {
                client.recover("https://127.0.0.1:1", realCode())
            }
            assertTrue(e.userMessage.isNotBlank())
            // Nothing changed: the same peer, the same recovery code.
            assertEquals("Kari Nordmann", client.profile().name)
            assertEquals(own.recoveryCode, client.recoveryCode())
        }
    }
}
