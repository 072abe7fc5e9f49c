// The SecretStore contract every platform store keeps (Android Keystore, iOS Keychain, the
// JVM file store that shares its storage code with the Android one, the in-memory test
// store): put/get/delete, a missing name is `null`, every failure is
// `SecretStoreException.Unavailable` — and the real core runs on it, across a reopen.
//
// Shared source: the JVM tests (`cargo xtask test --only kotlin`, which compiles everything
// under bindings/kotlin/test/) and the Android instrumented test of `KeystoreSecretStore`
// (android/peerlog, whose androidTest source set adds this folder) both extend these classes.
// So: JUnit 4 and the generated bindings only — nothing JVM- or Android-specific here.
package org.peerlog.core.testing

import java.io.File
import java.nio.file.Files
import java.util.IdentityHashMap
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.peerlog.core.EncryptedFileSecretStore
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.SecretProtection.DEVICE_ONLY
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

/** The contract, for any store: a subclass says how to make and reopen one. */
abstract class SecretStoreContract {
    /** A fresh, empty store. */
    protected abstract fun newStore(): SecretStore

    /** [store] opened again, as after an app restart (same key, same place). */
    protected abstract fun reopen(store: SecretStore): SecretStore

    /** A fresh temporary folder (on Android, `java.io.tmpdir` is the app's cache). */
    protected fun newDir(prefix: String = "peerlog-contract"): File =
        Files.createTempDirectory(prefix).toFile()

    @Test
    fun aNameNeverPutIsNullAndDeletingItIsFine() {
        val store = newStore()
        assertNull("a name never put is null", store.get("device-signing-key"))
        store.delete("never-put")
        assertNull(store.get("never-put"))
    }

    @Test
    fun putGetOverwriteDelete() {
        val store = newStore()
        val value = ByteArray(32) { (it * 7).toByte() }
        store.put("device-signing-key", value, DEVICE_ONLY)
        assertArrayEquals(value, store.get("device-signing-key"))

        store.put("device-signing-key", byteArrayOf(1, 2, 3), DEVICE_ONLY)
        assertArrayEquals("overwritten", byteArrayOf(1, 2, 3), store.get("device-signing-key"))

        store.put("peer-key", byteArrayOf(4), DEVICE_ONLY)
        store.delete("device-signing-key")
        assertNull(store.get("device-signing-key"))
        assertArrayEquals("other names untouched", byteArrayOf(4), store.get("peer-key"))
    }

    @Test
    fun theStoreKeepsItsOwnCopy() {
        val store = newStore()
        val value = ByteArray(32) { 1 }
        store.put("peer-key", value, DEVICE_ONLY)
        value[0] = 99
        assertEquals(1.toByte(), store.get("peer-key")!![0])
        store.get("peer-key")!![1] = 99
        assertEquals(1.toByte(), store.get("peer-key")!![1])
    }

    @Test
    fun emptyValuesAndAnyName() {
        val store = newStore()
        store.put("empty", ByteArray(0), DEVICE_ONLY)
        assertArrayEquals(ByteArray(0), store.get("empty"))
        store.put("nøkkel/ü ✓", byteArrayOf(4), DEVICE_ONLY)
        assertArrayEquals(byteArrayOf(4), store.get("nøkkel/ü ✓"))
        val big = ByteArray(64 * 1024) { (it % 251).toByte() }
        store.put("big", big, DEVICE_ONLY)
        assertArrayEquals(big, store.get("big"))
    }

    @Test
    fun valuesSurviveAReopen() {
        val store = newStore()
        store.put("peer-key", byteArrayOf(1, 2, 3), DEVICE_ONLY)
        store.put("gone", byteArrayOf(9), DEVICE_ONLY)
        store.delete("gone")
        val reopened = reopen(store)
        assertArrayEquals(byteArrayOf(1, 2, 3), reopened.get("peer-key"))
        assertNull(reopened.get("gone"))
    }

    @Test
    fun theCoreRunsOnTheStoreAcrossAReopen() {
        val home = newDir("peerlog-contract-home")
        val store = newStore()
        Peerlog.open(home.absolutePath, store, null).use { app ->
            app.init("Kari Nordmann", "no-bufdir-2020", Locale.NB)
        }
        Peerlog.open(home.absolutePath, reopen(store), null).use { app ->
            assertTrue(app.isInitialised())
            assertEquals("Kari Nordmann", app.profile().name)
            assertEquals(29, app.recoveryCode().length)
        }
    }
}

/**
 * The stores built on [EncryptedFileSecretStore] (Android's `KeystoreSecretStore` and the JVM
 * `JvmFileSecretStore`): values sealed on disk, names not in file names, no temporary files
 * left, and everything that does not decrypt is `Unavailable`, never `null`.
 */
abstract class SealedFileSecretStoreContract : SecretStoreContract() {
    /** A store sealing into [dir] with this test's key. */
    protected abstract fun sealedStore(dir: File): EncryptedFileSecretStore

    /** A store on [dir] with another key (as after the Keystore key was lost and re-made). */
    protected abstract fun storeWithOtherKey(dir: File): EncryptedFileSecretStore

    private val dirs = IdentityHashMap<SecretStore, File>()

    override fun newStore(): SecretStore {
        val dir = newDir("peerlog-secrets")
        return sealedStore(dir).also { dirs[it] = dir }
    }

    override fun reopen(store: SecretStore): SecretStore {
        val dir = dirs[store] ?: error("not a store of this test")
        return sealedStore(dir).also { dirs[it] = dir }
    }

    private inline fun assertUnavailable(what: String, block: () -> Unit) {
        try {
            block()
        } catch (e: SecretStoreException.Unavailable) {
            return
        }
        fail("$what: expected SecretStoreException.Unavailable")
    }

    @Test
    fun valuesAreSealedOnDisk() {
        val dir = newDir("peerlog-secrets")
        val store = sealedStore(dir)
        val marker = "MARKER-plaintext-secret".toByteArray()
        store.put("peer-key", marker, DEVICE_ONLY)
        val onDisk = dir.listFiles()!!.filter { it.isFile }
        assertEquals(1, onDisk.size)
        val raw = onDisk.single().readBytes()
        assertFalse("stored sealed", String(raw, Charsets.ISO_8859_1).contains("MARKER"))
        assertFalse("names are encoded", onDisk.single().name.contains("peer-key"))
        assertEquals(setOf("peer-key"), store.names())
        assertFalse("no temp files left", dir.listFiles()!!.any { it.name.endsWith(".tmp") })
        assertArrayEquals(marker, sealedStore(dir).get("peer-key"))
    }

    @Test
    fun whatDoesNotDecryptIsUnavailableNeverNull() {
        val dir = newDir("peerlog-secrets")
        val store = sealedStore(dir)
        store.put("peer-key", byteArrayOf(1, 2, 3), DEVICE_ONLY)

        assertUnavailable("another key") { storeWithOtherKey(dir).get("peer-key") }

        // A file copied over another name does not decrypt (the name is authenticated).
        val file = dir.listFiles()!!.single { it.name.endsWith(".sec") }
        store.put("device-signing-key", byteArrayOf(9), DEVICE_ONLY)
        val target = dir.listFiles()!!.single { it.name.endsWith(".sec") && it != file }
        file.copyTo(target, overwrite = true)
        assertUnavailable("a renamed file") { store.get("device-signing-key") }

        // A flipped bit, a truncated file.
        val bytes = file.readBytes()
        bytes[bytes.size - 1] = (bytes[bytes.size - 1].toInt() xor 1).toByte()
        file.writeBytes(bytes)
        assertUnavailable("a flipped bit") { store.get("peer-key") }
        file.writeBytes(bytes.copyOf(5))
        assertUnavailable("a truncated file") { store.get("peer-key") }

        // A directory that cannot be written (a file is in the way); an empty name.
        val blocked = File(newDir("peerlog-secrets"), "not-a-dir").apply { writeText("x") }
        assertUnavailable("a blocked directory") { sealedStore(blocked).put("peer-key", byteArrayOf(1), DEVICE_ONLY) }
        assertUnavailable("an empty name") { store.get("") }
    }
}
