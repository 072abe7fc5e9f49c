// The SecretStore contract (bindings/kotlin/test/contract/, shared with the Android
// instrumented test of the Keystore store) on the JVM: the in-memory test store, and the file
// store that shares its storage code with the Android one (a software key in place of the
// Keystore key) — plus what only the JVM can simulate: a key provider that fails.
package no.peerlog.core.test

import java.io.File
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.peerlog.core.EncryptedFileSecretStore
import org.peerlog.core.testing.SealedFileSecretStoreContract
import org.peerlog.core.testing.SecretStoreContract
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

class MemorySecretStoreContractTest : SecretStoreContract() {
    override fun newStore(): SecretStore = MemorySecretStore()
    override fun reopen(store: SecretStore): SecretStore = store
}

class JvmFileSecretStoreContractTest : SealedFileSecretStoreContract() {
    private val key = JvmFileSecretStore.newKey()
    override fun sealedStore(dir: File): EncryptedFileSecretStore = JvmFileSecretStore(dir, key)
    override fun storeWithOtherKey(dir: File): EncryptedFileSecretStore = JvmFileSecretStore(dir)

    @Test
    fun aFailingKeyProviderIsUnavailable() {
        // The Keystore locked or gone: the provider throws.
        val dir = Files.createTempDirectory("peerlog-secrets").toFile()
        val noKey = EncryptedFileSecretStore(dir, { error("keystore gone") })
        val e = assertFailsWith<SecretStoreException.Unavailable> { noKey.put("x", byteArrayOf(1)) }
        assertTrue(e.reason.contains("keystore gone"), e.reason)
        JvmFileSecretStore(dir).put("x", byteArrayOf(1))
        assertFailsWith<SecretStoreException.Unavailable> { noKey.get("x") }
    }
}
