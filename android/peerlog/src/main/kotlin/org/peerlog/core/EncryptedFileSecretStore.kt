// The storage half of the app's SecretStore: each secret is sealed with AES-256-GCM by a
// key this class never sees the bytes of (on Android a non-exportable Android Keystore key;
// on the JVM tests a software key) and written to one file per name, atomically.
package org.peerlog.core

import java.io.File
import java.io.IOException
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.security.GeneralSecurityException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

/**
 * A [SecretStore] (the core's foreign trait) keeping each secret in `<dir>/<hex(name)>.sec`
 * as `version(1) | iv(12) | AES-GCM(ciphertext + tag)`, with the name as associated data so a
 * file renamed to another name does not decrypt.
 *
 * Contract (the same as the Keychain store on iOS): `put` then `get` returns the bytes;
 * `get` of a name never put (or deleted) returns `null`; `delete` of a missing name is fine;
 * every other failure (I/O, a key that is gone, a file that does not decrypt) is
 * [SecretStoreException.Unavailable], never a silent `null` — the core must not believe a
 * key is absent and make a new one over an unreadable old one.
 *
 * @param key gives the wrapping key; called for every operation, so a Keystore key that
 *   was invalidated surfaces as `Unavailable` instead of being cached.
 * @param newCipher `Cipher.getInstance("AES/GCM/NoPadding")`, replaceable for providers.
 */
open class EncryptedFileSecretStore(
    private val dir: File,
    private val key: () -> SecretKey,
    private val newCipher: () -> Cipher = { Cipher.getInstance(TRANSFORMATION) },
) : SecretStore {

    private val lock = Any()

    override fun get(name: String): ByteArray? = guarded("get", name) {
        val file = fileFor(name)
        if (!file.isFile) return@guarded null
        val sealed = file.readBytes()
        if (sealed.size < 1 + IV_BYTES + TAG_BYTES || sealed[0] != FORMAT_VERSION) {
            throw GeneralSecurityException("unrecognised secret file format")
        }
        val cipher = newCipher()
        cipher.init(
            Cipher.DECRYPT_MODE, key(),
            GCMParameterSpec(TAG_BYTES * 8, sealed, 1, IV_BYTES),
        )
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        cipher.doFinal(sealed, 1 + IV_BYTES, sealed.size - 1 - IV_BYTES)
    }

    override fun put(name: String, value: ByteArray) = guarded("put", name) {
        // The provider picks the IV (Android Keystore refuses caller-chosen IVs by default).
        val cipher = newCipher()
        cipher.init(Cipher.ENCRYPT_MODE, key())
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        val body = cipher.doFinal(value)
        val iv = cipher.iv
        if (iv == null || iv.size != IV_BYTES) {
            throw GeneralSecurityException("unexpected GCM IV length ${iv?.size}")
        }
        val sealed = ByteArray(1 + IV_BYTES + body.size)
        sealed[0] = FORMAT_VERSION
        iv.copyInto(sealed, 1)
        body.copyInto(sealed, 1 + IV_BYTES)
        writeAtomically(fileFor(name), sealed)
    }

    override fun delete(name: String) = guarded("delete", name) {
        val file = fileFor(name)
        if (!file.delete() && file.exists()) throw IOException("cannot delete $file")
    }

    /** Names of the secrets present (for diagnostics and tests; values stay sealed). */
    fun names(): Set<String> = synchronized(lock) {
        dir.listFiles { f -> f.isFile && f.name.endsWith(SUFFIX) }
            .orEmpty()
            .mapNotNull { f -> decodeName(f.name.removeSuffix(SUFFIX)) }
            .toSet()
    }

    private fun fileFor(name: String): File {
        if (name.isEmpty()) throw IllegalArgumentException("empty secret name")
        return File(dir, encodeName(name) + SUFFIX)
    }

    private fun writeAtomically(target: File, bytes: ByteArray) {
        if (!dir.isDirectory && !dir.mkdirs() && !dir.isDirectory) {
            throw IOException("cannot create $dir")
        }
        val tmp = File.createTempFile("secret", ".tmp", dir)
        try {
            tmp.outputStream().use { out ->
                out.write(bytes)
                out.fd.sync()
            }
            try {
                Files.move(
                    tmp.toPath(), target.toPath(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING,
                )
            } catch (e: AtomicMoveNotSupportedException) {
                Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING)
            }
        } finally {
            tmp.delete()
        }
    }

    private inline fun <T> guarded(op: String, name: String, block: () -> T): T =
        synchronized(lock) {
            try {
                block()
            } catch (e: SecretStoreException) {
                throw e
            } catch (e: Exception) {
                // IOException, GeneralSecurityException (incl. AEADBadTagException and
                // Keystore's KeyPermanentlyInvalidatedException), IllegalArgumentException...
                throw SecretStoreException.Unavailable(
                    "secret store $op `$name`: ${e.javaClass.simpleName}: ${e.message}",
                )
            }
        }

    companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val FORMAT_VERSION: Byte = 1
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
        private const val SUFFIX = ".sec"

        private fun encodeName(name: String): String =
            name.toByteArray(Charsets.UTF_8).joinToString("") { "%02x".format(it) }

        private fun decodeName(hex: String): String? {
            if (hex.length % 2 != 0) return null
            return runCatching {
                ByteArray(hex.length / 2) { i -> hex.substring(2 * i, 2 * i + 2).toInt(16).toByte() }
                    .toString(Charsets.UTF_8)
            }.getOrNull()
        }
    }
}
