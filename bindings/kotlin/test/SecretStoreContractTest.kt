// The SecretStore contract (bindings/kotlin/test/contract/, shared with the Android
// instrumented test of the Keystore store) on the JVM: the in-memory test store, and the file
// store that shares its storage code with the Android one (a software key in place of the
// Keystore key) — plus what only the JVM can simulate: a key provider that fails.
package no.peerlog.core.test

import java.io.File
import java.nio.file.Files
import javax.crypto.Cipher
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.peerlog.core.EncryptedFileSecretStore
import org.peerlog.core.testing.SealedFileSecretStoreContract
import org.peerlog.core.testing.SecretStoreContract
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.Peerlog
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.SecretProtection.DEVICE_ONLY
import uniffi.peerlog_core.SecretProtection.USER_PRESENCE
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

class MemorySecretStoreContractTest : SecretStoreContract() {
    override fun newStore(): SecretStore = MemorySecretStore()
    override fun reopen(store: SecretStore): SecretStore = store
}

class JvmFileSecretStoreContractTest : SealedFileSecretStoreContract() {
    private val key = JvmFileSecretStore.newKey()
    private val presence = Presence()
    override fun sealedStore(dir: File): EncryptedFileSecretStore = JvmFileSecretStore(dir, key, presence)
    override fun storeWithOtherKey(dir: File): EncryptedFileSecretStore = JvmFileSecretStore(dir)

    @Test
    fun aFailingKeyProviderIsUnavailable() {
        // The Keystore locked or gone: the provider throws.
        val dir = Files.createTempDirectory("peerlog-secrets").toFile()
        val noKey = EncryptedFileSecretStore(dir, { error("keystore gone") })
        val e = assertFailsWith<SecretStoreException.Unavailable> { noKey.put("x", byteArrayOf(1), DEVICE_ONLY) }
        assertTrue(e.reason.contains("keystore gone"), e.reason)
        JvmFileSecretStore(dir).put("x", byteArrayOf(1), DEVICE_ONLY)
        assertFailsWith<SecretStoreException.Unavailable> { noKey.get("x") }
    }
}

/**
 * The recovery code behind the screen lock, on the storage code the Android store runs: the
 * core asks for `USER_PRESENCE`, the store seals it with the key that needs the user, and a
 * thief holding the unlocked phone (the user has not just confirmed) is refused.
 */
class UserPresenceTest {
    private fun dir(prefix: String) = Files.createTempDirectory(prefix).toFile()

    @Test
    fun theRecoveryCodeNeedsTheUserAndTheKeysDoNot() {
        val presence = Presence(screenLock = true, confirmed = false)
        val store = JvmFileSecretStore(dir("peerlog-secrets"), presence = presence)
        Peerlog.open(dir("peerlog-home").absolutePath, store, null).use { app ->
            val code = app.init("Kari Nordmann", "no-bufdir-2020", Locale.NB).recoveryCode
            assertEquals(USER_PRESENCE, store.protection("recovery-code"))
            assertEquals(setOf(DEVICE_ONLY), (store.names() - "recovery-code").map { store.protection(it) }.toSet())

            val refused = assertFailsWith<PeerlogException.SecretStore> { app.recoveryCode() }
            assertEquals("user_presence_required", refused.code)
            assertTrue(refused.userMessage.contains("skjermlås"), refused.userMessage)
            assertNull(app.recoveryCodeAdvice())

            presence.confirmed = true
            assertEquals(code, app.recoveryCode())
        }
    }

    @Test
    fun aPhoneWithoutAScreenLockKeepsTheCodeAndSaysSo() {
        val presence = Presence(screenLock = false, confirmed = false)
        val store = JvmFileSecretStore(dir("peerlog-secrets"), presence = presence)
        Peerlog.open(dir("peerlog-home").absolutePath, store, null).use { app ->
            val code = app.init("Kari Nordmann", "no-bufdir-2020", Locale.DA).recoveryCode
            assertEquals(DEVICE_ONLY, store.protection("recovery-code"))
            assertEquals(code, app.recoveryCode())
            assertTrue(app.recoveryCodeAdvice()!!.contains("skærmlås"))

            // A screen lock set later: the next look at the code moves it behind the lock.
            presence.screenLock = true
            presence.confirmed = true
            assertEquals(code, app.recoveryCode())
            assertEquals(USER_PRESENCE, store.protection("recovery-code"))
            assertNull(app.recoveryCodeAdvice())
        }
    }

    @Test
    fun aSecretRelabelledAsDeviceOnlyDoesNotOpen() {
        val dir = dir("peerlog-secrets")
        val store = JvmFileSecretStore(dir)
        store.put("recovery-code", byteArrayOf(1, 2, 3), USER_PRESENCE)
        val file = dir.listFiles()!!.single { it.name.endsWith(".sec") }
        val bytes = file.readBytes()
        bytes[1] = 1 // the device-only label
        file.writeBytes(bytes)
        assertFailsWith<SecretStoreException.Unavailable> { store.get("recovery-code") }
    }

    @Test
    fun filesOfTheFirstFormatStillOpenAsDeviceOnly() {
        // `1 | iv | AES-GCM(value)` with the name as associated data, as stores wrote before
        // secrets had a protection.
        val dir = dir("peerlog-secrets")
        val store = JvmFileSecretStore(dir)
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, store.key)
        cipher.updateAAD("peer-key".toByteArray())
        val body = cipher.doFinal(byteArrayOf(7, 8, 9))
        val name = "peer-key".toByteArray().joinToString("") { "%02x".format(it) }
        File(dir, "$name.sec").writeBytes(byteArrayOf(1) + cipher.iv + body)
        assertContentEquals(byteArrayOf(7, 8, 9), store.get("peer-key"))
        assertEquals(DEVICE_ONLY, store.protection("peer-key"))
    }
}
