//! `peerlog coordinator console`: serves the coordinator's console on a loopback address,
//! prints the address to open (with its one-time sign-in secret), opens the browser, and
//! stops cleanly on Ctrl-C (or SIGTERM).

use crate::{CliResult, Failure};
use peerlog_coordinator::Coordinator;
use peerlog_core::Locale;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

/// The console's language when `--lang` is not given: from the environment.
pub fn locale_from_env() -> Locale {
    let lang = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty());
    peerlog_console::texts::locale_from_env(lang.as_deref())
}

fn failure(message: String) -> Failure {
    Failure { code: 1, message }
}

/// Serves until Ctrl-C.
pub fn run(coord: Arc<Coordinator>, listen: SocketAddr, open: bool, locale: Locale) -> CliResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| failure(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        let bound = peerlog_console::bind(coord, locale, listen)
            .await
            .map_err(|e| failure(e.to_string()))?;
        let url = bound.login_url().to_string();
        println!("Coordinator's console: {url}");
        let _ = std::io::stdout().flush();
        eprintln!(
            "Open the address above in your web browser (it signs you in once). Ctrl-C stops the console."
        );
        if open {
            open_browser(&url);
        }
        bound
            .serve(stopped())
            .await
            .map_err(|e| failure(format!("the console stopped: {e}")))?;
        eprintln!("Console stopped.");
        Ok(())
    })
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
async fn stopped() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Asks the desktop to open `url` in the default browser. Failing is no error: the address
/// is printed.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let spawned = cmd
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on its own thread: the opener usually exits at once, the console runs on.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(_) => eprintln!("Could not open a web browser; open the address above yourself."),
    }
}
