package org.peerlog.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import org.peerlog.app.ui.PeerlogRoot
import org.peerlog.app.ui.PeerlogTheme

// AppCompatActivity (a FragmentActivity): per-app language before Android 13, and the
// BiometricPrompt of the app lock (AppLock.kt), which also guards the recovery code. Every
// screen is behind AppLockGate.
class MainActivity : AppCompatActivity() {
    private val model: AppViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        AppLock.attach(this)
        if (savedInstanceState == null) model.offerInvitation(intent)
        model.followLanguage()
        setContent {
            PeerlogTheme {
                AppLockGate {
                    PeerlogRoot(model)
                }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        model.offerInvitation(intent)
    }
}
