// The core's log lines into Logcat, tagged `Peerlog/<target>` (Logcat tags are limited to
// 23 characters before API 26, so the target is shortened).
package org.peerlog.android

import android.util.Log
import uniffi.peerlog_core.LogLevel
import uniffi.peerlog_core.LogSink

class LogcatLogSink(private val minLevel: LogLevel = LogLevel.INFO) : LogSink {
    override fun log(level: LogLevel, target: String, message: String) {
        // The core's levels go ERROR, WARN, INFO, DEBUG: a higher ordinal is more verbose.
        if (level.ordinal > minLevel.ordinal) return
        val tag = ("Peerlog/" + target.substringAfterLast("::")).take(23)
        when (level) {
            LogLevel.DEBUG -> Log.d(tag, message)
            LogLevel.INFO -> Log.i(tag, message)
            LogLevel.WARN -> Log.w(tag, message)
            LogLevel.ERROR -> Log.e(tag, message)
        }
    }
}
