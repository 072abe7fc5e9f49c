// A Gradle Kotlin script: must parse as it is.
pluginManagement {
    repositories {
        google()
        mavenCentral()
    }
}
plugins {
    id("com.android.application") version "8.7.0" apply false
    kotlin("android") version "2.0.21" apply false
}
rootProject.name = "fixture"
include(":app", ":lib")
val cargoNdk by tasks.registering(Exec::class) {
    workingDir = rootDir.parentFile
    commandLine("cargo", "ndk", "-t", "arm64-v8a")
}
