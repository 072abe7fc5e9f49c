// needs-normalisation
// Modifier keywords used as names at the start of a statement: valid Kotlin that
// tree-sitter-kotlin 1.1.0 rejects; kotlin_syntax_check.js rewrites the name (`sealed` ->
// `_ealed`). The real modifiers below must stay modifiers.
package fixtures

import java.io.File

// As in android/peerlog/.../EncryptedFileSecretStore.kt: `sealed[0] = ...` after a call.
fun seal(body: ByteArray): ByteArray = guarded("put") {
    val sealed = ByteArray(1 + body.size)
    sealed[0] = 1
    body.copyInto(sealed, 1)
    sealed
}

fun names(flags: Map<String, Boolean>, files: List<File>) {
    var open = flags["open"] == true
    open = !open
    val final = files.lastOrNull()
    final?.delete()
    final!!.exists()
    val private = mutableListOf(1)
    private += 2
    private.add(3)
    var internal = 0
    internal++
    internal -= 1
    internal / 2
    val override = { x: Int -> x }
    override(1)
    run { open = false; private.clear() }
    for (f in files) final.hashCode()
    if (open) private.add(1) else private.add(2)
    when (internal) {
        0 -> override(2)
        else -> private.size
    }
    do private.removeLast() while (private.isNotEmpty())
    val inline = run {
        val abstract = 1
        abstract
    }
}

// Real modifiers, untouched.
sealed class Outcome {
    data object Done : Outcome()
    open class Other : Outcome()
}

abstract class Base {
    protected abstract fun run(block: suspend () -> Unit)

    private // a comment between a modifier and its declaration
    val count = 0

    internal open fun describe() = "base"
}

private inline fun <T> guarded(op: String, block: () -> T): T = synchronized(op) { block() }

fun local() {
    sealed class Local
    open class LocalOpen
    val x = object : Base() {
        override fun run(block: suspend () -> Unit) {}
    }
}
