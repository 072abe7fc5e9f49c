// needs-normalisation
// Class bodies whose last member ends on the line of the closing `}`: valid Kotlin that
// tree-sitter-kotlin 1.1.0 rejects (it wants `;` or a line break after every member);
// kotlin_syntax_check.js turns the blank before such a `}` into `;`.
package fixtures

sealed interface Screen { data object Home : Screen }

class Ids { companion object { const val FIRST = 1 } }

class Nested {
    companion object { val x = object : Runnable { override fun run() {} } }
}

enum class Mode { Light, Dark; fun next() = entries[(ordinal + 1) % entries.size] }

class Checked(val x: Int) { init { require(x > 0) } }

interface Listener { fun on(x: Int) }

// Braces in strings and lambdas are not class bodies: left alone.
val text = "{ not a body }"
val sum = listOf(1, 2).fold(0) { acc, x -> acc + x }
