// Top level: the screen the core's state asks for, then the main tabs.
package org.peerlog.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.peerlog.app.AppViewModel
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import org.peerlog.app.Screen

private enum class Tab { HOME, LOG, HISTORY, REPORT, SETTINGS }

@Composable
fun PeerlogRoot(model: AppViewModel) {
    val screen by model.screen.collectAsStateWithLifecycle()
    val error by model.error.collectAsStateWithLifecycle()

    when (val s = screen) {
        Screen.Loading -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
            CircularProgressIndicator()
        }
        is Screen.Onboarding -> OnboardingScreen(s, model)
        is Screen.RecoveryCode -> RecoveryCodeScreen(s.code, s.advice, onDone = model::recoveryCodeNoted)
        is Screen.Declaration -> DeclarationScreen(s, model)
        Screen.Main -> MainTabs(model)
    }

    error?.let { message ->
        AlertDialog(
            onDismissRequest = model::dismissError,
            confirmButton = {
                TextButton(onClick = model::dismissError) { Text(stringResource(R.string.action_ok)) }
            },
            text = { Text(message) },
        )
    }
}

@Composable
private fun MainTabs(model: AppViewModel) {
    var tab by rememberSaveable { mutableStateOf(Tab.HOME) }
    // Expenses open from Home, as a screen of the Home tab: back (or Home again) returns.
    var expensesOpen by rememberSaveable { mutableStateOf(false) }
    // "I need to talk" opens from Home the same way.
    var talkOpen by rememberSaveable { mutableStateOf(false) }
    // And the follow-ups list.
    var followUpsOpen by rememberSaveable { mutableStateOf(false) }
    Scaffold(
        bottomBar = {
            NavigationBar {
                NavigationBarItem(
                    selected = tab == Tab.HOME,
                    onClick = {
                        if (tab == Tab.HOME) {
                            expensesOpen = false
                            talkOpen = false
                            followUpsOpen = false
                        }
                        tab = Tab.HOME
                    },
                    icon = { Icon(Icons.Filled.Home, contentDescription = null) },
                    label = { Text(stringResource(R.string.nav_home)) },
                )
                NavigationBarItem(
                    selected = tab == Tab.LOG, onClick = { tab = Tab.LOG },
                    icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                    label = { Text(stringResource(R.string.nav_log)) },
                )
                NavigationBarItem(
                    selected = tab == Tab.HISTORY, onClick = { tab = Tab.HISTORY },
                    icon = { Icon(Icons.AutoMirrored.Filled.List, contentDescription = null) },
                    label = { Text(stringResource(R.string.nav_history)) },
                )
                NavigationBarItem(
                    selected = tab == Tab.REPORT, onClick = { tab = Tab.REPORT },
                    icon = { Icon(Icons.Filled.DateRange, contentDescription = null) },
                    label = { Text(stringResource(R.string.nav_report)) },
                )
                NavigationBarItem(
                    selected = tab == Tab.SETTINGS, onClick = { tab = Tab.SETTINGS },
                    icon = { Icon(Icons.Filled.Settings, contentDescription = null) },
                    label = { Text(stringResource(R.string.nav_settings)) },
                )
            }
        },
    ) { padding ->
        val modifier = Modifier.padding(padding)
        when (tab) {
            Tab.HOME -> when {
                expensesOpen -> ExpensesScreen(model, modifier, onBack = { expensesOpen = false })
                followUpsOpen -> FollowUpsScreen(model, modifier, onBack = { followUpsOpen = false })
                talkOpen -> {
                    val locale = CoreLocale.current()
                    Column(modifier) {
                        SubScreenBar(model.client.debriefTexts(locale).title, onBack = { talkOpen = false })
                        DebriefScreen(model, locale, Modifier)
                    }
                }
                else -> HomeScreen(
                    model, modifier,
                    onLogContact = { tab = Tab.LOG },
                    onExpenses = { expensesOpen = true },
                    onTalk = { talkOpen = true },
                    onFollowUps = { followUpsOpen = true },
                )
            }
            Tab.LOG -> LogContactScreen(model, modifier, onSaved = { tab = Tab.HOME })
            Tab.HISTORY -> HistoryScreen(model, modifier)
            Tab.REPORT -> ReportScreen(model, modifier)
            Tab.SETTINGS -> SettingsScreen(model, modifier)
        }
    }
}
