// Expenses: the peer's claims with the core's status, and a draft editor — kind as chips,
// the core's defaults (its kind, today), what the peer may do per status from the core, km for car travel or an amount otherwise, a description, a camera photo
// of the receipt — then submit to the coordinator, or delete a draft. The core reads and
// shows every amount (parseAmount / formatAmount), computes travel from the organisation's
// rate, checks every field and words every error; this screen only lays them out.
//
// The receipt photo is taken inside the app (ReceiptCamera: CameraX ImageCapture into
// memory), made upright, scaled and compressed to JPEG in memory, and handed to the core,
// which stores it encrypted. It is never written to disk, and no other camera app (which might
// keep its own copy in the gallery) sees it.
package org.peerlog.app.ui

import android.Manifest
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Dialog
import androidx.compose.ui.window.DialogProperties
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.peerlog.app.AppViewModel
import org.peerlog.app.CoreLocale
import org.peerlog.app.R
import org.peerlog.core.label
import uniffi.peerlog_core.Expense
import uniffi.peerlog_core.ExpenseFormEntry
import uniffi.peerlog_core.ExpenseInput
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.FieldError
import uniffi.peerlog_core.Locale
import uniffi.peerlog_core.PeerlogException
import uniffi.peerlog_core.ProfileInfo
import uniffi.peerlog_core.Receipt
import uniffi.peerlog_core.Vocabulary
import uniffi.peerlog_core.formatAmount

private const val THUMBNAIL_EDGE = 512

/**
 * The expense being written or looked at. A ViewModel, so the form and a photo just taken
 * survive a rotation.
 */
class ExpenseEditor : ViewModel() {
    /** False: the list is shown. */
    var open by mutableStateOf(false)
        private set

    /** The stored expense being edited or looked at; null for a new one not saved yet. */
    var expense by mutableStateOf<Expense?>(null)
        private set

    /**
     * The input the form started from (the core's defaults, or the stored expense): the core
     * keeps from it what the form does not show — the linked contacts.
     */
    var base by mutableStateOf<ExpenseInput?>(null)
        private set

    var date by mutableStateOf("")
    var kind by mutableStateOf(ExpenseKind.TRAVEL)
    var km by mutableStateOf("")
    var amount by mutableStateOf("")
    var description by mutableStateOf("")

    /** A photo taken in this editor and not saved yet. */
    var newReceipt by mutableStateOf<Receipt?>(null)
        private set

    /** The stored receipt, decrypted by the core, for the thumbnail. */
    var storedReceipt by mutableStateOf<Receipt?>(null)

    /** The core's field errors from the last save. */
    var fieldErrors by mutableStateOf<List<FieldError>>(emptyList())

    /** A save or submit is running. */
    var busy by mutableStateOf(false)

    /** The in-app receipt camera is shown. */
    var camera by mutableStateOf(false)

    /** A new expense from the core's defaults ([defaults]: its kind, today). */
    fun startNew(defaults: ExpenseInput) {
        reset()
        base = defaults
        date = defaults.date
        kind = defaults.kind
        open = true
    }

    /**
     * Opens a stored expense; [input] is the core's input that keeps it as it is, [amountText]
     * the core's own rendering of its amount.
     */
    fun startWith(stored: Expense, input: ExpenseInput, amountText: String) {
        reset()
        expense = stored
        base = input
        date = stored.date
        kind = stored.kind
        km = stored.km?.toString().orEmpty()
        // An expense paid per km has km and no typed amount.
        amount = if (stored.km != null) "" else amountText
        description = stored.description.orEmpty()
        open = true
    }

    /** After a successful save: later saves update this expense instead of adding one. */
    fun savedAs(saved: Expense, input: ExpenseInput) {
        expense = saved
        base = input
        newReceipt?.let { storedReceipt = it }
        newReceipt = null
        fieldErrors = emptyList()
    }

    fun close() {
        reset()
        open = false
    }

    /** The in-app camera took a photo (JPEG bytes in memory); saved with the next save. */
    fun photoTaken(receipt: Receipt) {
        camera = false
        if (open) newReceipt = receipt
    }

    private fun reset() {
        camera = false
        expense = null
        base = null
        kind = ExpenseKind.TRAVEL
        date = ""
        km = ""
        amount = ""
        description = ""
        newReceipt = null
        storedReceipt = null
        fieldErrors = emptyList()
        busy = false
    }
}

@Composable
fun ExpensesScreen(model: AppViewModel, modifier: Modifier, onBack: () -> Unit) {
    val editor: ExpenseEditor = viewModel()
    // The peer's currency and the organisation's km rate: read once per visit, for every draft.
    var profile by remember { mutableStateOf<ProfileInfo?>(null) }
    LaunchedEffect(Unit) {
        profile = try {
            model.client.profile()
        } catch (e: PeerlogException) {
            model.showError(e)
            null
        }
    }
    if (editor.open) {
        BackHandler(onBack = editor::close)
        ExpenseEditorScreen(model, editor, profile, modifier)
    } else {
        BackHandler(onBack = onBack)
        ExpenseList(model, editor, modifier, onBack)
    }
}

@Composable
private fun ExpenseList(model: AppViewModel, editor: ExpenseEditor, modifier: Modifier, onBack: () -> Unit) {
    val client = model.client
    val status by client.status.collectAsStateWithLifecycle()
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    val locale = remember { CoreLocale.current() }
    var expenses by remember { mutableStateOf<List<Expense>?>(null) }
    // Reloaded after every change or sync (a sync brings the coordinator's decisions).
    LaunchedEffect(status) {
        expenses = try {
            client.listExpenses()
        } catch (e: PeerlogException) {
            model.showError(e)
            emptyList()
        }
    }

    Column(modifier.fillMaxSize()) {
        SubScreenBar(stringResource(R.string.expenses_title), onBack)
        Box(Modifier.fillMaxSize()) {
            val list = expenses
            if (list != null && list.isEmpty()) {
                Text(stringResource(R.string.expenses_empty), Modifier.padding(16.dp))
            } else if (list != null) {
                // Room at the bottom so the button never covers the last expense.
                LazyColumn(Modifier.fillMaxSize(), contentPadding = PaddingValues(bottom = 88.dp)) {
                    items(list, key = { it.id }) { e ->
                        ExpenseRow(e, vocabulary, locale, onClick = {
                            editor.startWith(e, client.expenseToInput(e), formatAmount(e.amountMinor, e.currency, locale))
                        })
                    }
                }
            }
            ExtendedFloatingActionButton(
                onClick = { editor.startNew(client.newExpenseInput()) },
                icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                text = { Text(stringResource(R.string.expenses_add)) },
                modifier = Modifier.align(Alignment.BottomEnd).padding(16.dp),
            )
        }
    }
}

@Composable
private fun ExpenseRow(e: Expense, vocabulary: Vocabulary, locale: Locale, onClick: () -> Unit) {
    ListItem(
        modifier = Modifier.clickable(onClick = onClick),
        headlineContent = { Text(vocabulary.label(e.kind)) },
        supportingContent = {
            Column {
                val km = e.km?.let { stringResource(R.string.expense_km_value, it.toInt()) }
                Text(listOfNotNull(e.date, km).joinToString(" · "))
                e.description?.let { Text(it, maxLines = 2, overflow = TextOverflow.Ellipsis) }
                e.decisionReason?.let {
                    Text(stringResource(R.string.expense_decision, it), style = MaterialTheme.typography.bodySmall)
                }
            }
        },
        trailingContent = {
            Column(horizontalAlignment = Alignment.End) {
                Text(formatAmount(e.amountMinor, e.currency, locale), style = MaterialTheme.typography.titleSmall)
                Text(
                    vocabulary.label(e.status),
                    style = MaterialTheme.typography.labelMedium,
                    color = if (e.status == ExpenseStatus.REJECTED) {
                        MaterialTheme.colorScheme.error
                    } else {
                        MaterialTheme.colorScheme.onSurfaceVariant
                    },
                )
            }
        },
    )
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ExpenseEditorScreen(model: AppViewModel, editor: ExpenseEditor, profile: ProfileInfo?, modifier: Modifier) {
    val client = model.client
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val vocabulary by model.vocabulary.collectAsStateWithLifecycle()
    val locale = remember { CoreLocale.current() }
    val stored = editor.expense
    // What the peer may do in this status: the core's rule (only a draft changes).
    val actions = stored?.let { client.expenseActions(it.status) }
    val editable = actions?.canEdit ?: true
    var confirmSubmit by remember { mutableStateOf(false) }
    var confirmDelete by remember { mutableStateOf(false) }
    // Problems with the camera (the platform's, not the core's).
    var cameraNotice by remember { mutableStateOf<Int?>(null) }

    LaunchedEffect(stored?.id) {
        if (stored != null && stored.hasReceipt && editor.storedReceipt == null) {
            try {
                editor.storedReceipt = client.expenseReceipt(stored.id)
            } catch (e: PeerlogException) {
                model.showError(e)
            }
        }
    }
    // The core keeps an expense's currency on edits; a new one takes the peer's.
    val currency = stored?.currency ?: profile?.currency

    fun openCamera() {
        cameraNotice = null
        if (!context.packageManager.hasSystemFeature(PackageManager.FEATURE_CAMERA_ANY)) {
            cameraNotice = R.string.expense_no_camera
            return
        }
        editor.camera = true
    }

    // The permission dialog floats over the app, which stays in front: no expectReturn().
    val askCamera = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) openCamera() else cameraNotice = R.string.expense_camera_denied
    }

    /**
     * Saves the form as a draft (new or changed); null when the core refused it. The core
     * builds the input from the typed form (km and the amount parsed — a word is its "not a
     * number" — the description trimmed) and keeps from the base what this form does not
     * show: the linked contacts.
     */
    suspend fun saveDraft(): Expense? {
        if (currency == null) return null
        val base = editor.base ?: client.newExpenseInput()
        val entry = ExpenseFormEntry(
            base = base,
            kind = editor.kind,
            date = editor.date,
            km = editor.km,
            amount = editor.amount,
            description = editor.description,
            receipt = editor.newReceipt,
        )
        return try {
            val input = client.expenseFormInput(entry)
            val saved = if (stored == null) client.addExpense(input) else client.updateExpense(stored.id, input)
            editor.savedAs(saved, client.expenseToInput(saved))
            saved
        } catch (e: PeerlogException.Invalid) {
            editor.fieldErrors = e.fields
            null
        } catch (e: PeerlogException) {
            model.showError(e)
            null
        }
    }

    fun runBusy(block: suspend () -> Unit) {
        if (editor.busy) return
        editor.busy = true
        scope.launch {
            try {
                block()
            } finally {
                editor.busy = false
            }
        }
    }

    val errors = editor.fieldErrors
    Column(modifier.fillMaxSize()) {
        SubScreenBar(
            stringResource(if (stored == null) R.string.expense_new_title else R.string.expense_title),
            onBack = editor::close,
            actions = {
                if (actions?.canDelete == true) {
                    IconButton(onClick = { confirmDelete = true }) {
                        Icon(Icons.Filled.Delete, contentDescription = stringResource(R.string.action_delete))
                    }
                }
            },
        )
        Column(
            Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (stored != null) StoredExpenseCard(stored, vocabulary, locale)

            Text(stringResource(R.string.expense_kind), style = MaterialTheme.typography.labelLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                // The core's kinds, in its order, with its names.
                vocabulary.expenseKinds.forEach { info ->
                    FilterChip(
                        selected = info.kind == editor.kind,
                        onClick = { editor.kind = info.kind },
                        label = { Text(info.label) },
                        enabled = editable,
                    )
                }
            }
            FormField(editor.date, { editor.date = it }, R.string.log_date, errors, setOf("date"), KeyboardType.Text, editable)
            if (client.expenseForm(editor.kind).showsKm) {
                FormField(editor.km, { editor.km = it }, R.string.expense_km, errors, setOf("km"), KeyboardType.Number, editable)
                // The rate a draft is computed with (the core's), in the core's rendering.
                val p = profile
                if (editable && p != null) {
                    Text(
                        stringResource(R.string.expense_rate, formatAmount(p.mileageRateMinorPerKm, p.currency, locale)),
                        style = MaterialTheme.typography.bodySmall,
                    )
                }
            } else {
                FormField(
                    editor.amount, { editor.amount = it }, R.string.expense_amount, errors,
                    setOf("amount", "amount_minor"), KeyboardType.Decimal, editable,
                )
            }
            FormField(
                editor.description, { editor.description = it }, R.string.expense_description, errors,
                setOf("description"), KeyboardType.Text, editable, singleLine = false,
            )

            Text(stringResource(R.string.expense_receipt), style = MaterialTheme.typography.labelLarge)
            val shown = editor.newReceipt ?: editor.storedReceipt
            if (shown != null) ReceiptImage(shown)
            errors.filter { it.field == "receipt" }.forEach {
                Text(it.message, color = MaterialTheme.colorScheme.error)
            }
            if (editable) {
                OutlinedButton(onClick = {
                    if (hasCameraPermission(context)) openCamera() else askCamera.launch(Manifest.permission.CAMERA)
                }) {
                    Text(stringResource(if (shown == null) R.string.expense_receipt_take else R.string.expense_receipt_retake))
                }
                Text(stringResource(R.string.expense_receipt_private), style = MaterialTheme.typography.bodySmall)
            }
            cameraNotice?.let { Text(stringResource(it), color = MaterialTheme.colorScheme.error) }
            // Field errors this form has no field for (e.g. linked contacts): still the core's words.
            val shownFields = setOf("date", "km", "amount", "amount_minor", "description", "receipt")
            errors.filter { it.field !in shownFields }.forEach {
                Text(it.message, color = MaterialTheme.colorScheme.error)
            }

            if (editable) {
                Button(
                    onClick = { runBusy { if (saveDraft() != null) editor.close() } },
                    enabled = !editor.busy && currency != null,
                    modifier = Modifier.fillMaxWidth(),
                ) { Text(stringResource(R.string.expense_save)) }
                if (actions?.canSubmit ?: true) {
                    OutlinedButton(
                        onClick = { confirmSubmit = true },
                        enabled = !editor.busy && currency != null,
                        modifier = Modifier.fillMaxWidth(),
                    ) { Text(stringResource(R.string.expense_submit)) }
                }
            }
        }
    }

    if (editor.camera) {
        Dialog(
            onDismissRequest = { editor.camera = false },
            properties = DialogProperties(usePlatformDefaultWidth = false),
        ) {
            ReceiptCamera(onPhoto = editor::photoTaken, onClose = { editor.camera = false })
        }
    }

    if (confirmSubmit) {
        ConfirmDialog(
            stringResource(R.string.expense_submit_confirm),
            stringResource(R.string.expense_submit),
            onConfirm = {
                runBusy {
                    // The form's changes are saved first, so what is submitted is what is shown.
                    val saved = saveDraft() ?: return@runBusy
                    try {
                        client.submitExpense(saved.id)
                        editor.close()
                    } catch (e: PeerlogException) {
                        model.showError(e)
                    }
                }
            },
            onDismiss = { confirmSubmit = false },
        )
    }

    if (confirmDelete && stored != null) {
        ConfirmDialog(
            stringResource(R.string.expense_delete_confirm),
            stringResource(R.string.action_delete),
            onConfirm = {
                runBusy {
                    try {
                        client.deleteExpense(stored.id)
                        editor.close()
                    } catch (e: PeerlogException) {
                        model.showError(e)
                    }
                }
            },
            onDismiss = { confirmDelete = false },
        )
    }
}

/** What the core says about a stored expense: status, amount, rate, decision, sync. */
@Composable
private fun StoredExpenseCard(e: Expense, vocabulary: Vocabulary, locale: Locale) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(
                vocabulary.label(e.status),
                style = MaterialTheme.typography.titleMedium,
                color = if (e.status == ExpenseStatus.REJECTED) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.primary,
            )
            Text(formatAmount(e.amountMinor, e.currency, locale), style = MaterialTheme.typography.headlineSmall)
            val km = e.km
            val rate = e.rateMinorPerKm
            if (km != null && rate != null) {
                Text(stringResource(R.string.expense_travel_line, km.toInt(), formatAmount(rate, e.currency, locale)))
            }
            e.decisionReason?.let { Text(stringResource(R.string.expense_decision, it)) }
            if (e.pendingSync) {
                Text(stringResource(R.string.not_synced_yet), style = MaterialTheme.typography.bodySmall)
            }
        }
    }
}

/** The receipt, decoded off the main thread; a PDF (from another device) is only named. */
@Composable
private fun ReceiptImage(receipt: Receipt) {
    val image by produceState<ImageBitmap?>(null, receipt) {
        value = withContext(Dispatchers.Default) { decodeScaled(receipt.data, THUMBNAIL_EDGE)?.asImageBitmap() }
    }
    val bitmap = image
    if (bitmap != null) {
        Image(
            bitmap = bitmap,
            contentDescription = stringResource(R.string.expense_receipt),
            contentScale = ContentScale.Fit,
            modifier = Modifier.fillMaxWidth().heightIn(max = 280.dp),
        )
    } else {
        Text(stringResource(R.string.expense_receipt_attached))
    }
}

/** Decodes an image at a power-of-two reduction that keeps its long side >= [edge]. */
private fun decodeScaled(data: ByteArray, edge: Int): Bitmap? {
    val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
    BitmapFactory.decodeByteArray(data, 0, data.size, bounds)
    if (bounds.outWidth <= 0 || bounds.outHeight <= 0) return null
    var sample = 1
    while (maxOf(bounds.outWidth, bounds.outHeight) / (sample * 2) >= edge) sample *= 2
    return BitmapFactory.decodeByteArray(data, 0, data.size, BitmapFactory.Options().apply { inSampleSize = sample })
}
