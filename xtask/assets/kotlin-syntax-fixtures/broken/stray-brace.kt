// One `}` too many: the check must report it, at the position below.
// expect-error: 8:1
package fixtures

class A {
    fun f() {}
    }
}
