// Plain-Kotlin pieces of the contact form's follow-up date and themes question and of the
// follow-ups list, shared by the screens and tested on the JVM. Which follow-ups are due,
// which themes exist, their names and whether the question shows are the core's.
package org.peerlog.core

import uniffi.peerlog_core.FollowUp
import uniffi.peerlog_core.FollowUpStatus

/** The core's open follow-ups as the list shows them: due first, then upcoming. */
data class FollowUpSections(val due: List<FollowUp>, val upcoming: List<FollowUp>)

/** Splits the core's list by the status the core gave each (its order kept). */
fun List<FollowUp>.sections(): FollowUpSections = FollowUpSections(
    due = filter { it.status == FollowUpStatus.DUE },
    upcoming = filter { it.status == FollowUpStatus.UPCOMING },
)

/** The ticked themes with [id] ticked ([on]) or not; the core stores them in its own order. */
fun List<String>.withTheme(id: String, on: Boolean): List<String> = when {
    on && id !in this -> this + id
    !on -> this - id
    else -> this
}

/** A follow-up date as typed: blank is none (the core checks the rest). */
fun followUpDate(typed: String): String? = typed.trim().takeIf { it.isNotEmpty() }

/**
 * Android 13 (API 33) and later need the runtime permission POST_NOTIFICATIONS: the app
 * asks once, at the moment the peer first sets a follow-up date (the reminder is why), and
 * never on older versions or once granted.
 */
object NotificationPermission {
    const val FIRST_SDK = 33

    fun shouldAsk(sdk: Int, granted: Boolean, askedBefore: Boolean, settingFollowUp: Boolean): Boolean =
        settingFollowUp && sdk >= FIRST_SDK && !granted && !askedBefore
}
