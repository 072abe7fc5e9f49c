// The receipt camera inside the app: CameraX preview + ImageCapture, the photo taken into
// memory (OnImageCapturedCallback), turned upright, scaled to about PHOTO_EDGE pixels and
// compressed to JPEG in memory, then handed to the expense editor (and from there to the core,
// which stores it encrypted). No file is written at any point, and no other camera app is
// involved: a camera app may keep its own copy of a photo in the gallery, and a receipt can
// tell where a peer was. The app stays in front, so the app lock needs no expectReturn().
package org.peerlog.app.ui

import android.graphics.Bitmap
import android.graphics.Matrix
import android.util.Size
import androidx.activity.compose.BackHandler
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.core.ImageProxy
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import java.io.ByteArrayOutputStream
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicBoolean
import org.peerlog.app.R
import uniffi.peerlog_core.Receipt

/** The type of the receipt handed to the core. */
const val RECEIPT_MIME = "image/jpeg"

/** A receipt photo is kept at about this many pixels on its long side: readable, small. */
const val PHOTO_EDGE = 1600

/**
 * Where captured frames are turned into JPEG. One thread for the process, never shut down:
 * a capture still running when the camera screen closes must find its executor alive.
 */
private val captureWorker: ExecutorService by lazy { Executors.newSingleThreadExecutor() }

/**
 * Full-screen camera for a receipt. [onPhoto] is called once, on the main thread, with the
 * photo as JPEG bytes in memory; [onClose] when the peer leaves without one. The caller has
 * the camera permission already.
 */
@Composable
fun ReceiptCamera(onPhoto: (Receipt) -> Unit, onClose: () -> Unit, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    val currentOnPhoto by rememberUpdatedState(onPhoto)
    var failed by remember { mutableStateOf(false) }
    var captureFailed by remember { mutableStateOf(false) }
    var capturing by remember { mutableStateOf(false) }
    // The use case lives as long as this screen; the shutter button uses it.
    val imageCapture = remember {
        ImageCapture.Builder()
            .setCaptureMode(ImageCapture.CAPTURE_MODE_MINIMIZE_LATENCY)
            // About the size that is kept: no 50-megapixel frame in memory for a receipt.
            .setResolutionSelector(
                ResolutionSelector.Builder()
                    .setResolutionStrategy(
                        ResolutionStrategy(
                            Size(PHOTO_EDGE * 4 / 3, PHOTO_EDGE),
                            ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER,
                        ),
                    )
                    .build(),
            )
            .build()
    }
    // Set when the screen goes away: a photo that arrives later is dropped, not attached.
    val closed = remember { AtomicBoolean(false) }
    BackHandler(onBack = onClose)

    DisposableEffect(Unit) { onDispose { closed.set(true) } }

    fun shoot() {
        if (capturing) return
        capturing = true
        captureFailed = false
        val main = ContextCompat.getMainExecutor(context)
        imageCapture.takePicture(
            captureWorker,
            object : ImageCapture.OnImageCapturedCallback() {
                override fun onCaptureSuccess(image: ImageProxy) {
                    // On the worker thread: the bytes never leave memory.
                    val jpeg = try {
                        uprightJpeg(image)
                    } finally {
                        image.close()
                    }
                    main.execute {
                        capturing = false
                        when {
                            closed.get() -> {}
                            jpeg != null -> currentOnPhoto(Receipt(RECEIPT_MIME, jpeg))
                            else -> captureFailed = true
                        }
                    }
                }

                override fun onError(exception: ImageCaptureException) {
                    main.execute {
                        capturing = false
                        captureFailed = true
                    }
                }
            },
        )
    }

    CameraScreen(imageCapture, PreviewView.ScaleType.FIT_CENTER, onFailed = { failed = true }, modifier) {
        val hint = when {
            failed -> R.string.scan_camera_failed
            captureFailed -> R.string.receipt_camera_failed
            else -> R.string.receipt_camera_hint
        }
        Text(stringResource(hint), color = Color.White, textAlign = TextAlign.Center)
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
            OutlinedButton(onClick = onClose) { Text(stringResource(R.string.action_cancel), color = Color.White) }
            if (capturing) {
                CircularProgressIndicator()
            } else {
                Button(onClick = ::shoot, enabled = !failed) { Text(stringResource(R.string.receipt_camera_shoot)) }
            }
        }
    }
}

/**
 * The captured frame turned upright (the sensor's rotation, [ImageProxy.getImageInfo]'s
 * rotationDegrees) and scaled so its long side is at most [PHOTO_EDGE], as JPEG bytes; null
 * when it cannot be decoded.
 */
private fun uprightJpeg(image: ImageProxy): ByteArray? = try {
    val bitmap = image.toBitmap()
    val degrees = image.imageInfo.rotationDegrees
    val long = maxOf(bitmap.width, bitmap.height)
    val scale = if (long > PHOTO_EDGE) PHOTO_EDGE.toFloat() / long else 1f
    val matrix = Matrix().apply {
        postScale(scale, scale)
        postRotate(degrees.toFloat())
    }
    val upright = if (scale == 1f && degrees == 0) {
        bitmap
    } else {
        Bitmap.createBitmap(bitmap, 0, 0, bitmap.width, bitmap.height, matrix, true)
    }
    val bytes = ByteArrayOutputStream().also { upright.compress(Bitmap.CompressFormat.JPEG, 85, it) }.toByteArray()
    if (upright !== bitmap) upright.recycle()
    bitmap.recycle()
    bytes
} catch (e: Exception) {
    null
} catch (e: OutOfMemoryError) {
    null
}
