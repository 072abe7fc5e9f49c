// The core's SecretStore on Android: secrets sealed with AES-256-GCM by a non-exportable
// Android Keystore key (hardware-backed where the phone has it), stored as one file per
// name in the app's private no-backup directory. The storage and error contract is the
// JVM-tested `EncryptedFileSecretStore`; this class only supplies the Keystore key.
package org.peerlog.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.peerlog.core.EncryptedFileSecretStore

class KeystoreSecretStore private constructor(
    dir: File,
    alias: String,
) : EncryptedFileSecretStore(dir, { keystoreKey(alias) }) {

    companion object {
        private const val KEYSTORE = "AndroidKeyStore"
        const val DEFAULT_ALIAS = "org.peerlog.secret-store.v1"

        /**
         * The store for this app. Secrets live in `noBackupFilesDir/peerlog-secrets`: never
         * in a cloud or device-to-device backup (the Keystore key would not follow them;
         * moving phones goes through the core's recovery code instead).
         */
        fun create(context: Context, alias: String = DEFAULT_ALIAS): KeystoreSecretStore =
            create(File(context.noBackupFilesDir, "peerlog-secrets"), alias)

        /** A store in [dir] with the Keystore key [alias] (the instrumented tests use their own). */
        fun create(dir: File, alias: String): KeystoreSecretStore = KeystoreSecretStore(dir, alias)

        /** Deletes the wrapping key: every secret becomes unreadable (used after a wipe). */
        fun deleteKey(alias: String = DEFAULT_ALIAS) {
            val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
            if (ks.containsAlias(alias)) ks.deleteEntry(alias)
        }

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
                // Background sync must work while the phone is locked (after first unlock),
                // so no user-authentication requirement on this key; the app lock is a UI
                // gate (biometrics / PIN) in front of the screens instead.
                .setUserAuthenticationRequired(false)
                .build()
            return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
                .apply { init(spec) }
                .generateKey()
        }
    }
}
