// Helpers shared by the Kotlin JVM tests of the bindings (not a test class itself).
package no.peerlog.core.test

import java.io.File

object TestSupport {
    /** The workspace root: `-Dpeerlog.repo.root` (set by `cargo xtask test`), else found upward. */
    val repoRoot: File by lazy {
        System.getProperty("peerlog.repo.root")?.let(::File)
            ?: generateSequence(File("").absoluteFile) { it.parentFile }
                .firstOrNull { dir ->
                    File(dir, "Cargo.toml").let { it.isFile && "[workspace]" in it.readText() }
                }
            ?: error("workspace root not found; pass -Dpeerlog.repo.root=<repo>")
    }

    /** The version Cargo gives the core crate (its own `version`, or the workspace's). */
    fun coreCargoVersion(): String {
        val core = File(repoRoot, "core/core/Cargo.toml").readText()
        return if (Regex("""(?m)^version\.workspace\s*=\s*true""").containsMatchIn(core)) {
            tomlVersion(File(repoRoot, "Cargo.toml").readText(), "workspace.package")
        } else {
            tomlVersion(core, "package")
        }
    }

    /** `version = "..."` in the `[section]` table of a Cargo.toml. */
    private fun tomlVersion(toml: String, section: String): String {
        var inSection = false
        for (raw in toml.lines()) {
            val line = raw.trim()
            if (line.startsWith("[")) {
                inSection = line == "[$section]"
            } else if (inSection) {
                Regex("""^version\s*=\s*"([^"]+)"""").find(line)?.let { return it.groupValues[1] }
            }
        }
        error("no version in [$section]")
    }
}
