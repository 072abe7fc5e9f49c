// The SecretStore contract (bindings/kotlin/test/contract/SecretStoreContract.kt, the same
// source the JVM tests run) on a device or emulator, against the real Android Keystore:
//
//     cd android && ./gradlew :peerlog:connectedAndroidTest
//
// Each test uses its own Keystore aliases and folders, so the app's own store is never touched
// (a library's instrumented tests run in their own test APK anyway).
package org.peerlog.android

import androidx.test.ext.junit.runners.AndroidJUnit4
import java.io.File
import java.util.UUID
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith
import org.peerlog.core.EncryptedFileSecretStore
import org.peerlog.core.testing.SealedFileSecretStoreContract
import uniffi.peerlog_core.SecretProtection
import uniffi.peerlog_core.SecretStoreException

@RunWith(AndroidJUnit4::class)
class KeystoreSecretStoreContractTest : SealedFileSecretStoreContract() {
    private val alias = "org.peerlog.test.${UUID.randomUUID()}"
    private val otherAlias = "org.peerlog.test.${UUID.randomUUID()}"

    override fun sealedStore(dir: File): EncryptedFileSecretStore = KeystoreSecretStore.create(dir, alias) { false }
    override fun storeWithOtherKey(dir: File): EncryptedFileSecretStore = KeystoreSecretStore.create(dir, otherAlias) { false }

    @After
    fun deleteKeys() {
        KeystoreSecretStore.deleteKey(alias)
        KeystoreSecretStore.deleteKey(otherAlias)
    }

    /** After a wipe the app deletes the Keystore key: what was sealed with it is unreadable. */
    @Test
    fun secretsAreUnreadableOnceTheKeystoreKeyIsDeleted() {
        val dir = newDir("peerlog-secrets")
        val store = KeystoreSecretStore.create(dir, alias) { false }
        store.put("peer-key", byteArrayOf(1, 2, 3), SecretProtection.DEVICE_ONLY)
        assertArrayEquals(byteArrayOf(1, 2, 3), store.get("peer-key"))

        KeystoreSecretStore.deleteKey(alias)
        try {
            store.get("peer-key")
            fail("expected SecretStoreException.Unavailable")
        } catch (e: SecretStoreException.Unavailable) {
            // A new key was made on demand; it does not open the old file.
        }
    }
}
