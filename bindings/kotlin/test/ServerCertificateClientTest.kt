// The self-hosted server's certificate authority through `PeerlogClient`: the core checks the
// PEM text (its own error and message otherwise), keeps it across a reopen, and forgets it.
package no.peerlog.core.test

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.peerlog.core.PeerlogClient
import org.peerlog.core.userMessage
import uniffi.peerlog_core.PeerlogException

class ServerCertificateClientTest {
    /** A self-signed test CA (P-256, valid until 2126), as a coordinator would hand it out. */
    private val testCa = """
            -----BEGIN CERTIFICATE-----
            MIIBizCCATGgAwIBAgIUECzhyl9wIBs2iNMOzQVAm1255eowCgYIKoZIzj0EAwIw
            GjEYMBYGA1UEAwwPUGVlcmxvZyB0ZXN0IENBMCAXDTI2MTEyNTIyMDUwM1oYDzIx
            MjYxMTAxMjIwNTAzWjAaMRgwFgYDVQQDDA9QZWVybG9nIHRlc3QgQ0EwWTATBgcq
            hkjOPQIBBggqhkjOPQMBBwNCAAQS8As8FXnt4aCfFXtCPDDCtufdXV7s8CzGikM3
            1SvcvmxtEf0uA7C20g9Nk4yw8uTkNvGI2tRYwZ2+3MRAOLIho1MwUTAdBgNVHQ4E
            FgQUnuKOP3p5nJKXKfNCaJqgGQ8ePGgwHwYDVR0jBBgwFoAUnuKOP3p5nJKXKfNC
            aJqgGQ8ePGgwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAuAUg
            QS5w8moVANxhFz9NIWaHEVRtx+iJb6cE1YCkiQ4CIHhIGt4aGFquR+dg+n5fZBvO
            nPDhz4Tb+5pkNuLoe5SR
            -----END CERTIFICATE-----
    """.trimIndent() + "\n"

    @Test
    fun certificateIsCheckedKeptAndCleared() = runBlocking<Unit> {
        val home = Files.createTempDirectory("peerlog-kt-cert").toFile()
        val secrets = MemorySecretStore()
        PeerlogClient.open(home.absolutePath, secrets, null).use { client ->
            assertNull(client.extraRootCertificate(), "none at first")

            for (bad in listOf("", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n")) {
                val e = assertFailsWith<PeerlogException.Invalid>("'$bad'") { client.setExtraRootCertificate(bad) }
                assertTrue(e.userMessage.isNotBlank())
            }
            assertNull(client.extraRootCertificate(), "a refused file changes nothing")

            // Before the device is set up: onboarding offers it before joining or restoring.
            client.setExtraRootCertificate(testCa)
            assertTrue(client.extraRootCertificate()!!.contains("BEGIN CERTIFICATE"))
        }
        PeerlogClient.open(home.absolutePath, secrets, null).use { client ->
            assertEquals(testCa.trim(), client.extraRootCertificate()?.trim(), "kept across a reopen")
            client.clearExtraRootCertificate()
            assertNull(client.extraRootCertificate())
        }
        PeerlogClient.open(home.absolutePath, secrets, null).use { client ->
            assertNull(client.extraRootCertificate(), "cleared for good")
        }
    }
}
