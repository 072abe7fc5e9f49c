//! Disk trouble on the device, through the real `peerlog` program: a file-size limit
//! (`setrlimit(RLIMIT_FSIZE)` in the child), a read-only home, a store another process
//! holds locked. Each gives a clear one-line error in the user's language (no panic, no
//! "internal"), and afterwards the store opens with everything saved before.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn peerlog(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peerlog"));
    cmd.env_remove("PEERLOG_HOME").arg("--home").arg(home);
    cmd
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = peerlog(home).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "peerlog {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A peer's home in `locale` with the declaration signed and three contacts.
fn home_with_contacts(locale: &str) -> Home {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("home");
    ok(
        &path,
        &["init", "--name", "Kari Nordmann", "--locale", locale],
    );
    ok(
        &path,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );
    for day in ["2026-03-02", "2026-03-03", "2026-03-04"] {
        ok(
            &path,
            &[
                "contact",
                "add",
                "--date",
                day,
                "--kind",
                "visit",
                "--minutes",
                "60",
            ],
        );
    }
    Home { dir, path }
}

fn contact_ids(home: &Path) -> Vec<String> {
    let v: Value = serde_json::from_str(&ok(home, &["contact", "list", "--json"])).unwrap();
    let mut ids: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}@{}", c["id"], c["version"]))
        .collect();
    ids.sort();
    ids
}

/// A failed command: exit 1, one line naming the trouble, nothing a user must not see.
fn clear_failure(out: &Output, expected: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit {:?} (a signal is None): {stderr}",
        out.status
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    for never in ["panicked", "internal", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(never), "{stderr}");
    }
    stderr
}

/// Runs `peerlog ARGS` with its file-size limit at `bytes`.
#[allow(unsafe_code)]
fn with_file_size_limit(home: &Path, bytes: u64, args: &[&str]) -> Output {
    let mut cmd = peerlog(home);
    cmd.args(args);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().unwrap()
}

fn add_under_limit(home: &Path, limit: u64, note: &str) {
    let out = with_file_size_limit(
        home,
        limit,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
            "--note",
            note,
            "--shared-note",
            note,
        ],
    );
    clear_failure(&out, "no room to save on this device");
}

#[test]
fn a_file_size_limit_is_a_clear_error_and_nothing_saved_is_lost() {
    let h = home_with_contacts("en");
    let before = contact_ids(&h.path);
    let big_note = "x".repeat(1900);
    // Below the size the contact's write needs (the store holds more than this already;
    // reading it is not limited); and below what SQLite's shared-memory file needs.
    for limit in [48 * 1024, 8 * 1024] {
        add_under_limit(&h.path, limit, &big_note);
        assert_eq!(
            contact_ids(&h.path),
            before,
            "nothing lost, nothing half-saved"
        );
    }

    // A backup larger than the limit: refused the same way, an older backup kept whole.
    let backup = h.dir.path().join("backup.peerlog");
    ok(&h.path, &["export", "--out", &backup.to_string_lossy()]);
    let old = std::fs::read(&backup).unwrap();
    let out = with_file_size_limit(
        &h.path,
        1024,
        &["export", "--out", &backup.to_string_lossy()],
    );
    clear_failure(&out, "no room to save on this device");
    assert_eq!(std::fs::read(&backup).unwrap(), old);
    let left: Vec<_> = std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no half-written file left: {left:?}");

    // Without the limit it all works again.
    ok(
        &h.path,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
    );
    assert_eq!(contact_ids(&h.path).len(), before.len() + 1);
}

/// Makes `path` and everything under it read-only for the user the child runs as (as
/// root, which ignores permissions, the child runs as `nobody` owning the files).
fn make_read_only(home: &Home) -> Option<(u32, u32)> {
    let root = unsafe_free_euid() == 0;
    let who = root.then_some((65534, 65534));
    // `nobody` must be able to reach the home.
    let mut p = Some(home.dir.path());
    while let Some(dir) = p {
        set_mode(dir, 0o755, false);
        p = dir.parent().filter(|d| d != &Path::new("/"));
    }
    walk(&home.path, &mut |path, is_dir| {
        if let Some((uid, gid)) = who {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
        set_mode(path, if is_dir { 0o555 } else { 0o444 }, true);
    });
    who
}

fn make_writable_again(home: &Home) {
    walk(&home.path, &mut |path, is_dir| {
        std::os::unix::fs::chown(path, Some(unsafe_free_euid()), None).unwrap();
        set_mode(path, if is_dir { 0o700 } else { 0o600 }, true);
    });
}

fn set_mode(path: &Path, mode: u32, exact: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(path).unwrap().permissions();
    let m = if exact { mode } else { perm.mode() | mode };
    perm.set_mode(m);
    std::fs::set_permissions(path, perm).unwrap();
}

fn walk(path: &Path, f: &mut dyn FnMut(&Path, bool)) {
    let is_dir = path.is_dir();
    if is_dir {
        for e in std::fs::read_dir(path).unwrap() {
            walk(&e.unwrap().path(), f);
        }
    }
    f(path, is_dir);
}

/// The effective user id, from `/proc/self/status` (no unsafe call needed).
fn unsafe_free_euid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(u32::MAX)
}

#[test]
fn a_read_only_home_is_a_clear_error_and_nothing_saved_is_lost() {
    let h = home_with_contacts("en");
    let before = contact_ids(&h.path);
    let who = make_read_only(&h);
    let mut cmd = peerlog(&h.path);
    if let Some((uid, gid)) = who {
        cmd.uid(uid).gid(gid);
    }
    let out = cmd
        .args([
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ])
        .output()
        .unwrap();
    clear_failure(&out, "cannot be written to (it is read-only)");
    make_writable_again(&h);
    assert_eq!(contact_ids(&h.path), before);
    ok(
        &h.path,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
    );
    assert_eq!(contact_ids(&h.path).len(), before.len() + 1);
}

#[test]
fn a_store_another_program_holds_is_a_clear_error_in_the_users_language() {
    let h = home_with_contacts("nb");
    let before = contact_ids(&h.path);
    // Another program (this test process) holds the store with an exclusive transaction.
    let other = rusqlite::Connection::open(h.path.join("peerlog.db")).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let out = peerlog(&h.path)
        .args([
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ])
        .output()
        .unwrap();
    clear_failure(&out, "i bruk av et annet program");
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    assert_eq!(contact_ids(&h.path), before);
    ok(
        &h.path,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
    );
    assert_eq!(contact_ids(&h.path).len(), before.len() + 1);
}
