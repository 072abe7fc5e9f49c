// `PeerlogClient.restore` (a new phone from a backup file and the recovery code) on the JVM,
// over the real core, the way the Android onboarding uses it: the empty client of the home is
// closed first; on success the restored client has the peer's contacts, on failure the core's
// error comes through and the reopened home is still empty.
package no.peerlog.core.test

import java.io.File
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
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.Who

class RestoreClientTest {
    private fun tempDir(prefix: String) = Files.createTempDirectory(prefix).toFile()

    /** A backup with two contacts, exported by a client set up offline; with its code. */
    private fun exportedBackup(): Triple<File, String, Set<String>> = runBlocking {
        val home = tempDir("peerlog-kt-restore-src")
        val backup = File(tempDir("peerlog-kt-restore-out"), "backup.peerlog")
        PeerlogClient.open(home.absolutePath, JvmFileSecretStore(tempDir("peerlog-kt-restore-src-secrets")), null)
            .use { client ->
                val code = client.init("Kari Nordmann", "no-bufdir-2020", Locale.EN).recoveryCode
                client.signDeclaration("Kari Nordmann", true, null)
                val ids = listOf(
                    ContactInput(date = "2026-03-02", minutes = 60u, kind = ContactKind.VISIT, who = Who.TARGET_GROUP),
                    ContactInput(date = "2026-03-03", minutes = 30u, kind = ContactKind.PHONE, who = Who.RELATIVE),
                ).map { client.addContact(it).id }.toSet()
                client.exportBackup(backup.absolutePath)
                Triple(backup, code, ids)
            }
    }

    @Test
    fun aBackupRestoresIntoAnEmptyHomeWithItsContacts() = runBlocking<Unit> {
        val (backup, code, ids) = exportedBackup()
        val home = tempDir("peerlog-kt-restore-home").absolutePath
        val secrets = JvmFileSecretStore(tempDir("peerlog-kt-restore-secrets"))
        // Onboarding's client on the empty home goes first (one core per database).
        PeerlogClient.open(home, secrets, null).use { empty -> assertFalse(empty.isInitialised()) }

        PeerlogClient.restore(home, secrets, backup.absolutePath, code, null).use { restored ->
            assertTrue(restored.isInitialised())
            assertNotNull(restored.status.value, "the status is published once restored")
            assertNotNull(restored.status.value?.deviceId, "the new device has its own id")
            val contacts = restored.listContacts(null, null)
            assertEquals(ids, contacts.map { it.id }.toSet())
            assertEquals(setOf(Who.TARGET_GROUP, Who.RELATIVE), contacts.map { it.who }.toSet())
        }
        // And it stays restored across a restart of the app.
        PeerlogClient.open(home, secrets, null).use { reopened ->
            assertTrue(reopened.isInitialised())
            assertEquals(ids, reopened.listContacts(null, null).map { it.id }.toSet())
        }
    }

    @Test
    fun aWrongRecoveryCodeFailsWithTheCoresErrorAndLeavesTheHomeEmpty() = runBlocking<Unit> {
        val (backup, _, _) = exportedBackup()
        // A well-formed code, but another peer's.
        val otherCode = PeerlogClient.open(tempDir("peerlog-kt-restore-other").absolutePath, MemorySecretStore(), null)
            .use { it.init("Ola Nordmann", "no-bufdir-2020", Locale.EN).recoveryCode }
        val home = tempDir("peerlog-kt-restore-wrong").absolutePath
        val secrets = JvmFileSecretStore(tempDir("peerlog-kt-restore-wrong-secrets"))
        PeerlogClient.open(home, secrets, null).use { empty -> assertFalse(empty.isInitialised()) }

        for (bad in listOf(otherCode, "not a recovery code")) {
            val e = assertFailsWith<PeerlogException>("code '$bad'") {
                PeerlogClient.restore(home, secrets, backup.absolutePath, bad, null).close()
            }
            assertTrue(e.userMessage.isNotBlank(), "the core's message for '$bad': ${e.code}")
            // The caller reopens the home: nothing was kept.
            PeerlogClient.open(home, secrets, null).use { reopened ->
                assertFalse(reopened.isInitialised(), "the home stays uninitialised after '$bad'")
                assertNull(reopened.refreshStatus().deviceId, "no device id after '$bad'")
                assertFailsWith<PeerlogException.NotInitialised>("no data after '$bad'") {
                    reopened.listContacts(null, null)
                }
                assertTrue(secrets.names().isEmpty(), "no key kept after '$bad': ${secrets.names()}")
            }
        }
        // A file that is not there is the core's error too.
        assertFailsWith<PeerlogException> {
            PeerlogClient.restore(home, secrets, File(backup.parentFile, "missing.peerlog").absolutePath, otherCode, null)
        }
    }
}
