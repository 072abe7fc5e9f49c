// The in-app QR scanner for the coordinator's invitation: CameraX preview + ZXing decoding in
// an ImageAnalysis analyzer (no Google Play services: peers may use de-googled phones). The
// camera permission is asked for when the peer taps "Scan", after a short explanation. The
// decoded text is handed over as it is: what it means is the core's business (it checks the
// invitation when the peer joins).
package org.peerlog.app.ui

import android.Manifest
import android.content.ActivityNotFoundException
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.provider.Settings
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.window.Dialog
import androidx.compose.ui.window.DialogProperties
import androidx.core.content.ContextCompat
import com.google.zxing.BinaryBitmap
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.ReaderException
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicBoolean
import org.peerlog.app.AppLock
import org.peerlog.app.R

/**
 * "Scan QR code": explains why the camera is needed, asks for the permission, then shows the
 * scanner full screen and calls [onScanned] with the first QR code's text. Shown only on
 * phones with a camera.
 */
@Composable
fun ScanQrButton(onScanned: (String) -> Unit, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    if (!context.packageManager.hasSystemFeature(PackageManager.FEATURE_CAMERA_ANY)) return

    var scanning by rememberSaveable { mutableStateOf(false) }
    var rationale by rememberSaveable { mutableStateOf(false) }
    var denied by rememberSaveable { mutableStateOf(false) }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) scanning = true else denied = true
    }
    OutlinedButton(
        onClick = {
            denied = false
            if (hasCameraPermission(context)) scanning = true else rationale = true
        },
        modifier = modifier,
    ) { Text(stringResource(R.string.scan_qr)) }

    if (denied) {
        Column {
            Text(stringResource(R.string.scan_denied), style = MaterialTheme.typography.bodySmall)
            TextButton(onClick = {
                AppLock.expectReturn()
                try {
                    context.startActivity(
                        Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", context.packageName, null)),
                    )
                } catch (e: ActivityNotFoundException) {
                    // A phone without that settings screen: the text says what to do.
                }
            }) { Text(stringResource(R.string.scan_open_settings)) }
        }
    }

    if (rationale) {
        ConfirmDialog(
            stringResource(R.string.scan_rationale),
            stringResource(R.string.scan_continue),
            // The permission dialog floats over the app, which stays in front: no
            // AppLock.expectReturn() needed.
            onConfirm = { permission.launch(Manifest.permission.CAMERA) },
            onDismiss = { rationale = false },
        )
    }

    if (scanning) {
        Dialog(
            onDismissRequest = { scanning = false },
            properties = DialogProperties(usePlatformDefaultWidth = false),
        ) {
            QrScanner(
                onCode = { text ->
                    scanning = false
                    onScanned(text)
                },
                onClose = { scanning = false },
            )
        }
    }
}

/** The camera preview; [onCode] is called once, on the main thread, with the first QR text. */
@Composable
fun QrScanner(onCode: (String) -> Unit, onClose: () -> Unit, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    val currentOnCode by rememberUpdatedState(onCode)
    var failed by remember { mutableStateOf(false) }
    val analysis = remember {
        ImageAnalysis.Builder()
            .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
            .build()
    }
    BackHandler(onBack = onClose)

    DisposableEffect(analysis) {
        val analysisThread = Executors.newSingleThreadExecutor()
        val main = ContextCompat.getMainExecutor(context)
        val delivered = AtomicBoolean(false)
        analysis.setAnalyzer(
            analysisThread,
            QrCodeAnalyzer { text ->
                if (delivered.compareAndSet(false, true)) main.execute { currentOnCode(text) }
            },
        )
        onDispose {
            analysis.clearAnalyzer()
            analysisThread.shutdown()
        }
    }

    CameraScreen(analysis, PreviewView.ScaleType.FILL_CENTER, onFailed = { failed = true }, modifier) {
        Text(
            stringResource(if (failed) R.string.scan_camera_failed else R.string.scan_hint),
            color = Color.White,
            textAlign = TextAlign.Center,
        )
        Button(onClick = onClose) { Text(stringResource(R.string.scan_close)) }
    }
}

/**
 * Looks for a QR code in each camera frame's luminance (the Y plane of YUV_420_888, which
 * is what ImageAnalysis delivers by default). QR codes decode in any orientation, so the
 * frame's rotation does not matter.
 */
private class QrCodeAnalyzer(private val onText: (String) -> Unit) : ImageAnalysis.Analyzer {
    private val reader = QRCodeReader()

    override fun analyze(image: ImageProxy) {
        try {
            val plane = image.planes[0]
            val buffer = plane.buffer
            val luminance = ByteArray(buffer.remaining()).also { buffer.get(it) }
            val source = PlanarYUVLuminanceSource(
                luminance, plane.rowStride, image.height, 0, 0, image.width, image.height, false,
            )
            val text = reader.decode(BinaryBitmap(HybridBinarizer(source))).text?.trim()
            if (!text.isNullOrEmpty()) onText(text)
        } catch (e: ReaderException) {
            // No readable QR code in this frame.
        } finally {
            reader.reset()
            image.close()
        }
    }
}
