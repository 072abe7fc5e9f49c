// The JVM stand-in for the Android Keystore secret store: the same storage code
// (`EncryptedFileSecretStore`, which the Android `KeystoreSecretStore` extends), with a
// software AES-256 key in place of the non-exportable Keystore key, and a software RSA pair
// whose private half opens only while [Presence] says the user just confirmed (the Keystore's
// user-authentication requirement).
package no.peerlog.core.test

import java.io.File
import java.security.GeneralSecurityException
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PrivateKey
import java.security.PublicKey
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.peerlog.core.EncryptedFileSecretStore
import org.peerlog.core.PresenceKeys

/** The phone's screen lock as the store sees it, and a key pair bound to it. */
class Presence(
    /** Whether the phone has a screen lock at all. */
    @Volatile var screenLock: Boolean = true,
    /** Whether the user confirmed with it a moment ago. */
    @Volatile var confirmed: Boolean = true,
    private val pair: KeyPair = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair(),
) : PresenceKeys {
    override fun available(): Boolean = screenLock
    override fun publicKey(): PublicKey = pair.public
    override fun privateKey(): PrivateKey = if (confirmed) pair.private else throw NotConfirmed()
}

/** What the Keystore throws when a user-authentication key is used without the user. */
class NotConfirmed : GeneralSecurityException("user not authenticated")

class JvmFileSecretStore(
    dir: File,
    val key: SecretKey = newKey(),
    val presence: Presence = Presence(),
) : EncryptedFileSecretStore(dir, { key }, presence) {
    override fun needsUserPresence(e: Exception): Boolean = e is NotConfirmed

    companion object {
        fun newKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
