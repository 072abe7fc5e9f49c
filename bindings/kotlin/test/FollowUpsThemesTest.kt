// The contact form's follow-up date and themes question and the follow-ups list on the JVM:
// the plain-Kotlin helpers (sections, ticking a theme, when to ask for the notification
// permission) and the client over the real core (the question hidden and themes refused
// until the chapter asks, the follow-up date checked before saving, the list split by the
// core's status, an edit keeping a contact's themes).
package no.peerlog.core.test

import java.nio.file.Files
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.peerlog.core.NotificationPermission
import org.peerlog.core.PeerlogClient
import org.peerlog.core.code
import org.peerlog.core.followUpDate
import org.peerlog.core.sections
import org.peerlog.core.toInput
import org.peerlog.core.withTheme
import uniffi.peerlog_core.ContactInput
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.FollowUp
import uniffi.peerlog_core.FollowUpStatus
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.recoveryThemes

private suspend fun signedClient(prefix: String): PeerlogClient {
    val home = Files.createTempDirectory(prefix).toFile()
    val secrets = JvmFileSecretStore(Files.createTempDirectory("$prefix-secrets").toFile())
    val client = PeerlogClient.open(home.absolutePath, secrets, null)
    client.init("Kari Nordmann", "no-bufdir-2020", Locale.EN)
    client.signDeclaration("Kari Nordmann", true, null)
    return client
}

class FollowUpsThemesTest {
    @Test
    fun followUpsAreSplitByTheCoresStatusInItsOrder() {
        fun f(id: String, status: FollowUpStatus) =
            FollowUp(id, "2026-03-0${id.last()}", status, "2026-03-01", ContactKind.PHONE)
        val s = listOf(
            f("a1", FollowUpStatus.DUE),
            f("b2", FollowUpStatus.UPCOMING),
            f("c3", FollowUpStatus.DUE),
        ).sections()
        assertEquals(listOf("a1", "c3"), s.due.map { it.contactId })
        assertEquals(listOf("b2"), s.upcoming.map { it.contactId })
    }

    @Test
    fun tickingAThemeAddsItOnceAndUntickingRemovesIt() {
        val none = emptyList<String>()
        assertEquals(listOf("hope"), none.withTheme("hope", true))
        assertEquals(listOf("hope"), listOf("hope").withTheme("hope", true))
        assertEquals(listOf("hope", "meaning"), listOf("hope").withTheme("meaning", true))
        assertEquals(listOf("meaning"), listOf("hope", "meaning").withTheme("hope", false))
        assertEquals(none, none.withTheme("hope", false))
        assertNull(followUpDate("  "))
        assertEquals("2026-03-01", followUpDate(" 2026-03-01 "))
    }

    @Test
    fun notificationPermissionIsAskedOnceOnAndroid13AndLaterWhenAFollowUpIsSet() {
        assertTrue(NotificationPermission.shouldAsk(33, granted = false, askedBefore = false, settingFollowUp = true))
        assertTrue(NotificationPermission.shouldAsk(35, granted = false, askedBefore = false, settingFollowUp = true))
        assertFalse(NotificationPermission.shouldAsk(32, granted = false, askedBefore = false, settingFollowUp = true))
        assertFalse(NotificationPermission.shouldAsk(34, granted = true, askedBefore = false, settingFollowUp = true))
        assertFalse(NotificationPermission.shouldAsk(34, granted = false, askedBefore = true, settingFollowUp = true))
        assertFalse(NotificationPermission.shouldAsk(34, granted = false, askedBefore = false, settingFollowUp = false))
    }

    @Test
    fun theThemesQuestionIsTheCoresAndHiddenUntilTheChapterAsks() = runBlocking<Unit> {
        val client = signedClient("themes")
        val q = client.themesQuestion()
        assertFalse(q.shown)
        assertEquals(
            listOf("connectedness", "hope", "identity", "meaning", "empowerment"),
            q.themes.map { it.id },
        )
        assertTrue(q.themes.all { it.name.isNotBlank() && it.explanation.isNotBlank() })
        assertEquals("Håp og optimisme", recoveryThemes(Locale.NB)[1].name)
        val today = LocalDate.now().toString()
        val withThemes = ContactInput(date = today, minutes = 20u, kind = ContactKind.PHONE, who = uniffi.peerlog_core.Who.TARGET_GROUP, themes = listOf("hope"))
        val e = assertFailsWith<PeerlogException.Refused> { client.addContact(withThemes) }
        assertEquals("themes_off", e.code)
        assertTrue(client.listContacts(null, null).isEmpty())
        // An edit form starts from the contact as it is: its themes come along.
        val saved = client.addContact(withThemes.copy(themes = emptyList()))
        assertEquals(listOf("hope"), saved.copy(themes = listOf("hope")).toInput().themes)
        client.close()
    }

    @Test
    fun aFollowUpDateIsCheckedSetListedAndDone() = runBlocking<Unit> {
        val client = signedClient("followups")
        val today = LocalDate.now()
        val input = ContactInput(date = today.toString(), minutes = 30u, kind = ContactKind.VISIT, who = uniffi.peerlog_core.Who.TARGET_GROUP)
        val bad = assertFailsWith<PeerlogException.Invalid> {
            client.validateFollowUp(today.minusDays(1).toString(), today.toString())
        }
        assertEquals("follow_up", bad.fields.single().field)
        val a = client.addContact(input)
        val b = client.addContact(input.copy(kind = ContactKind.PHONE, minutes = 10u))
        client.setFollowUp(a.id, today.plusDays(7).toString())
        client.setFollowUp(b.id, today.toString())
        val s = client.listFollowUps().sections()
        assertEquals(listOf(b.id), s.due.map { it.contactId })
        assertEquals(listOf(a.id), s.upcoming.map { it.contactId })
        client.followUpDone(b.id)
        assertTrue(client.listFollowUps().sections().due.isEmpty())
        client.close()
    }
}
