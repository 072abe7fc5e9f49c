//! The crash soak: several peers and a coordinator (the real `peerlog` program) against the
//! real `peerlog-server` binary, all as processes, killed with SIGKILL at random points and
//! restarted, for a fixed number of rounds from a printed seed. At the end every contact a
//! peer was told was saved exists exactly once on the peer, on the server and at the
//! coordinator, with its last version; deleted ones stay deleted; every store opens; the
//! coordinator's report equals the sum of the peers' own summaries.
//!
//! `cargo xtask soak [--rounds N] [--seed S] [--backend sqlite|postgres|both]` runs it; the
//! `soak` step of `cargo xtask test` runs a bounded form.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Backend, Database};

/// What one run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub rounds: u32,
    pub seed: u64,
    pub backends: Vec<Backend>,
    /// Fail unless at least this many processes were killed (over all backends).
    pub min_kills: u32,
    pub peers: usize,
    /// The `peerlog` program and the `peerlog-server` binary.
    pub peerlog: PathBuf,
    pub server: PathBuf,
}

/// What a run did, for the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub rounds: u32,
    pub client_kills: u32,
    pub server_kills: u32,
    pub confirmed: u32,
    pub deleted: u32,
    pub restores: u32,
}

impl Tally {
    pub fn kills(&self) -> u32 {
        self.client_kills + self.server_kills
    }

    fn add(&mut self, o: Tally) {
        self.rounds += o.rounds;
        self.client_kills += o.client_kills;
        self.server_kills += o.server_kills;
        self.confirmed += o.confirmed;
        self.deleted += o.deleted;
        self.restores += o.restores;
    }
}

type Res<T> = Result<T, String>;

macro_rules! bail {
    ($($t:tt)*) => { return Err(format!($($t)*)) };
}

/// A small deterministic generator (SplitMix64): the same seed, the same run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Runs every backend asked for; fails on the first broken promise.
pub fn run(opts: &Options) -> Res<Tally> {
    println!(
        "soak: seed {} rounds {} backends {:?} (replay: cargo xtask soak --seed {} --rounds {})",
        opts.seed, opts.rounds, opts.backends, opts.seed, opts.rounds
    );
    let mut total = Tally::default();
    for &backend in &opts.backends {
        let started = Instant::now();
        let t = Soak::new(opts, backend)?
            .run()
            .map_err(|e| format!("{backend:?}, seed {}: {e}", opts.seed))?;
        println!(
            "soak {backend:?}: {} rounds, {} kills ({} clients, {} server), {} contacts confirmed, {} deleted, {} restores, all checks passed in {:.0?}",
            t.rounds,
            t.kills(),
            t.client_kills,
            t.server_kills,
            t.confirmed,
            t.deleted,
            t.restores,
            started.elapsed()
        );
        total.add(t);
    }
    if total.kills() < opts.min_kills {
        bail!(
            "only {} kills, fewer than the {} asked for (more rounds?)",
            total.kills(),
            opts.min_kills
        );
    }
    println!(
        "soak: {} kills survived in all (seed {})",
        total.kills(),
        opts.seed
    );
    Ok(total)
}

/// What the harness knows about one contact a peer was told was saved.
#[derive(Debug, Clone)]
struct Expect {
    version: u64,
    deleted: bool,
    /// A later command on it was killed: its version may be newer and a delete may or
    /// may not have happened.
    uncertain: bool,
}

#[derive(Debug)]
struct Peer {
    name: String,
    home: PathBuf,
    code: String,
    contacts: BTreeMap<String, Expect>,
}

/// How a command ended.
#[derive(Debug)]
enum Ended {
    Exited {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    },
    Killed,
}

/// The server process and how to start it again.
struct Server {
    bin: PathBuf,
    database: String,
    addr: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) -> Res<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let started = Instant::now();
        loop {
            let mut child = Command::new(&self.bin)
                .args(["--database", &self.database, "--log-level", "warn", "serve"])
                .args(["--listen", &self.addr.to_string()])
                .args(["--rate-limit-enrol", "0", "--rate-limit-login", "0"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(err.try_clone().map_err(|e| e.to_string())?)
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
            // Up when /healthz answers; a start that exits (the port still held) is retried.
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    if started.elapsed() > Duration::from_secs(20) {
                        bail!(
                            "the server does not start ({status}); see {}",
                            self.log.display()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    break;
                }
                if healthy(self.addr) {
                    self.child = Some(child);
                    return Ok(());
                }
                if started.elapsed() > Duration::from_secs(20) {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("the server did not come up; see {}", self.log.display());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// SIGKILL: no shutdown, no flush, as a power cut of the process.
    fn kill(&mut self) -> bool {
        match self.child.take() {
            Some(mut c) => {
                let running = matches!(c.try_wait(), Ok(None));
                let _ = c.kill();
                let _ = c.wait();
                running
            }
            None => false,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn healthy(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && buf[..12].ends_with(b"200"))
}

fn free_port() -> Res<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map_err(|e| e.to_string())
}

/// Which command a round runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Edit,
    Delete,
    Sync,
    CoordinatorSync,
    ExportRestore,
}

struct Soak<'a> {
    opts: &'a Options,
    backend: Backend,
    rng: Rng,
    db: Database,
    dir: tempfile::TempDir,
    server: Server,
    coordinator: PathBuf,
    peers: Vec<Peer>,
    /// Homes made by `restore`, checked to open at the end.
    restored: Vec<PathBuf>,
    /// How long each kind of command took when it was not killed (ms), to aim kills
    /// inside it.
    took: HashMap<&'static str, u64>,
    tally: Tally,
    seq: u32,
}

impl<'a> Soak<'a> {
    fn new(opts: &'a Options, backend: Backend) -> Res<Self> {
        let db = Database::new(backend);
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let server = Server {
            bin: opts.server.clone(),
            database: db.url.clone(),
            addr: free_port()?,
            log: dir.path().join("server.log"),
            child: None,
        };
        // Another stream per backend, from the one seed.
        let salt = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        Ok(Soak {
            opts,
            backend,
            rng: Rng::new(opts.seed ^ (salt * 0xA5A5_A5A5)),
            coordinator: dir.path().join("coordinator"),
            db,
            dir,
            server,
            peers: Vec::new(),
            restored: Vec::new(),
            took: HashMap::new(),
            tally: Tally::default(),
            seq: 0,
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    fn run(mut self) -> Res<Tally> {
        self.set_up()?;
        for round in 0..self.opts.rounds {
            self.round().map_err(|e| format!("round {round}: {e}"))?;
            self.tally.rounds += 1;
        }
        self.settle()?;
        self.check()?;
        // Keep the files of a failed run for a look; a passing one cleans up.
        Ok(self.tally)
    }

    fn set_up(&mut self) -> Res<()> {
        let out = Command::new(&self.opts.server)
            .args(["--database", &self.db.url, "admin", "chapter", "create"])
            .args(["--org", "Soak", "--chapter", "Crash", "--json"])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            bail!(
                "chapter create: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let token = parse(&String::from_utf8_lossy(&out.stdout))?["coordinator_token"]
            .as_str()
            .ok_or("no token")?
            .to_string();
        self.server.start()?;
        let url = self.url();
        let coordinator = self.coordinator.clone();
        self.ok(
            &coordinator,
            &["coordinator", "enrol", &token, "--server", &url, "--json"],
        )?;
        for i in 0..self.opts.peers {
            let name = format!("Peer {}", i + 1);
            let inv =
                parse(&self.ok(&coordinator, &["coordinator", "invite", "--json"])?)?["invitation"]
                    .as_str()
                    .ok_or("no invitation")?
                    .to_string();
            let home = self.dir.path().join(format!("peer{}", i + 1));
            let e = parse(&self.ok(&home, &["enrol", &inv, "--name", &name, "--json"])?)?;
            let code = e["recovery_code"]
                .as_str()
                .ok_or("no recovery code")?
                .to_string();
            self.ok(&home, &["declaration", "sign", "--name", &name, "--accept"])?;
            self.peers.push(Peer {
                name,
                home,
                code,
                contacts: BTreeMap::new(),
            });
        }
        Ok(())
    }

    /// One command, killed at a random point with some probability; the server too.
    fn round(&mut self) -> Res<()> {
        let p = self.rng.below(self.peers.len() as u64) as usize;
        let op = match self.rng.below(100) {
            0..=39 => Op::Add,
            40..=54 => Op::Edit,
            55..=62 => Op::Delete,
            63..=84 => Op::Sync,
            85..=94 => Op::CoordinatorSync,
            _ => Op::ExportRestore,
        };
        match op {
            Op::Add => self.add(p),
            Op::Edit => self.edit(p),
            Op::Delete => self.delete(p),
            Op::Sync => {
                let home = self.peers[p].home.clone();
                self.network(&home, &["sync", "--json"], "sync")
            }
            Op::CoordinatorSync => {
                let home = self.coordinator.clone();
                self.network(
                    &home,
                    &["coordinator", "sync", "--json"],
                    "coordinator sync",
                )
            }
            Op::ExportRestore => self.export_restore(p),
        }
    }

    fn kill_point(&mut self, what: &'static str) -> Duration {
        let typical = self.took.get(what).copied().unwrap_or(60).max(5);
        Duration::from_millis(self.rng.below(typical + typical / 4))
    }

    /// Runs `peerlog --home HOME ARGS`, killing it after `kill` (if still running) and the
    /// server after `server_kill` (then starting it again at once).
    fn exec(
        &mut self,
        home: &Path,
        args: &[&str],
        what: &'static str,
        kill: Option<Duration>,
        server_kill: Option<Duration>,
    ) -> Res<Ended> {
        self.seq += 1;
        let out_path = self.dir.path().join(format!("out-{}", self.seq % 4));
        let err_path = self.dir.path().join(format!("err-{}", self.seq % 4));
        let out = File::create(&out_path).map_err(|e| e.to_string())?;
        let err = File::create(&err_path).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut child = Command::new(&self.opts.peerlog)
            .env_remove("PEERLOG_HOME")
            .env_remove("PEERLOG_RECOVERY_CODE")
            .arg("--home")
            .arg(home)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.opts.peerlog.display()))?;
        let mut server_kill = server_kill;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(status);
            }
            let now = started.elapsed();
            if server_kill.is_some_and(|at| now >= at) {
                server_kill = None;
                if self.server.kill() {
                    self.tally.server_kills += 1;
                }
                self.server.start()?;
            }
            if kill.is_some_and(|at| now >= at) {
                let running = matches!(child.try_wait(), Ok(None));
                let _ = child.kill();
                let status = child.wait().map_err(|e| e.to_string())?;
                if running {
                    self.tally.client_kills += 1;
                    break None;
                }
                break Some(status);
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        if server_kill.is_some() {
            // The command ended before the server's kill point: kill it now, between
            // commands, so every round that drew a server kill has one.
            if self.server.kill() {
                self.tally.server_kills += 1;
            }
            self.server.start()?;
        }
        let Some(status) = status else {
            return Ok(Ended::Killed);
        };
        let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        if status.code().is_none() || status.code() == Some(101) || is_internal(&stderr) {
            bail!("peerlog {args:?} crashed or reported an internal error ({status}): {stderr}");
        }
        if status.success() {
            let ms = started.elapsed().as_millis() as u64;
            let avg = self.took.entry(what).or_insert(ms);
            *avg = (*avg * 3 + ms) / 4;
        }
        Ok(Ended::Exited {
            code: status.code(),
            stdout,
            stderr,
        })
    }

    /// Runs without any kill and expects success.
    fn ok(&mut self, home: &Path, args: &[&str]) -> Res<String> {
        match self.exec(home, args, "setup", None, None)? {
            Ended::Exited {
                code: Some(0),
                stdout,
                ..
            } => Ok(stdout),
            Ended::Exited { code, stderr, .. } => {
                bail!("peerlog {args:?} failed ({code:?}): {stderr}")
            }
            Ended::Killed => bail!("not killed"),
        }
    }

    /// A kill point for the client (most rounds) and sometimes for the server.
    fn draw_kills(&mut self, what: &'static str) -> (Option<Duration>, Option<Duration>) {
        let client = self.rng.chance(60).then(|| self.kill_point(what));
        let server = self.rng.chance(15).then(|| self.kill_point(what));
        (client, server)
    }

    fn contact_args(&mut self) -> Vec<String> {
        let month = 1 + self.rng.below(11);
        let day = 1 + self.rng.below(28);
        let date = format!("2026-{month:02}-{day:02}");
        let mut a = vec!["--date".to_string(), date];
        let (kind, extra): (&str, Vec<String>) = match self.rng.below(5) {
            0 => ("visit", vec![]),
            1 => ("phone", vec![]),
            2 => ("meeting", vec![]),
            3 => (
                "self-help-group",
                vec!["--participants".into(), (2 + self.rng.below(6)).to_string()],
            ),
            _ => ("course", vec!["--participants".into(), "8".into()]),
        };
        a.extend(["--kind".to_string(), kind.to_string()]);
        a.extend(extra);
        a.extend([
            "--minutes".to_string(),
            (15 + self.rng.below(100)).to_string(),
        ]);
        a
    }

    fn add(&mut self, p: usize) -> Res<()> {
        let mut args = vec!["contact".to_string(), "add".to_string()];
        args.extend(self.contact_args());
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (kill, server_kill) = self.draw_kills("add");
        let home = self.peers[p].home.clone();
        match self.exec(&home, &args, "add", kill, server_kill)? {
            Ended::Killed => Ok(()),
            Ended::Exited {
                code: Some(0),
                stdout,
                ..
            } => {
                let v = parse(&stdout)?;
                let id = v["id"].as_str().ok_or("no id")?.to_string();
                let version = v["version"].as_u64().ok_or("no version")?;
                let prior = self.peers[p].contacts.insert(
                    id.clone(),
                    Expect {
                        version,
                        deleted: false,
                        uncertain: false,
                    },
                );
                if prior.is_some() {
                    bail!("contact add returned an id already given out: {id}");
                }
                self.tally.confirmed += 1;
                Ok(())
            }
            Ended::Exited { code, stderr, .. } => {
                bail!("contact add failed ({code:?}): {stderr}")
            }
        }
    }

    /// A contact this peer was told was saved and not deleted, chosen at random.
    fn pick(&mut self, p: usize) -> Option<String> {
        let live: Vec<&String> = self.peers[p]
            .contacts
            .iter()
            .filter(|(_, e)| !e.deleted && !e.uncertain)
            .map(|(id, _)| id)
            .collect();
        if live.is_empty() {
            return None;
        }
        let i = self.rng.below(live.len() as u64) as usize;
        Some(live[i].clone())
    }

    fn edit(&mut self, p: usize) -> Res<()> {
        let Some(id) = self.pick(p) else {
            return self.add(p);
        };
        let minutes = (15 + self.rng.below(100)).to_string();
        let args = ["contact", "edit", &id, "--minutes", &minutes, "--json"];
        let (kill, server_kill) = self.draw_kills("edit");
        let home = self.peers[p].home.clone();
        let ended = self.exec(&home, &args, "edit", kill, server_kill)?;
        let e = self.peers[p].contacts.get_mut(&id).ok_or("picked")?;
        match ended {
            Ended::Killed => e.uncertain = true,
            Ended::Exited {
                code: Some(0),
                stdout,
                ..
            } => {
                let version = parse(&stdout)?["version"].as_u64().ok_or("no version")?;
                if version <= e.version {
                    bail!(
                        "an edit of {id} went back from version {} to {version}",
                        e.version
                    );
                }
                e.version = version;
            }
            Ended::Exited { code, stderr, .. } => {
                bail!("contact edit failed ({code:?}): {stderr}")
            }
        }
        Ok(())
    }

    fn delete(&mut self, p: usize) -> Res<()> {
        let Some(id) = self.pick(p) else {
            return self.add(p);
        };
        let (kill, server_kill) = self.draw_kills("delete");
        let home = self.peers[p].home.clone();
        let ended = self.exec(
            &home,
            &["contact", "delete", &id],
            "delete",
            kill,
            server_kill,
        )?;
        let e = self.peers[p].contacts.get_mut(&id).ok_or("picked")?;
        match ended {
            Ended::Killed => e.uncertain = true,
            Ended::Exited { code: Some(0), .. } => {
                e.deleted = true;
                self.tally.deleted += 1;
            }
            Ended::Exited { code, stderr, .. } => {
                bail!("contact delete failed ({code:?}): {stderr}")
            }
        }
        Ok(())
    }

    /// A command that talks to the server: it may fail while the server is down, but
    /// only cleanly (exit 1, one line) and only in a round that killed the server.
    fn network(&mut self, home: &Path, args: &[&str], what: &'static str) -> Res<()> {
        let (kill, server_kill) = self.draw_kills(what);
        match self.exec(home, args, what, kill, server_kill)? {
            Ended::Killed | Ended::Exited { code: Some(0), .. } => Ok(()),
            Ended::Exited {
                code: Some(1),
                stderr,
                ..
            } if server_kill.is_some() => {
                if stderr.trim().is_empty() {
                    bail!("{what} failed without a message");
                }
                Ok(())
            }
            Ended::Exited { code, stderr, .. } => bail!("{what} failed ({code:?}): {stderr}"),
        }
    }

    /// `export`, killed or not; a file it leaves must be whole: restored (killed and
    /// retried in the same home) it holds exactly the peer's contacts at that moment.
    fn export_restore(&mut self, p: usize) -> Res<()> {
        self.seq += 1;
        let file = self.dir.path().join(format!("backup-{}", self.seq));
        let home = self.peers[p].home.clone();
        let (kill, _) = self.draw_kills("export");
        let f = file.to_string_lossy().into_owned();
        match self.exec(&home, &["export", "--out", &f], "export", kill, None)? {
            Ended::Killed => {
                if !file.exists() {
                    return Ok(());
                }
            }
            Ended::Exited { code: Some(0), .. } => {}
            Ended::Exited { code, stderr, .. } => bail!("export failed ({code:?}): {stderr}"),
        }
        let snapshot = live_contacts(&self.ok(&home, &["contact", "list", "--json"])?)?;
        let target = self.dir.path().join(format!("restored-{}", self.seq));
        let code = self.peers[p].code.clone();
        let mut was_killed = false;
        for attempt in 0.. {
            let kill = if attempt < 3 && self.rng.chance(50) {
                Some(self.kill_point("restore"))
            } else {
                None
            };
            match self.exec(
                &target,
                &["restore", "--from", &f, "--recovery-code", &code],
                "restore",
                kill,
                None,
            )? {
                Ended::Killed => was_killed = true,
                Ended::Exited { code: Some(0), .. } => break,
                // Killed after its commit: the restore is whole and the home no longer
                // empty; what it holds is checked below.
                Ended::Exited {
                    code: Some(3),
                    stderr,
                    ..
                } if was_killed && stderr.contains("already Peerlog data") => break,
                Ended::Exited { code, stderr, .. } => {
                    bail!(
                        "restore (attempt {attempt}, after a killed one) failed ({code:?}): {stderr}"
                    )
                }
            }
        }
        let restored = live_contacts(&self.ok(&target, &["contact", "list", "--json"])?)?;
        if restored != snapshot {
            bail!(
                "the restored device holds {} contacts, the backup's device {} at export",
                restored.len(),
                snapshot.len()
            );
        }
        self.tally.restores += 1;
        self.restored.push(target);
        Ok(())
    }

    /// Everything up: each peer syncs until it succeeds, then the coordinator.
    fn settle(&mut self) -> Res<()> {
        if self.server.child.is_none() {
            self.server.start()?;
        }
        for p in 0..self.peers.len() {
            let home = self.peers[p].home.clone();
            self.ok(&home, &["sync", "--json"])?;
            let st = parse(&self.ok(&home, &["status", "--json"])?)?;
            if st["pending"] != 0 {
                bail!(
                    "{} still has pending records after a sync: {st}",
                    self.peers[p].name
                );
            }
        }
        let c = self.coordinator.clone();
        self.ok(&c, &["coordinator", "sync", "--json"])?;
        Ok(())
    }

    fn check(&mut self) -> Res<()> {
        let mut all_live: BTreeMap<String, u64> = BTreeMap::new();
        let mut sums = (0u64, 0u64, 0u64, 0u64, 0u64);
        let mut own: HashMap<String, Value> = HashMap::new();
        for p in 0..self.peers.len() {
            let home = self.peers[p].home.clone();
            let list = self.ok(&home, &["contact", "list", "--json"])?;
            let live = live_contacts(&list)?;
            let peer = &self.peers[p];
            for (id, e) in &peer.contacts {
                match (live.get(id), e.deleted, e.uncertain) {
                    (Some(_), true, _) => bail!("{}: deleted contact {id} is back", peer.name),
                    (None, false, false) => {
                        bail!("{}: contact {id} was saved and is gone", peer.name)
                    }
                    (Some(&v), false, false) if v != e.version => bail!(
                        "{}: contact {id} has version {v}, the last saved was {}",
                        peer.name,
                        e.version
                    ),
                    (Some(&v), false, true) if v < e.version => bail!(
                        "{}: contact {id} went back to version {v} from {}",
                        peer.name,
                        e.version
                    ),
                    _ => {}
                }
            }
            for (id, v) in live {
                if all_live.insert(id.clone(), v).is_some() {
                    bail!("contact {id} on two peers");
                }
            }
            let name = peer.name.clone();
            let s = parse(&self.ok(&home, &["summary", "--year", "2026", "--json"])?)?;
            sums.0 += s["activity_days"].as_u64().unwrap_or(0);
            sums.1 += s["by_category"]["outreach"].as_u64().unwrap_or(0);
            sums.2 += s["by_category"]["group"].as_u64().unwrap_or(0);
            sums.3 += s["by_category"]["course"].as_u64().unwrap_or(0);
            sums.4 += s["not_counted_total"].as_u64().unwrap_or(0);
            own.insert(name, s);
        }

        // The coordinator's report: each peer's figures are the peer's own.
        let c = self.coordinator.clone();
        let out = self.dir.path().join("report.json");
        let o = out.to_string_lossy().into_owned();
        self.ok(
            &c,
            &[
                "coordinator",
                "report",
                "--year",
                "2026",
                "--format",
                "json",
                "--out",
                &o,
            ],
        )?;
        let report = parse(&std::fs::read_to_string(&out).map_err(|e| e.to_string())?)?;
        let total = (
            report["activity_days"].as_u64(),
            report["by_category"]["outreach"].as_u64(),
            report["by_category"]["group"].as_u64(),
            report["by_category"]["course"].as_u64(),
            report["not_counted"].as_u64(),
        );
        let want = (
            Some(sums.0),
            Some(sums.1),
            Some(sums.2),
            Some(sums.3),
            Some(sums.4),
        );
        if total != want {
            bail!("the coordinator's totals {total:?} are not the peers' sums {want:?}");
        }
        for pr in report["peers"].as_array().ok_or("no peers")? {
            let name = pr["name"].as_str().unwrap_or_default();
            let Some(s) = own.get(name) else { continue };
            if pr["activity_days"] != s["activity_days"]
                || pr["by_category"] != s["by_category"]
                || pr["not_counted"] != s["not_counted_total"]
            {
                bail!("{name}: the coordinator reports {pr}, the peer's own summary is {s}");
            }
        }

        // Every store opens.
        let mut homes: Vec<PathBuf> = self.peers.iter().map(|p| p.home.clone()).collect();
        homes.extend(self.restored.iter().cloned());
        for h in homes {
            self.ok(&h, &["status", "--json"])?;
        }
        self.ok(&c, &["coordinator", "peers", "--json"])?;

        // The server and the coordinator's machine hold exactly the peers' contacts,
        // each at the peer's version; deleted ones only as tombstones.
        self.server.kill();
        let server = self.server_contacts()?;
        compare("the server", &server, &all_live, &self.peers)?;
        let coordinator = coordinator_contacts(&self.coordinator.join("peerlog.db"))?;
        compare("the coordinator", &coordinator, &all_live, &self.peers)?;
        Ok(())
    }

    /// `(id → (version, deleted))` of every contact record on the server.
    fn server_contacts(&self) -> Res<BTreeMap<String, (u64, bool)>> {
        const SQL: &str = "SELECT id, version, deleted FROM records WHERE collection = 'contacts'";
        match self.backend {
            Backend::Sqlite => {
                let path = self.db.url.trim_start_matches("sqlite://");
                read_sqlite(Path::new(path), SQL)
            }
            Backend::Postgres => {
                let url = self.db.url.clone();
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(async move {
                    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                        .await
                        .map_err(|e| e.to_string())?;
                    tokio::spawn(conn);
                    let rows = client.query(SQL, &[]).await.map_err(|e| e.to_string())?;
                    let mut map = BTreeMap::new();
                    for r in rows {
                        let id: String = r.get(0);
                        let version: i64 = r.get(1);
                        let deleted: bool = r.get(2);
                        if map.insert(id.clone(), (version as u64, deleted)).is_some() {
                            bail!("contact {id} twice on the server");
                        }
                    }
                    Ok(map)
                })
            }
        }
    }
}

fn coordinator_contacts(db: &Path) -> Res<BTreeMap<String, (u64, bool)>> {
    read_sqlite(
        db,
        "SELECT id, version, deleted FROM chapter_records WHERE collection = 'contacts'",
    )
}

fn read_sqlite(path: &Path, sql: &str) -> Res<BTreeMap<String, (u64, bool)>> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(|e| e.to_string())?;
    let mut map = BTreeMap::new();
    for row in rows {
        let (id, version, deleted) = row.map_err(|e| e.to_string())?;
        if map
            .insert(id.clone(), (version as u64, deleted != 0))
            .is_some()
        {
            bail!("contact {id} twice in {}", path.display());
        }
    }
    Ok(map)
}

fn compare(
    place: &str,
    held: &BTreeMap<String, (u64, bool)>,
    live: &BTreeMap<String, u64>,
    peers: &[Peer],
) -> Res<()> {
    for (id, v) in live {
        match held.get(id) {
            Some((hv, false)) if hv == v => {}
            other => bail!("{place} holds contact {id} as {other:?}, the peer has version {v}"),
        }
    }
    for (id, (v, deleted)) in held {
        if !deleted && !live.contains_key(id) {
            bail!("{place} holds contact {id} (version {v}) that no peer has");
        }
    }
    for p in peers {
        for (id, e) in &p.contacts {
            if e.deleted && held.get(id).is_some_and(|(_, d)| !d) {
                bail!("{place} still holds deleted contact {id}");
            }
        }
    }
    Ok(())
}

/// `contact list --json` → id → version.
fn live_contacts(json: &str) -> Res<BTreeMap<String, u64>> {
    let v = parse(json)?;
    let mut map = BTreeMap::new();
    for c in v.as_array().ok_or("not a list")? {
        let id = c["id"].as_str().ok_or("no id")?.to_string();
        let version = c["version"].as_u64().ok_or("no version")?;
        if map.insert(id.clone(), version).is_some() {
            bail!("contact {id} twice in one device's list");
        }
    }
    Ok(map)
}

fn parse(s: &str) -> Res<Value> {
    serde_json::from_str(s).map_err(|e| format!("not JSON ({e}): {s}"))
}

/// What a user must never see.
fn is_internal(stderr: &str) -> bool {
    stderr.contains("panicked")
        || stderr.contains("RUST_BACKTRACE")
        || stderr.contains("internal error")
}

/// Command-line entry of `peerlog-soak`.
pub fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args).and_then(|o| run(&o)) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soak FAILED: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: peerlog-soak [--rounds N] [--seed S] [--backend sqlite|postgres|both] \
[--peers N] [--min-kills N] [--peerlog PATH] [--server PATH]";

fn parse_args(args: &[String]) -> Res<Options> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = here.parent().ok_or("no exe dir")?.to_path_buf();
    let mut opts = Options {
        rounds: 150,
        seed: seed_from_clock(),
        backends: vec![Backend::Sqlite],
        min_kills: 0,
        peers: 3,
        peerlog: dir.join("peerlog-e2e"),
        server: dir.join("peerlog-server"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or(format!("{a} needs a value; {USAGE}"))
        };
        match a.as_str() {
            "--rounds" => opts.rounds = number(&value()?)?,
            "--seed" => opts.seed = number(&value()?)?,
            "--peers" => opts.peers = number::<usize>(&value()?)?.max(1),
            "--min-kills" => opts.min_kills = number(&value()?)?,
            "--peerlog" => opts.peerlog = PathBuf::from(value()?),
            "--server" => opts.server = PathBuf::from(value()?),
            "--backend" => {
                opts.backends = match value()?.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    "both" => vec![Backend::Sqlite, Backend::Postgres],
                    other => bail!("unknown backend `{other}`; {USAGE}"),
                }
            }
            "-h" | "--help" => bail!("{USAGE}"),
            other => bail!("unexpected argument `{other}`; {USAGE}"),
        }
    }
    Ok(opts)
}

fn number<T: std::str::FromStr>(s: &str) -> Res<T> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a whole number"))
}

fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.below(1000)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            xs,
            (0..5).map(|_| Rng::new(8).below(1000)).collect::<Vec<_>>()
        );
    }
}
