package org.peerlog.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import org.peerlog.app.ui.PeerlogRoot
import org.peerlog.app.ui.PeerlogTheme

// AppCompatActivity (a FragmentActivity): per-app language before Android 13 and the
// BiometricPrompt used before showing the recovery code.
class MainActivity : AppCompatActivity() {
    private val model: AppViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        if (savedInstanceState == null) model.offerInvitation(intent)
        setContent {
            PeerlogTheme {
                PeerlogRoot(model)
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        model.offerInvitation(intent)
    }
}
