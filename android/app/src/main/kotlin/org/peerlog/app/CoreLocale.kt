// The app language (Android per-app locale) <-> the core's Locale, so the texts the core
// returns (reasons, kind labels, errors, the declaration) match the app's own strings.
package org.peerlog.app

import androidx.appcompat.app.AppCompatDelegate
import androidx.core.os.LocaleListCompat
import org.peerlog.core.PeerlogClient
import uniffi.peerlog_core.Locale

object CoreLocale {
    /**
     * The language the app shows now: the per-app choice, else the phone's list of preferred
     * languages — mapped by the core's rule (`appLocale`), the same as on iOS.
     */
    fun current(): Locale {
        val chosen = AppCompatDelegate.getApplicationLocales()
        val list = if (chosen.isEmpty) LocaleListCompat.getDefault() else chosen
        val tags = (0 until list.size()).mapNotNull { list[it]?.toLanguageTag() }
        return PeerlogClient.appLocale(tags)
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
