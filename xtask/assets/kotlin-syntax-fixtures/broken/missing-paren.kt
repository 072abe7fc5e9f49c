// A call whose `)` is missing: the check must report it, at the position below.
// expect-error: 7:22
package fixtures

fun main() {
    val sealed = ByteArray(2)
    println(sealed[0]
}
