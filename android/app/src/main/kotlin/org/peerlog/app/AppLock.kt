// The optional app lock (Settings → "Lock the app"): when it is on, every screen is hidden
// behind a lock screen on a cold start and each time the app comes back from the background,
// until the owner authenticates with a biometric or the phone's PIN/pattern/password
// (androidx.biometric `BiometricPrompt`). The same prompt guards the recovery code and
// erasing the device in Settings (`AppLock.authenticate`).
//
// It is a gate in front of the UI, not encryption: the core's keys are not bound to it (the
// Keystore key has no user-authentication requirement, so background sync keeps working while
// the phone is locked; see KeystoreSecretStore).
//
// Launching another app's activity (a document picker, the share sheet, the phone's
// settings; the receipt camera is inside the app and needs none of this) sends Peerlog to the background too. So that coming back
// from it does not ask for the PIN again, call `AppLock.expectReturn()` right before the
// launch:
//
//     AppLock.expectReturn()
//     pickBackup.launch(arrayOf("*/*"))
//
// The expectation is used up by the next time the app goes to the background (if that
// happens within EXPECT_WINDOW_MS of the call), or cleared when the activity resumes; an
// "expected" trip that lasts longer than MAX_EXPECTED_AWAY_MS locks anyway.
//
// FLAG_SECURE: while the lock is on, the window is marked secure, so the recent-apps
// thumbnail shows no data (and screenshots and screen recording of Peerlog are blocked — a
// peer who wants the lock wants the confidential data kept off the screen elsewhere too).
// With the lock off, the window is not secure.
package org.peerlog.app

import android.app.Application
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.ContextWrapper
import android.content.Intent
import android.content.SharedPreferences
import android.os.Build
import android.os.SystemClock
import android.provider.Settings
import android.view.WindowManager
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_WEAK
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveableStateHolder
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.compose.LocalLifecycleOwner
import kotlin.coroutines.resume
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine

/** What came of one [AppLock.authenticate]. */
sealed interface AuthResult {
    data object Success : AuthResult

    /** The owner closed the prompt: nothing to say. */
    data object Cancelled : AuthResult

    /** The phone has no PIN, pattern, password or biometric: set one up first. */
    data object NoScreenLock : AuthResult

    /** Any other failure (too many attempts, ...), in the system's words. */
    data class Failed(val message: String) : AuthResult
}

/** The text to show for [result], or null when there is nothing to say. */
fun authMessage(context: Context, result: AuthResult): String? = when (result) {
    AuthResult.Success, AuthResult.Cancelled -> null
    AuthResult.NoScreenLock -> context.getString(R.string.lock_no_screen_lock)
    is AuthResult.Failed -> result.message
}

object AppLock {
    private const val PREFS = "peerlog_app_lock"
    private const val KEY_ENABLED = "enabled"

    /** An [expectReturn] counts only if the app goes to the background this soon after it. */
    private const val EXPECT_WINDOW_MS = 10_000L

    /** An expected trip (picker, share sheet) longer than this locks anyway. */
    private const val MAX_EXPECTED_AWAY_MS = 10 * 60_000L

    private var prefs: SharedPreferences? = null
    private val _enabled = MutableStateFlow(false)
    private val _locked = MutableStateFlow(false)

    /** Whether the peer turned the lock on (persisted). */
    val enabled: StateFlow<Boolean> = _enabled.asStateFlow()

    /** Whether the screens are hidden now (only ever true while [enabled]). */
    val locked: StateFlow<Boolean> = _locked.asStateFlow()

    // Main thread only (lifecycle callbacks and UI).
    private var expectedAt = 0L
    private var awayExpected = false
    private var awaySince = 0L
    private var autoPromptedFor = -1
    private var lockCount = 0

    /** From `Application.onCreate`: reads the setting and watches the app's foreground. */
    fun install(app: Application) {
        val p = app.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        prefs = p
        val on = p.getBoolean(KEY_ENABLED, false)
        _enabled.value = on
        if (on) lock() // a cold start is locked
        ProcessLifecycleOwner.get().lifecycle.addObserver(processObserver)
    }

    /**
     * Call right before launching another app's activity (document picker, share sheet,
     * settings) so that coming back from it does not lock the app.
     */
    fun expectReturn() {
        expectedAt = SystemClock.elapsedRealtime()
    }

    /** From the activity's `onCreate`: a resumed activity ends any pending expectation. */
    fun attach(activity: FragmentActivity) {
        activity.lifecycle.addObserver(object : DefaultLifecycleObserver {
            override fun onResume(owner: LifecycleOwner) {
                expectedAt = 0L
            }
        })
    }

    private val processObserver = object : DefaultLifecycleObserver {
        // The whole app went to the background (not a rotation: ProcessLifecycleOwner).
        override fun onStop(owner: LifecycleOwner) {
            val now = SystemClock.elapsedRealtime()
            if (expectedAt != 0L && now - expectedAt <= EXPECT_WINDOW_MS) {
                awayExpected = true
                awaySince = now
            } else {
                lock()
            }
            expectedAt = 0L
        }

        override fun onStart(owner: LifecycleOwner) {
            if (awayExpected && SystemClock.elapsedRealtime() - awaySince > MAX_EXPECTED_AWAY_MS) lock()
            awayExpected = false
        }
    }

    private fun lock() {
        if (_enabled.value && !_locked.value) {
            lockCount++
            _locked.value = true
        }
    }

    /** True once per lock: the lock screen asks by itself the first time it is resumed. */
    internal fun takeAutoPrompt(): Boolean {
        if (autoPromptedFor == lockCount) return false
        autoPromptedFor = lockCount
        return true
    }

    /** Asks for authentication and opens the app on success. */
    suspend fun unlock(activity: FragmentActivity): AuthResult {
        val result = authenticate(activity, activity.getString(R.string.lock_prompt_title))
        if (result == AuthResult.Success) _locked.value = false
        return result
    }

    /** Turns the lock on after one successful authentication (so the owner can open it). */
    suspend fun enable(activity: FragmentActivity): AuthResult {
        val result = authenticate(activity, activity.getString(R.string.settings_app_lock_prompt))
        if (result == AuthResult.Success) {
            prefs?.edit()?.putBoolean(KEY_ENABLED, true)?.apply()
            _enabled.value = true
            _locked.value = false
        }
        return result
    }

    /** Turns the lock off (from the unlocked app, or when the device is erased). */
    fun disable() {
        prefs?.edit()?.putBoolean(KEY_ENABLED, false)?.apply()
        _enabled.value = false
        _locked.value = false
    }

    /**
     * The phone's own authentication: a class 3 (strong) biometric or the device credential
     * (PIN, pattern, password), so it works on phones without a fingerprint reader. On
     * Android 9 and 10, "strong biometric or credential" is not a supported combination, so
     * there it is "biometric or credential".
     */
    private val authenticators: Int
        get() = if (Build.VERSION.SDK_INT == Build.VERSION_CODES.P || Build.VERSION.SDK_INT == Build.VERSION_CODES.Q) {
            BIOMETRIC_WEAK or DEVICE_CREDENTIAL
        } else {
            BIOMETRIC_STRONG or DEVICE_CREDENTIAL
        }

    /** Shows the system prompt titled [title] and waits for its outcome. Main thread. */
    suspend fun authenticate(activity: FragmentActivity, title: String): AuthResult {
        if (BiometricManager.from(activity).canAuthenticate(authenticators) ==
            BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED
        ) {
            return AuthResult.NoScreenLock
        }
        return suspendCancellableCoroutine { cont ->
            val main = ContextCompat.getMainExecutor(activity)
            val prompt = BiometricPrompt(
                activity,
                main,
                object : BiometricPrompt.AuthenticationCallback() {
                    override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                        expectedAt = 0L
                        if (cont.isActive) cont.resume(AuthResult.Success)
                    }

                    override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                        // E.g. the prompt was cancelled because the peer left the app: that
                        // trip was not expected, so it locks.
                        expectedAt = 0L
                        val outcome = when (errorCode) {
                            BiometricPrompt.ERROR_USER_CANCELED,
                            BiometricPrompt.ERROR_NEGATIVE_BUTTON,
                            BiometricPrompt.ERROR_CANCELED,
                            -> AuthResult.Cancelled
                            BiometricPrompt.ERROR_NO_DEVICE_CREDENTIAL,
                            BiometricPrompt.ERROR_NO_BIOMETRICS,
                            -> AuthResult.NoScreenLock
                            else -> AuthResult.Failed(errString.toString())
                        }
                        if (cont.isActive) cont.resume(outcome)
                    }
                    // onAuthenticationFailed: one rejected attempt; the prompt stays up.
                },
            )
            cont.invokeOnCancellation { main.execute { prompt.cancelAuthentication() } }
            // Before Android 11 the PIN screen may be an activity of the system: coming back
            // from it must not lock the app again. (From Android 11 the prompt is a system
            // dialog over the app, which stays in the foreground.)
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.R) expectReturn()
            // No negative button: it is not allowed together with DEVICE_CREDENTIAL.
            prompt.authenticate(
                BiometricPrompt.PromptInfo.Builder()
                    .setTitle(title)
                    .setAllowedAuthenticators(authenticators)
                    .build(),
            )
        }
    }
}

/** The activity behind a Compose context (which may be wrapped, e.g. for the locale). */
fun Context.findActivity(): FragmentActivity {
    var c: Context = this
    while (c is ContextWrapper) {
        if (c is FragmentActivity) return c
        c = c.baseContext
    }
    error("not in a FragmentActivity")
}

/**
 * The lock in front of [content]. While locked, the content leaves the composition (no data
 * on screen, none for accessibility services, no camera running); its saveable state is kept
 * for when the peer comes back. Also keeps FLAG_SECURE in step with the setting.
 */
@Composable
fun AppLockGate(content: @Composable () -> Unit) {
    // Collected even while stopped, so the lock is in place before the first frame back.
    val enabled by AppLock.enabled.collectAsState()
    val locked by AppLock.locked.collectAsState()
    val activity = LocalContext.current.findActivity()

    DisposableEffect(enabled) {
        if (enabled) {
            activity.window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        } else {
            activity.window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
        onDispose { }
    }

    val holder = rememberSaveableStateHolder()
    if (enabled && locked) {
        LockScreen(activity)
    } else {
        holder.SaveableStateProvider("content") { content() }
    }
}

@Composable
private fun LockScreen(activity: FragmentActivity) {
    val scope = rememberCoroutineScope()
    var message by remember { mutableStateOf<String?>(null) }
    var noScreenLock by remember { mutableStateOf(false) }
    val lifecycle = LocalLifecycleOwner.current.lifecycle
    val state by lifecycle.currentStateFlow.collectAsState()

    fun unlock() {
        scope.launch {
            val result = AppLock.unlock(activity)
            noScreenLock = result == AuthResult.NoScreenLock
            message = authMessage(activity, result)
        }
    }

    // Ask by itself once per lock, when the activity is in front (a cancelled prompt is not
    // shown again by itself: the button is there).
    val resumed = state.isAtLeast(Lifecycle.State.RESUMED)
    LaunchedEffect(resumed) {
        if (resumed && AppLock.takeAutoPrompt()) unlock()
    }

    Surface(Modifier.fillMaxSize()) {
        Column(
            Modifier.fillMaxSize().safeDrawingPadding().padding(32.dp),
            verticalArrangement = Arrangement.spacedBy(20.dp, Alignment.CenterVertically),
            horizontalAlignment = Alignment.CenterHorizontally,
        ) {
            Icon(Icons.Filled.Lock, contentDescription = null, modifier = Modifier.size(48.dp))
            Text(stringResource(R.string.lock_title), style = MaterialTheme.typography.headlineSmall)
            message?.let {
                Text(it, color = MaterialTheme.colorScheme.error, textAlign = TextAlign.Center)
            }
            Button(onClick = { unlock() }) { Text(stringResource(R.string.lock_unlock)) }
            if (noScreenLock) {
                OutlinedButton(onClick = {
                    AppLock.expectReturn()
                    try {
                        activity.startActivity(Intent(Settings.ACTION_SECURITY_SETTINGS))
                    } catch (e: ActivityNotFoundException) {
                        // A phone without that settings screen: the message says what to do.
                    }
                }) { Text(stringResource(R.string.lock_open_security_settings)) }
            }
        }
    }
}

/** Settings: the lock switch and what it does. Turning it on asks for authentication once. */
@Composable
fun AppLockSetting() {
    val enabled by AppLock.enabled.collectAsStateWithLifecycle()
    val activity = LocalContext.current.findActivity()
    val scope = rememberCoroutineScope()
    var message by remember { mutableStateOf<String?>(null) }

    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
            Text(
                stringResource(R.string.settings_app_lock),
                style = MaterialTheme.typography.titleSmall,
                modifier = Modifier.weight(1f),
            )
            Switch(
                checked = enabled,
                onCheckedChange = { on ->
                    message = null
                    if (on) {
                        scope.launch { message = authMessage(activity, AppLock.enable(activity)) }
                    } else {
                        AppLock.disable()
                    }
                },
            )
        }
        Text(stringResource(R.string.settings_app_lock_body), style = MaterialTheme.typography.bodySmall)
        message?.let { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
    }
}
