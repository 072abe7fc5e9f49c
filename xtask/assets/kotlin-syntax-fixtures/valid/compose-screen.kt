// Constructs the Android app uses (Compose, coroutines, flows): must parse as they are.
package fixtures

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.setValue

enum class Tab { Home, Log, History }

sealed interface Screen {
    data class Detail(val id: String) : Screen
    data object List : Screen
}

typealias OnClick = () -> Unit

@Composable
fun HomeScreen(
    state: HomeState,
    onSync: OnClick,
    modifier: Modifier = Modifier,
) {
    var expanded by remember { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    LaunchedEffect(state.id) {
        state.changes.collect { expanded = false }
    }
    Column(modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(
            text = stringResource(R.string.home_title, state.year),
            style = MaterialTheme.typography.titleLarge,
        )
        state.categories.forEachIndexed { index, category ->
            Row(Modifier.clickable { onSync() }) {
                Text("${index + 1}. ${category.name}: ${category.days ?: 0}")
            }
        }
        when (val s = state.sync) {
            null -> Unit
            is SyncStatus.Ok -> Text(s.at.toString())
            else -> Text(s.toString().takeIf { it.isNotBlank() } ?: "-")
        }
        Button(onClick = { scope.launch { onSync() } }, enabled = !expanded) {
            Text(text = """
                |raw ${state.year}
                """.trimMargin())
        }
    }
}

private fun Int.plural(): String = if (this == 1) "" else "s"

class Holder<T : Any>(private val value: T) {
    companion object {
        const val MAX = 10
        @JvmStatic fun of(x: Int) = Holder(x)
    }

    operator fun invoke(): T = value
}
