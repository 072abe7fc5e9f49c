//! `uniffi-bindgen`, built from the same uniffi version as the core.

fn main() {
    // `uniffi-bindgen … | head -1`: a closed standard output ends the program quietly
    // instead of with a panic and a stack trace.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("uniffi-bindgen: {text}{at}");
        std::process::exit(1);
    }));
    uniffi::uniffi_bindgen_main()
}
