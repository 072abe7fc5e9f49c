// The app language (Android per-app locale) <-> the core's Locale, so the texts the core
// returns (reasons, kind labels, errors, the declaration) match the app's own strings.
package org.peerlog.app

import androidx.appcompat.app.AppCompatDelegate
import androidx.core.os.LocaleListCompat
import uniffi.peerlog_core.Locale

object CoreLocale {
    /** The language the app shows now: the per-app choice, else the system's. */
    fun current(): Locale {
        val chosen = AppCompatDelegate.getApplicationLocales()
        val language = if (chosen.isEmpty) {
            java.util.Locale.getDefault().language
        } else {
            chosen[0]?.language ?: "en"
        }
        return when (language) {
            "nb", "no", "nn" -> Locale.NB
            "da" -> Locale.DA
            else -> Locale.EN
        }
    }

    /** Switches the app's language (the activity is recreated with the new resources). */
    fun apply(locale: Locale) {
        val tag = when (locale) {
            Locale.NB -> "nb"
            Locale.DA -> "da"
            Locale.EN -> "en"
        }
        AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags(tag))
    }
}
