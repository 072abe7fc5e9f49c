// The core's SecretStore on Android: secrets sealed by non-exportable Android Keystore keys
// (hardware-backed where the phone has it), stored as one file per name in the app's private
// no-backup directory. The storage and error contract is the JVM-tested
// `EncryptedFileSecretStore`; this class only supplies the Keystore keys: an AES key for what
// background sync needs, and an RSA pair whose private half needs the user (the screen lock)
// for what the core asks to keep behind it (the recovery code).
package org.peerlog.android

import android.app.KeyguardManager
import android.content.Context
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.UserNotAuthenticatedException
import java.io.File
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.PublicKey
import java.security.spec.X509EncodedKeySpec
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.peerlog.core.EncryptedFileSecretStore
import org.peerlog.core.PresenceKeys

class KeystoreSecretStore private constructor(
    dir: File,
    alias: String,
    deviceSecure: () -> Boolean,
) : EncryptedFileSecretStore(dir, { keystoreKey(alias) }, KeystorePresenceKeys(alias, deviceSecure)) {

    /** The private key was used more than [AUTH_SECONDS] after the user last confirmed. */
    override fun needsUserPresence(e: Exception): Boolean = e is UserNotAuthenticatedException

    /** The RSA pair for `USER_PRESENCE` secrets; made on first use, like the AES key. */
    private class KeystorePresenceKeys(
        private val alias: String,
        private val deviceSecure: () -> Boolean,
    ) : PresenceKeys {
        // Without a secure lock screen the Keystore cannot make a key that needs the user.
        override fun available(): Boolean = deviceSecure()

        // Sealing uses a software copy of the public key: public-key operations need no user,
        // and this way no Keystore provider quirk can make them ask.
        override fun publicKey(): PublicKey {
            val encoded = presencePair(alias).certificate.publicKey.encoded
            return KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(encoded))
        }

        override fun privateKey(): PrivateKey = presencePair(alias).privateKey
    }

    companion object {
        private const val KEYSTORE = "AndroidKeyStore"
        const val DEFAULT_ALIAS = "org.peerlog.secret-store.v1"

        /**
         * How long after the user confirmed (BiometricPrompt with DEVICE_CREDENTIAL, or
         * unlocking the phone) the user-presence key may be used: long enough to show the
         * recovery code or write a backup after `AppLock.authenticate`, short enough that a
         * phone picked up later asks again.
         */
        const val AUTH_SECONDS = 30

        /**
         * The store for this app. Secrets live in `noBackupFilesDir/peerlog-secrets`: never
         * in a cloud or device-to-device backup (the Keystore keys would not follow them;
         * moving phones goes through the core's recovery code instead).
         */
        fun create(context: Context, alias: String = DEFAULT_ALIAS): KeystoreSecretStore {
            val keyguard = context.getSystemService(KeyguardManager::class.java)
            return create(File(context.noBackupFilesDir, "peerlog-secrets"), alias) {
                keyguard?.isDeviceSecure == true
            }
        }

        /** A store in [dir] with the Keystore keys of [alias] (the instrumented tests use their own). */
        fun create(dir: File, alias: String, deviceSecure: () -> Boolean): KeystoreSecretStore =
            KeystoreSecretStore(dir, alias, deviceSecure)

        /** Deletes the wrapping keys: every secret becomes unreadable (used after a wipe). */
        fun deleteKey(alias: String = DEFAULT_ALIAS) {
            val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
            for (name in listOf(alias, presenceAlias(alias))) {
                if (ks.containsAlias(name)) ks.deleteEntry(name)
            }
        }

        private fun presenceAlias(alias: String) = "$alias.user-presence"

        @Synchronized
        private fun keystoreKey(alias: String): SecretKey {
            val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
            (ks.getKey(alias, null) as? SecretKey)?.let { return it }
            val spec = KeyGenParameterSpec.Builder(
                alias,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // The Keystore picks the IV; the store writes it next to the ciphertext.
                .setRandomizedEncryptionRequired(true)
                // Background sync must work while the phone is locked (after first unlock):
                // no user-authentication requirement on the keys it needs.
                .setUserAuthenticationRequired(false)
                .build()
            return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
                .apply { init(spec) }
                .generateKey()
        }

        @Synchronized
        private fun presencePair(alias: String): KeyStore.PrivateKeyEntry {
            val name = presenceAlias(alias)
            val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
            (ks.getEntry(name, null) as? KeyStore.PrivateKeyEntry)?.let { return it }
            val spec = KeyGenParameterSpec.Builder(name, KeyProperties.PURPOSE_DECRYPT)
                .setKeySize(2048)
                .setDigests(KeyProperties.DIGEST_SHA256, KeyProperties.DIGEST_SHA1)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_RSA_OAEP)
                .setUserAuthenticationRequired(true)
                // A new fingerprint must not destroy the code (the peer could replace it, but
                // would not know they have to).
                .setInvalidatedByBiometricEnrollment(false)
                .apply {
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setUserAuthenticationParameters(
                            AUTH_SECONDS,
                            KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                        )
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(AUTH_SECONDS)
                    }
                }
                .build()
            KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_RSA, KEYSTORE)
                .apply { initialize(spec) }
                .generateKeyPair()
            return ks.getEntry(name, null) as KeyStore.PrivateKeyEntry
        }
    }
}
