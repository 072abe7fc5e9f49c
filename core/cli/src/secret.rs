//! Secrets the CLI is given (the recovery code, the coordinator's one-time token). On
//! the command line they are visible to other users in the process list and stay in
//! shell history, so each can also come from standard input (`-` as the value), a file
//! or an environment variable. Held in zeroised memory here.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::{CliResult, Failure, io_failure, usage};

/// More than any code or token: a larger input is a mistake (the wrong file).
const MAX_SECRET_BYTES: u64 = 4096;

/// Where one secret may come from.
#[derive(Debug)]
pub struct Sources<'a> {
    /// What it is, for messages ("recovery code").
    pub what: &'static str,
    /// The value given as an argument; `-` means standard input.
    pub arg: Option<String>,
    /// A file holding it.
    pub file: Option<&'a Path>,
    /// The environment variable holding it.
    pub env: &'static str,
    /// How to give it, for the usage error when none was.
    pub how: &'static str,
}

/// The secret, from the argument (or standard input for `-`), else the file, else the
/// environment variable; one trailing newline removed.
pub fn read(src: Sources<'_>) -> CliResult<Zeroizing<String>> {
    let mut value = match (src.arg, src.file) {
        (Some(arg), _) if arg == "-" => {
            read_bounded(std::io::stdin().lock(), src.what).map_err(|e| Failure {
                code: 1,
                message: format!("cannot read the {} from standard input: {e}", src.what),
            })?
        }
        (Some(arg), _) => Zeroizing::new(arg),
        (None, Some(path)) => {
            let file = std::fs::File::open(path).map_err(|e| io_failure("cannot read", path, e))?;
            read_bounded(file, src.what).map_err(|e| io_failure("cannot read", path, e))?
        }
        (None, None) => match std::env::var(src.env) {
            Ok(v) => Zeroizing::new(v),
            Err(std::env::VarError::NotPresent) => {
                return Err(usage(format!("no {} given: {}", src.what, src.how)));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(usage(format!("{} is not valid text", src.env)));
            }
        },
    };
    trim_one_newline(&mut value);
    if value.trim().is_empty() {
        return Err(usage(format!("the {} given is empty", src.what)));
    }
    Ok(value)
}

/// Reads at most [`MAX_SECRET_BYTES`] into zeroised memory of a fixed capacity, so no
/// copy of the secret is left behind by a reallocation.
fn read_bounded(input: impl Read, what: &str) -> std::io::Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_BYTES as usize + 1));
    input.take(MAX_SECRET_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err(std::io::Error::other(format!("too long for a {what}")));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| std::io::Error::other(format!("the {what} is not text")))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Removes one trailing `\n` (or `\r\n`), as a file or `echo` leaves it.
fn trim_one_newline(s: &mut String) {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_trailing_newline_is_removed() {
        for (input, want) in [
            ("abc\n", "abc"),
            ("abc\r\n", "abc"),
            ("abc\n\n", "abc\n"),
            ("abc", "abc"),
            (" abc \n", " abc "),
        ] {
            let mut s = input.to_string();
            trim_one_newline(&mut s);
            assert_eq!(s, want, "{input:?}");
        }
    }

    #[test]
    fn input_is_bounded() {
        let long = vec![b'a'; MAX_SECRET_BYTES as usize + 1];
        assert!(read_bounded(&long[..], "token").is_err());
        let ok = vec![b'a'; MAX_SECRET_BYTES as usize];
        assert_eq!(read_bounded(&ok[..], "token").unwrap().len(), ok.len());
        assert!(read_bounded(&[0xff, 0xfe][..], "token").is_err());
    }
}
