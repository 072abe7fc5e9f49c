// Kotlin the Android app and its tests use (coroutines, flows, Compose, JUnit): must parse.
package fixtures

private const val TAG = "x"
typealias Table<T> = Map<String, T>

sealed class Res<out T> {
    data class Ok<T>(val v: T) : Res<T>()
    data class Err(val e: Throwable) : Res<Nothing>()
}

class VM(app: Application) : AndroidViewModel(app) {
    var count: Int = 0
        private set
    val doubled: Int get() = count * 2
    val lazyOne by lazy { compute() }
    lateinit var name: String
    @Volatile private var flag = false
    val isNamed get() = ::name.isInitialized
    private val _state = MutableStateFlow<UiState?>(null)
    val state: StateFlow<UiState?> = _state.asStateFlow()
    val shared = flow { emit(1) }.stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), null)

    fun load() = viewModelScope.launch {
        val r = withContext(Dispatchers.IO) { repo.get() }
        when (val x = r) {
            is Res.Ok, is Res.Err -> _state.value = UiState(x)
        }
        try {
            delay(10)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Log.w(TAG, "failed", e)
        }
    }

    operator fun get(i: Int) = i
    infix fun plus(o: VM) = this
    inline fun <reified T> typed(): T? = null as? T
    fun run(crossinline block: () -> Unit) {}
    fun total(xs: List<out Number>, c: Comparable<in Int>, m: Map<String, List<Int>>) = 0
    companion object : Factory() {
        fun of() = 1
    }
}

enum class Op { A { override fun f() = 1 }, B { override fun f() = 2 }; abstract fun f(): Int }

val String.twice: String get() = this + this

@Preview(showBackground = true)
@Composable
fun Card(
    title: String,
    @StringRes label: Int,
    content: @Composable ColumnScope.() -> Unit,
) {
    val ctx = LocalContext.current
    Row(
        horizontalArrangement = Arrangement.SpaceBetween,
        verticalAlignment = Alignment.CenterVertically,
        modifier = Modifier.then(if (title.isEmpty()) Modifier else Modifier.padding(4.dp)),
    ) {
        Text(ctx.getString(label, *arrayOf("a")))
    }
    LaunchedEffect(Unit) {
        if (title.isEmpty()) return@LaunchedEffect
    }
    val intent = Intent(ctx, MainActivity::class.java).apply { flags = Intent.FLAG_ACTIVITY_NEW_TASK }
    val s = buildString { append("x"); append('y') }
    val text = """
        |a $title ${title.length}
        |b \$ ${'$'}
    """.trimMargin()
    for ((k, v) in mapOf(1 to 2)) println("$k=$v")
    for (i in 0..<3) println(i)
    val arr = IntArray(3) { it }
    arr[0]++
    arr[1] += 2
    val neg = -arr[0] + (+1)
    val ok = !title.isEmpty() && arr.size > 1 || title.length < 2
    title?.let { println(it) }
    title.length.also { println(it) }.let { it + 1 }
    listOf("a").forEach(::println)
    val f = String::length
    this@Card
    do { arr[0]-- } while (arr[0] > 0)
    repeat(3) { }
    if (a < b && c > d) println()
    /* block /* nested */ comment */
    val nothing: Nothing? = null
    val `when` = 1
    x?.y = 3
    x!!.y = 4
    val r = super.toString()
}

class Test {
    @get:Rule
    val tmp = TemporaryFolder()

    @Test
    fun `a name with spaces`() = runBlocking {
        assertEquals(1, 1)
    }

    @Test(expected = IllegalStateException::class)
    fun throws() {
        error("x")
    }
}

object Single : Base by Impl {
    const val X = 1
    @JvmStatic
    fun y() {}
    @Synchronized fun z() {}
}

class Ctor @JvmOverloads constructor(val a: Int = 0) {
    fun isA() = a == 0
}

fun h(): Int {
    val x = if (true) 1 else if (false) 2 else 3
    return x
}
