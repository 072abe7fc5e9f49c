// First Kotlin JVM test of the uniffi bindings: the generated Kotlin loads the real core
// library (libpeerlog_core.so through JNA) and calls an exported function.
package no.peerlog.core.test

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import uniffi.peerlog_core.coreVersion

class CoreSmokeTest {
    @Test
    fun coreVersionIsNotEmpty() {
        assertTrue(coreVersion().isNotBlank(), "coreVersion() returned a blank string")
    }

    @Test
    fun coreVersionMatchesCargo() {
        assertEquals(TestSupport.coreCargoVersion(), coreVersion())
    }
}
