// Test launcher for the Kotlin JVM tests of the bindings.
//
// `cargo xtask test` (step `kotlin`) compiles this file together with the generated bindings,
// bindings/kotlin/src and bindings/kotlin/test, then runs it with the compiled classes folder as
// its argument. It finds every concrete class with a JUnit 4 `@Test` method (kotlin.test's
// `@Test` is the same annotation on the JVM) and runs them all with JUnitCore, so adding a test
// file is all it takes to add tests.
package no.peerlog.xtask

import java.io.File
import java.lang.reflect.Modifier
import kotlin.system.exitProcess
import org.junit.Test
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main(args: Array<String>) {
    if (args.size != 1) {
        System.err.println("usage: KotlinTestMain <compiled classes folder>")
        exitProcess(2)
    }
    val testClasses = findTestClasses(File(args[0]))
    if (testClasses.isEmpty()) {
        println("kotlin: no test classes (classes with @Test methods) found")
        exitProcess(1)
    }
    println("Kotlin test classes: " + testClasses.joinToString { it.name })

    val junit = JUnitCore()
    junit.addListener(PrintingListener())
    val result = junit.run(*testClasses.toTypedArray())
    val failed = result.failureCount
    val passed = result.runCount - failed - result.assumptionFailureCount
    val skipped = result.ignoreCount + result.assumptionFailureCount
    println("kotlin: $passed passed, $failed failed, $skipped skipped")
    exitProcess(if (result.wasSuccessful()) 0 else 1)
}

private fun findTestClasses(root: File): List<Class<*>> {
    val loader = Thread.currentThread().contextClassLoader
    return root.walkTopDown()
        .filter { it.isFile && it.name.endsWith(".class") && '$' !in it.name }
        .map { it.relativeTo(root).path.removeSuffix(".class").replace(File.separatorChar, '.') }
        .filter { !it.startsWith("no.peerlog.xtask.") }
        .sorted()
        .mapNotNull { name ->
            try {
                // initialize = false: nothing runs (and no native library loads) while looking.
                val c = Class.forName(name, false, loader)
                val concrete = !c.isInterface && !Modifier.isAbstract(c.modifiers)
                if (concrete && c.methods.any { it.isAnnotationPresent(Test::class.java) }) c else null
            } catch (e: Throwable) {
                println("warning: could not inspect class $name: $e")
                null
            }
        }
        .toList()
}

private val RUNNER_FRAMES = listOf(
    "org.junit.",
    "java.base/jdk.internal.reflect.",
    "java.base/java.lang.reflect.",
    "no.peerlog.xtask.",
)

/** Stack frames of JUnit and reflection, left out of failure traces. */
private fun isRunnerFrame(line: String): Boolean {
    val frame = line.trim().removePrefix("at ")
    return line.trim().startsWith("at ") && RUNNER_FRAMES.any { frame.startsWith(it) }
}

private class PrintingListener : RunListener() {
    private val notPassed = mutableSetOf<Description>()

    override fun testFailure(failure: Failure) {
        notPassed += failure.description
        println("FAIL ${failure.description.displayName}")
        val trace = failure.trace.lineSequence().filterNot(::isRunnerFrame).joinToString("\n")
        println(trace.trimEnd().prependIndent("    "))
    }

    override fun testAssumptionFailure(failure: Failure) {
        notPassed += failure.description
        println("skip ${failure.description.displayName}: ${failure.message}")
    }

    override fun testIgnored(description: Description) {
        println("skip ${description.displayName}")
    }

    override fun testFinished(description: Description) {
        if (description !in notPassed) println("ok   ${description.displayName}")
    }
}
