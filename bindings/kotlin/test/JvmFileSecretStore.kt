// The JVM stand-in for the Android Keystore secret store: the same storage code
// (`EncryptedFileSecretStore`, which the Android `KeystoreSecretStore` extends), with a
// software AES-256 key in place of the non-exportable Keystore key.
package no.peerlog.core.test

import java.io.File
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.peerlog.core.EncryptedFileSecretStore

class JvmFileSecretStore(
    dir: File,
    val key: SecretKey = newKey(),
) : EncryptedFileSecretStore(dir, { key }) {
    companion object {
        fun newKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
