// The storage half of the app's SecretStore: each secret is sealed with AES-256-GCM and
// written to one file per name, atomically. Device-only secrets are sealed by a key this class
// never sees the bytes of (on Android a non-exportable Android Keystore key; on the JVM tests a
// software key). Secrets the core wants behind the user's presence are sealed with a fresh
// AES key wrapped for a key pair whose private half needs the user (on Android a Keystore RSA
// key with a user-authentication requirement): writing needs only the public half, so the
// core can store a new recovery code without a prompt, and reading needs the user.
package org.peerlog.core

import java.io.File
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.security.GeneralSecurityException
import java.security.PrivateKey
import java.security.PublicKey
import java.security.SecureRandom
import java.security.spec.MGF1ParameterSpec
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.OAEPParameterSpec
import javax.crypto.spec.PSource
import javax.crypto.spec.SecretKeySpec
import uniffi.peerlog_core.SecretProtection
import uniffi.peerlog_core.SecretStore
import uniffi.peerlog_core.SecretStoreException

/** The key pair that keeps `USER_PRESENCE` secrets (an RSA pair; OAEP wraps each file's key). */
interface PresenceKeys {
    /** Whether the phone can ask for its user at all (it has a screen lock). */
    fun available(): Boolean

    /** The public half: sealing needs no user. */
    fun publicKey(): PublicKey

    /** The private half: using it needs the user's recent authentication. */
    fun privateKey(): PrivateKey
}

/**
 * A [SecretStore] (the core's foreign trait) keeping each secret in `<dir>/<hex(name)>.sec`:
 * - `DEVICE_ONLY`: `2 | 1 | iv(12) | AES-GCM(value + tag)` under the device key;
 * - `USER_PRESENCE`: `2 | 2 | len(2) | RSA-OAEP(file key) | iv(12) | AES-GCM(value + tag)`
 *   under a fresh file key wrapped for [PresenceKeys];
 * with the name and the protection byte as associated data, so a file renamed to another name
 * or relabelled to another protection does not decrypt. Files of the first format
 * (`1 | iv | sealed`, the name as associated data) were all device-only and still read.
 *
 * Contract (the same as the Keychain store on iOS): `put` then `get` returns the bytes;
 * `get` of a name never put (or deleted) returns `null`; `delete` of a missing name is fine;
 * a `USER_PRESENCE` secret read without the user's recent authentication is
 * [SecretStoreException.UserPresenceRequired] (see [needsUserPresence]); every other failure
 * (I/O, a key that is gone, a file that does not decrypt) is
 * [SecretStoreException.Unavailable], never a silent `null` — the core must not believe a
 * key is absent and make a new one over an unreadable old one. Without [presence] (or on a
 * phone with no screen lock) a `USER_PRESENCE` secret is kept device-only, and [protection]
 * says so (the core then shows its advice to set a screen lock).
 *
 * @param key gives the device-only wrapping key; called for every operation, so a Keystore key
 *   that was invalidated surfaces as `Unavailable` instead of being cached.
 * @param presence the key pair for `USER_PRESENCE` secrets.
 * @param newCipher `Cipher.getInstance("AES/GCM/NoPadding")`, replaceable for providers.
 */
open class EncryptedFileSecretStore(
    private val dir: File,
    private val key: () -> SecretKey,
    private val presence: PresenceKeys? = null,
    private val newCipher: () -> Cipher = { Cipher.getInstance(TRANSFORMATION) },
) : SecretStore {

    private val lock = Any()
    private val random = SecureRandom()

    override fun get(name: String): ByteArray? = guarded("get", name) {
        val file = fileFor(name)
        if (!file.isFile) return@guarded null
        val sealed = file.readBytes()
        if (sealed.isNotEmpty() && sealed[0] == FORMAT_V1) {
            return@guarded open(key(), sealed, 1, name.toByteArray(Charsets.UTF_8))
        }
        if (sealed.size < 2 || sealed[0] != FORMAT_VERSION) {
            throw GeneralSecurityException("unrecognised secret file format")
        }
        val aad = aad(name, sealed[1])
        when (sealed[1]) {
            LABEL_DEVICE_ONLY -> open(key(), sealed, 2, aad)
            LABEL_USER_PRESENCE -> {
                val keys = presence ?: throw GeneralSecurityException("no presence keys")
                val buf = ByteBuffer.wrap(sealed, 2, sealed.size - 2)
                if (buf.remaining() < 2) throw GeneralSecurityException("truncated secret file")
                val wrappedLen = buf.short.toInt() and 0xffff
                if (buf.remaining() < wrappedLen) throw GeneralSecurityException("truncated secret file")
                val rsa = Cipher.getInstance(RSA_TRANSFORMATION)
                rsa.init(Cipher.DECRYPT_MODE, keys.privateKey(), OAEP)
                val fileKey = rsa.doFinal(sealed, 4, wrappedLen)
                try {
                    open(SecretKeySpec(fileKey, "AES"), sealed, 4 + wrappedLen, aad)
                } finally {
                    fileKey.fill(0)
                }
            }
            else -> throw GeneralSecurityException("unknown protection")
        }
    }

    override fun put(name: String, value: ByteArray, protection: SecretProtection) =
        guarded("put", name) {
            val sealed = when (protectionFor(protection)) {
                SecretProtection.DEVICE_ONLY -> {
                    val aad = aad(name, LABEL_DEVICE_ONLY)
                    byteArrayOf(FORMAT_VERSION, LABEL_DEVICE_ONLY) + seal(key(), value, aad)
                }
                SecretProtection.USER_PRESENCE -> {
                    val keys = presence ?: throw GeneralSecurityException("no presence keys")
                    val fileKey = ByteArray(32).also { random.nextBytes(it) }
                    try {
                        val rsa = Cipher.getInstance(RSA_TRANSFORMATION)
                        rsa.init(Cipher.ENCRYPT_MODE, keys.publicKey(), OAEP)
                        val wrapped = rsa.doFinal(fileKey)
                        val aad = aad(name, LABEL_USER_PRESENCE)
                        val body = seal(SecretKeySpec(fileKey, "AES"), value, aad)
                        ByteBuffer.allocate(4 + wrapped.size + body.size)
                            .put(FORMAT_VERSION).put(LABEL_USER_PRESENCE)
                            .putShort(wrapped.size.toShort()).put(wrapped).put(body)
                            .array()
                    } finally {
                        fileKey.fill(0)
                    }
                }
            }
            writeAtomically(fileFor(name), sealed)
        }

    override fun delete(name: String) = guarded("delete", name) {
        val file = fileFor(name)
        if (!file.delete() && file.exists()) throw IOException("cannot delete $file")
    }

    /** The protection the secret [name] is kept under, from its file's header (no key used). */
    override fun protection(name: String): SecretProtection? = guarded("protection", name) {
        val file = fileFor(name)
        if (!file.isFile) return@guarded null
        val head = file.readBytes()
        when {
            head.isNotEmpty() && head[0] == FORMAT_V1 -> SecretProtection.DEVICE_ONLY
            head.size > 1 && head[0] == FORMAT_VERSION && head[1] == LABEL_DEVICE_ONLY ->
                SecretProtection.DEVICE_ONLY
            head.size > 1 && head[0] == FORMAT_VERSION && head[1] == LABEL_USER_PRESENCE ->
                SecretProtection.USER_PRESENCE
            else -> throw GeneralSecurityException("unrecognised secret file format")
        }
    }

    /**
     * The protection a secret asked to have [wanted] really gets: the same, unless this store
     * has no presence keys or the phone has no screen lock — then `DEVICE_ONLY`.
     */
    private fun protectionFor(wanted: SecretProtection): SecretProtection =
        if (wanted == SecretProtection.USER_PRESENCE && presence?.available() == true) {
            SecretProtection.USER_PRESENCE
        } else {
            SecretProtection.DEVICE_ONLY
        }

    /** Whether [e] (thrown while using a presence key) means "the user must confirm first". */
    protected open fun needsUserPresence(e: Exception): Boolean = false

    /** `iv | AES-GCM(value + tag)`; the provider picks the IV (Keystore refuses caller IVs). */
    private fun seal(k: SecretKey, value: ByteArray, aad: ByteArray): ByteArray {
        val cipher = newCipher()
        cipher.init(Cipher.ENCRYPT_MODE, k)
        cipher.updateAAD(aad)
        val body = cipher.doFinal(value)
        val iv = cipher.iv
        if (iv == null || iv.size != IV_BYTES) {
            throw GeneralSecurityException("unexpected GCM IV length ${iv?.size}")
        }
        return iv + body
    }

    private fun open(k: SecretKey, sealed: ByteArray, at: Int, aad: ByteArray): ByteArray {
        if (sealed.size < at + IV_BYTES + TAG_BYTES) {
            throw GeneralSecurityException("truncated secret file")
        }
        val cipher = newCipher()
        cipher.init(Cipher.DECRYPT_MODE, k, GCMParameterSpec(TAG_BYTES * 8, sealed, at, IV_BYTES))
        cipher.updateAAD(aad)
        return cipher.doFinal(sealed, at + IV_BYTES, sealed.size - at - IV_BYTES)
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
                if (needsUserPresence(e)) throw SecretStoreException.UserPresenceRequired()
                // IOException, GeneralSecurityException (incl. AEADBadTagException and
                // Keystore's KeyPermanentlyInvalidatedException), IllegalArgumentException...
                throw SecretStoreException.Unavailable(
                    "secret store $op `$name`: ${e.javaClass.simpleName}: ${e.message}",
                )
            }
        }

    companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val RSA_TRANSFORMATION = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"

        /** OAEP with SHA-256, MGF1 with SHA-1: what the Android Keystore's RSA keys support. */
        val OAEP = OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT)

        private const val FORMAT_V1: Byte = 1
        private const val FORMAT_VERSION: Byte = 2
        private const val LABEL_DEVICE_ONLY: Byte = 1
        private const val LABEL_USER_PRESENCE: Byte = 2
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
        private const val SUFFIX = ".sec"

        /** The name and the protection label, as associated data. */
        private fun aad(name: String, label: Byte): ByteArray = name.toByteArray(Charsets.UTF_8) + label

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
