//! The real `peerlog-server` binary as a child process on 127.0.0.1, and its peak memory.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One running server instance. Dropped without [`ServerProcess::stop`], it is killed.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    pub url: String,
    log: PathBuf,
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

impl ServerProcess {
    /// Starts `bin serve` on a free loopback port over `database`, with the production
    /// defaults except that the client IP is taken from `X-Forwarded-For` (as behind the
    /// reverse proxy a plain-HTTP server sits behind), so every simulated device has its
    /// own rate-limit bucket. Waits until `/healthz` answers.
    pub async fn start(
        bin: &Path,
        database: &str,
        logs: &Path,
        name: &str,
    ) -> Result<Self, String> {
        let port = free_port()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .arg("--database")
            .arg(database)
            .args(["--log-level", "warn", "serve", "--trust-forwarded-for"])
            .arg("--listen")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut server = ServerProcess {
            child,
            url: format!("http://{addr}"),
            log,
        };
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/healthz", server.url)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{name} exited at start ({status}): {}",
                    server.log_tail()
                ));
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(format!("{name} did not answer /healthz within 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size so far (`VmHWM` of `/proc/PID/status`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The end of the server's log (warnings and errors only).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM (the server finishes in-flight requests), then SIGKILL after 30 s.
    pub fn stop(mut self) -> Result<(), String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("server exited with {status}: {}", self.log_tail()))
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("server did not stop within 30 s of SIGTERM".into())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `peerlog-server admin chapter create --json`: the one-time coordinator token.
pub fn create_chapter(bin: &Path, database: &str) -> Result<String, String> {
    let out = Command::new(bin)
        .arg("--database")
        .arg(database)
        .args([
            "admin",
            "chapter",
            "create",
            "--org",
            "Load",
            "--chapter",
            "Load",
            "--json",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "admin chapter create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    v["coordinator_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "admin chapter create: no coordinator_token".into())
}
