// What both in-app cameras share (the invitation QR scanner, the receipt camera): the
// camera-permission check, and a full-screen CameraX preview of the back camera (the front one
// on a phone without) bound to the screen's lifecycle together with the screen's own use case
// (ImageAnalysis, ImageCapture), unbound when the screen leaves, with the screen's controls on
// a dark band at the bottom.
package org.peerlog.app.ui

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import androidx.camera.core.CameraSelector
import androidx.camera.core.Preview
import androidx.camera.core.UseCase
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner

fun hasCameraPermission(context: Context): Boolean =
    ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED

/**
 * The preview with [useCase] (remembered by the caller, so it lives as long as the screen)
 * bound to the screen's lifecycle; [onFailed] on the main thread when no camera can be used
 * (none, or in use by another app). [controls] are laid out on the band at the bottom.
 */
@Composable
fun CameraScreen(
    useCase: UseCase,
    scaleType: PreviewView.ScaleType,
    onFailed: () -> Unit,
    modifier: Modifier = Modifier,
    controls: @Composable ColumnScope.() -> Unit,
) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val currentOnFailed by rememberUpdatedState(onFailed)
    val previewView = remember {
        PreviewView(context).apply {
            // A TextureView: behaves inside Compose (dialogs, animations).
            implementationMode = PreviewView.ImplementationMode.COMPATIBLE
            this.scaleType = scaleType
        }
    }

    DisposableEffect(lifecycleOwner, useCase) {
        val main = ContextCompat.getMainExecutor(context)
        val preview = Preview.Builder().build()
        var provider: ProcessCameraProvider? = null
        var disposed = false
        val future = ProcessCameraProvider.getInstance(context)
        future.addListener({
            if (disposed) return@addListener
            try {
                val p = future.get()
                provider = p
                val camera = if (p.hasCamera(CameraSelector.DEFAULT_BACK_CAMERA)) {
                    CameraSelector.DEFAULT_BACK_CAMERA
                } else {
                    CameraSelector.DEFAULT_FRONT_CAMERA
                }
                preview.setSurfaceProvider(previewView.surfaceProvider)
                p.bindToLifecycle(lifecycleOwner, camera, preview, useCase)
            } catch (e: Exception) {
                // No usable camera, or it is in use by another app.
                currentOnFailed()
            }
        }, main)
        onDispose {
            disposed = true
            provider?.unbind(preview, useCase)
        }
    }

    Box(modifier.fillMaxSize().background(Color.Black)) {
        AndroidView(factory = { previewView }, modifier = Modifier.fillMaxSize())
        Column(
            Modifier.align(Alignment.BottomCenter).fillMaxWidth().safeDrawingPadding()
                .background(Color.Black.copy(alpha = 0.6f)).padding(16.dp),
            horizontalAlignment = Alignment.CenterHorizontally,
            verticalArrangement = Arrangement.spacedBy(12.dp),
            content = controls,
        )
    }
}
