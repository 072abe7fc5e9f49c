// The SecretStore contract every platform store keeps (Android Keystore, iOS Keychain, and
// here the JVM file store that shares its storage code with the Android one): put/get/delete,
// a missing name is `null`, every failure is `SecretStoreException.Unavailable` — and the
// real core runs on it, across a reopen.
package no.peerlog.core.test

import java.io.File
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

class SecretStoreContractTest {
    private fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile()

    /** The contract, for any store. */
    private fun checkContract(store: SecretStore) {
        assertNull(store.get("device-signing-key"), "a name never put is null")
        store.delete("never-put") // deleting a missing name is fine

        val value = ByteArray(32) { (it * 7).toByte() }
        store.put("device-signing-key", value)
        assertContentEquals(value, store.get("device-signing-key"))
        value[0] = 99 // the store keeps its own copy
        assertEquals(0.toByte(), store.get("device-signing-key")!![0])

        store.put("device-signing-key", byteArrayOf(1, 2, 3)) // overwrite
        assertContentEquals(byteArrayOf(1, 2, 3), store.get("device-signing-key"))
        store.put("empty", ByteArray(0))
        assertContentEquals(ByteArray(0), store.get("empty"))
        store.put("nøkkel/ü ✓", byteArrayOf(4)) // any name
        assertContentEquals(byteArrayOf(4), store.get("nøkkel/ü ✓"))

        store.delete("device-signing-key")
        assertNull(store.get("device-signing-key"))
        assertContentEquals(byteArrayOf(4), store.get("nøkkel/ü ✓"), "other names untouched")
    }

    @Test
    fun memoryStoreKeepsTheContract() = checkContract(MemorySecretStore())

    @Test
    fun fileStoreKeepsTheContract() = checkContract(JvmFileSecretStore(tempDir("peerlog-secrets")))

    @Test
    fun fileStoreSealsValuesAndSurvivesReopen() {
        val dir = tempDir("peerlog-secrets")
        val store = JvmFileSecretStore(dir)
        val marker = "MARKER-plaintext-secret".toByteArray()
        store.put("peer-key", marker)
        val onDisk = dir.listFiles()!!.filter { it.isFile }
        assertEquals(1, onDisk.size)
        val raw = onDisk.single().readBytes()
        assertFalse(String(raw, Charsets.ISO_8859_1).contains("MARKER"), "stored sealed")
        assertFalse(onDisk.single().name.contains("peer-key"), "names are encoded")
        assertEquals(setOf("peer-key"), store.names())
        assertFalse(dir.listFiles()!!.any { it.name.endsWith(".tmp") }, "no temp files left")

        val reopened = JvmFileSecretStore(dir, store.key)
        assertContentEquals(marker, reopened.get("peer-key"))
    }

    @Test
    fun failuresAreUnavailableNeverNull() {
        val dir = tempDir("peerlog-secrets")
        val store = JvmFileSecretStore(dir)
        store.put("peer-key", byteArrayOf(1, 2, 3))

        // Another key (e.g. the Keystore key was invalidated and re-created).
        val otherKey = JvmFileSecretStore(dir)
        assertFailsWith<SecretStoreException.Unavailable> { otherKey.get("peer-key") }

        // A file moved to another name does not decrypt (the name is authenticated).
        val file = dir.listFiles()!!.single { it.name.endsWith(".sec") }
        store.put("device-signing-key", byteArrayOf(9))
        val target = dir.listFiles()!!.single { it.name.endsWith(".sec") && it != file }
        file.copyTo(target, overwrite = true)
        assertFailsWith<SecretStoreException.Unavailable> { store.get("device-signing-key") }

        // A flipped bit, a truncated file.
        val bytes = file.readBytes()
        bytes[bytes.size - 1] = (bytes[bytes.size - 1].toInt() xor 1).toByte()
        file.writeBytes(bytes)
        assertFailsWith<SecretStoreException.Unavailable> { store.get("peer-key") }
        file.writeBytes(bytes.copyOf(5))
        assertFailsWith<SecretStoreException.Unavailable> { store.get("peer-key") }

        // A key provider that fails (Keystore locked or gone).
        val noKey = org.peerlog.core.EncryptedFileSecretStore(dir, { error("keystore gone") })
        val e = assertFailsWith<SecretStoreException.Unavailable> { noKey.put("x", byteArrayOf(1)) }
        assertTrue(e.reason.contains("keystore gone"), e.reason)

        // A directory that cannot be written (a file is in the way).
        val blocked = File(tempDir("peerlog-secrets"), "not-a-dir").apply { writeText("x") }
        assertFailsWith<SecretStoreException.Unavailable> {
            JvmFileSecretStore(blocked).put("peer-key", byteArrayOf(1))
        }
        assertFailsWith<SecretStoreException.Unavailable> { store.get("") }
    }

    @Test
    fun coreRunsOnTheFileStoreAcrossReopen() {
        val home = tempDir("peerlog-kt-home")
        val secretsDir = tempDir("peerlog-secrets")
        val key = JvmFileSecretStore.newKey()
        val first = JvmFileSecretStore(secretsDir, key)
        Peerlog.open(home.absolutePath, first, null).use { app ->
            app.init("Kari Nordmann", "no-bufdir-2020", Locale.NB)
        }
        assertTrue(first.names().containsAll(listOf("device-signing-key", "peer-key")), "${first.names()}")

        Peerlog.open(home.absolutePath, JvmFileSecretStore(secretsDir, key), null).use { app ->
            assertTrue(app.isInitialised())
            assertEquals("Kari Nordmann", app.profile().name)
            assertEquals(29, app.recoveryCode().length)
        }
    }
}
