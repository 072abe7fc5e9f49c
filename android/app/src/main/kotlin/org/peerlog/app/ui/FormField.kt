// A text field of a form the core checks (the log form, the expense form): the core's message
// for the first of [fields] it refused is shown under it (PeerlogException.Invalid's fields).
package org.peerlog.app.ui

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import uniffi.peerlog_core.FieldError

@Composable
fun FormField(
    value: String,
    onChange: (String) -> Unit,
    label: Int,
    errors: List<FieldError>,
    fields: Set<String>,
    keyboard: KeyboardType,
    editable: Boolean = true,
    singleLine: Boolean = true,
) {
    val error = errors.firstOrNull { it.field in fields }
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(stringResource(label)) },
        readOnly = !editable,
        isError = error != null,
        supportingText = if (error != null) {
            { Text(error.message) }
        } else {
            null
        },
        singleLine = singleLine,
        minLines = if (singleLine) 1 else 2,
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        modifier = Modifier.fillMaxWidth(),
    )
}
