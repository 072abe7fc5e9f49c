// :peerlog — the core for Android: libpeerlog_core.so for each ABI (cargo-ndk), the
// generated uniffi Kotlin, and the small Kotlin layer (org.peerlog.core: JVM-pure and
// tested on the JVM by `cargo xtask test --only kotlin`; org.peerlog.android: Keystore,
// Logcat, WorkManager).
import org.gradle.api.tasks.Exec

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

/** The Cargo workspace: android/.. */
val repoRoot: File = rootProject.projectDir.parentFile
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val rustProfile = "release-mobile"
val jniLibsOut = layout.buildDirectory.dir("rustJniLibs")
val generatedKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")

/** `cargo ndk` builds the core for every ABI into build/rustJniLibs/<abi>/. */
val cargoNdk by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libpeerlog_core.so for $abis with cargo-ndk ($rustProfile)."
    workingDir = repoRoot
    inputs.files(fileTree(repoRoot) {
        include("Cargo.toml", "Cargo.lock", "core/**/*.rs", "core/**/Cargo.toml", "core/**/*.sql", "core/**/*.toml")
    })
    outputs.dir(jniLibsOut)
    val args = mutableListOf("cargo", "ndk")
    abis.forEach { args += listOf("-t", it) }
    args += listOf("--platform", "26")
    args += listOf("-o", jniLibsOut.get().asFile.absolutePath)
    args += listOf("build", "--profile", rustProfile, "-p", "peerlog-core")
    commandLine(args)
}

/**
 * The in-tree uniffi-bindgen (same uniffi version as the core) generates the Kotlin from the
 * arm64 library (library mode reads the ELF on any host). The generated code is the same for
 * every ABI.
 */
val uniffiBindgen by tasks.registering(Exec::class) {
    group = "rust"
    description = "Generates the uniffi Kotlin bindings into build/generated/uniffi/kotlin."
    dependsOn(cargoNdk)
    workingDir = repoRoot
    val library = jniLibsOut.map { it.file("arm64-v8a/libpeerlog_core.so") }
    inputs.file(library)
    outputs.dir(generatedKotlin)
    commandLine(
        "cargo", "run", "--quiet", "-p", "peerlog-bindgen", "--bin", "uniffi-bindgen", "--",
        "generate", "--language", "kotlin", "--no-format",
        "--out-dir", generatedKotlin.get().asFile.absolutePath,
        library.get().asFile.absolutePath,
    )
}

android {
    namespace = "org.peerlog.core"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        // Instrumented tests (./gradlew :peerlog:connectedAndroidTest) on a device/emulator.
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
        ndk { abiFilters += abis }
    }

    sourceSets["main"].apply {
        kotlin.srcDir(generatedKotlin)
        jniLibs.srcDir(jniLibsOut)
    }

    // The SecretStore contract is one source for the JVM tests (`cargo xtask test --only
    // kotlin`) and the instrumented test of KeystoreSecretStore on a device.
    sourceSets["androidTest"].apply {
        kotlin.srcDir(repoRoot.resolve("bindings/kotlin/test/contract"))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

tasks.named("preBuild") { dependsOn(uniffiBindgen) }

dependencies {
    // JNA with its Android native dispatch library (the AAR), which the generated code uses.
    api(libs.jna) { artifact { type = "aar" } }
    api(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.work.runtime.ktx)
    testImplementation(libs.junit)
    testImplementation(libs.kotlinx.coroutines.test)
    androidTestImplementation(libs.junit)
    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.androidx.test.ext.junit)
}
