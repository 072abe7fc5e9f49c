//! Platform services the shells provide through uniffi foreign traits: secret storage
//! (Android Keystore, iOS Keychain) and a log sink (Logcat, os.Logger). A file-based
//! secret store for the CLI and tests lives here too.

use crate::error::{CoreError, PeerlogError, SecretStoreError};
use peerlog_rules::Locale;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a secret must be kept, decided by the core for each secret it stores (ADR 0012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SecretProtection {
    /// Readable by this app on this device whenever the phone has been unlocked once since
    /// it started, without asking the user: the keys background sync needs.
    DeviceOnly,
    /// Readable only right after the user proved presence with the phone's screen lock
    /// (PIN, pattern, password or biometrics): Android, a Keystore key with
    /// `setUserAuthenticationRequired`; iOS, a Keychain item with `.userPresence`. A thief
    /// holding an unlocked phone but not its PIN cannot read it. On a phone with no screen
    /// lock there is nothing to ask for: the store keeps the secret as `DeviceOnly` (and
    /// the app shows `Peerlog::recovery_code_advice`).
    UserPresence,
}

/// Where the core keeps its secrets (device signing key, peer key, recovery code).
///
/// Implementations must keep values confidential to this app on this device: Android
/// wraps them with a non-exportable Keystore key, iOS keeps them in the Keychain with
/// `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly` — and each secret at the
/// [`SecretProtection`] the core asks for. Names are short ASCII strings.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The value stored under `name`, or `None` if there is none. A `UserPresence` secret
    /// read without the user's recent authentication is `UserPresenceRequired`.
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError>;
    /// Stores `value` under `name` with `protection`, replacing any earlier value (and its
    /// protection). Must be durable when it returns.
    fn put(
        &self,
        name: String,
        value: Vec<u8>,
        protection: SecretProtection,
    ) -> Result<(), SecretStoreError>;
    /// Removes `name`; removing a missing name is not an error.
    fn delete(&self, name: String) -> Result<(), SecretStoreError>;
    /// The protection `name` is really kept under (`DeviceOnly` where the platform could not
    /// honour `UserPresence`), or `None` if there is no such secret. Never asks the user.
    fn protection(&self, name: String) -> Result<Option<SecretProtection>, SecretStoreError>;
}

/// A [`SecretStore`] in a directory of files readable only by the owner (0700 directory,
/// 0600 files), for the CLI and tests. Writes go to a temporary file that is synced and
/// renamed into place, so a crash never leaves half a key.
#[derive(Debug, uniffi::Object)]
pub struct FileSecretStore {
    dir: PathBuf,
}

#[uniffi::export]
impl FileSecretStore {
    /// A store in `dir`, created with mode 0700 if missing.
    #[uniffi::constructor]
    pub fn new(dir: String) -> Result<Arc<Self>, SecretStoreError> {
        Self::open(Path::new(&dir)).map(Arc::new)
    }
}

impl FileSecretStore {
    /// A store in `dir`, created with mode 0700 if missing.
    pub fn open(dir: &Path) -> Result<Self, SecretStoreError> {
        fs::create_dir_all(dir).map_err(unavailable)?;
        restrict(dir, 0o700)?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, name: &str) -> Result<PathBuf, SecretStoreError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !name.starts_with('.');
        if !ok {
            return Err(SecretStoreError::Unavailable {
                reason: format!("invalid secret name {name:?}"),
            });
        }
        Ok(self.dir.join(name))
    }
}

fn unavailable(e: std::io::Error) -> SecretStoreError {
    SecretStoreError::Unavailable {
        reason: e.to_string(),
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), SecretStoreError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(unavailable)
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), SecretStoreError> {
    Ok(())
}

impl SecretStore for FileSecretStore {
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        match fs::read(self.path(&name)?) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The CLI's files have no user authentication to bind to: every protection is the
    /// owner-only file's.
    fn put(
        &self,
        name: String,
        value: Vec<u8>,
        _protection: SecretProtection,
    ) -> Result<(), SecretStoreError> {
        let path = self.path(&name)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).map_err(unavailable)?;
            f.write_all(&value).map_err(unavailable)?;
            f.sync_all().map_err(unavailable)?;
        }
        restrict(&tmp, 0o600)?;
        fs::rename(&tmp, &path).map_err(unavailable)?;
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        match fs::remove_file(self.path(&name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn protection(&self, name: String) -> Result<Option<SecretProtection>, SecretStoreError> {
        Ok(self
            .path(&name)?
            .is_file()
            .then_some(SecretProtection::DeviceOnly))
    }
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

/// Receives the core's log lines (the shells forward them to Logcat / os.Logger).
/// The core never logs record contents, names, notes, keys or tokens.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// One log line.
    fn log(&self, level: LogLevel, target: String, message: String);
}

/// The core's logger: forwards to the app's sink if there is one.
#[derive(Clone, Default)]
pub struct Logger(Option<Arc<dyn LogSink>>);

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Logger(sink)"
        } else {
            "Logger(none)"
        })
    }
}

impl Logger {
    pub fn new(sink: Option<Arc<dyn LogSink>>) -> Self {
        Self(sink)
    }

    pub fn log(&self, level: LogLevel, target: &str, message: impl FnOnce() -> String) {
        if let Some(sink) = &self.0 {
            sink.log(level, target.to_string(), message());
        }
    }

    /// Converts a failed operation's error to the FFI error in `locale` and logs only its
    /// code (messages may quote user input): as info for the user's errors, else as error.
    pub fn failure(&self, target: &str, what: &str, locale: Locale, e: CoreError) -> PeerlogError {
        let ffi = e.to_ffi(locale);
        let level = if ffi.is_user_error() {
            LogLevel::Info
        } else {
            LogLevel::Error
        };
        self.log(level, target, || format!("{what} failed: {}", ffi.code()));
        ffi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_roundtrip_and_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::open(&dir.path().join("secrets")).unwrap();
        assert_eq!(store.get("k".into()).unwrap(), None);
        store
            .put("k".into(), vec![1, 2, 3], SecretProtection::DeviceOnly)
            .unwrap();
        store
            .put("k".into(), vec![4, 5], SecretProtection::UserPresence)
            .unwrap();
        assert_eq!(store.get("k".into()).unwrap(), Some(vec![4, 5]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("secrets/k"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = fs::metadata(dir.path().join("secrets"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dmode & 0o777, 0o700);
        }
        store.delete("k".into()).unwrap();
        store.delete("k".into()).unwrap();
        assert_eq!(store.get("k".into()).unwrap(), None);
    }

    #[test]
    fn file_store_rejects_path_tricks() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::open(dir.path()).unwrap();
        for bad in ["../x", "a/b", "", ".hidden", "x\0y"] {
            assert!(
                store
                    .put(bad.into(), vec![1], SecretProtection::DeviceOnly)
                    .is_err(),
                "{bad:?}"
            );
        }
    }
}
