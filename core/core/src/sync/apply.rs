//! Applying pulled records on a peer's device: verify (learning the author from a
//! certificate if needed), the higher version wins, then re-derive the clear index.
//! Records whose author is not known yet wait, and are retried as certificates arrive.

use crate::certs;
use crate::error::Result;
use crate::index::reindex;
use crate::platform::{LogLevel, Logger};
use crate::session::Session;
use crate::store::{self, Store};
use crate::util::now_rfc3339;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::Envelope;
use peerlog_protocol::api::PullResponse;
use peerlog_rules::Locale;
use rusqlite::Connection;

#[derive(Debug, PartialEq, Eq)]
enum Applied {
    New,
    Known,
    Deferred,
    Invalid,
}

/// Applies one pulled record.
fn record(
    tx: &Connection,
    s: &mut Session,
    account_id: &str,
    env: &Envelope,
    log: &Logger,
) -> Result<Applied> {
    if env.validate().is_err() {
        return Ok(Applied::Invalid);
    }
    let key = match store::device_key(tx, &env.meta.author_device)? {
        Some(b) => DevicePublicKey::from_bytes(&b)?,
        None => match certs::learn_author(
            env,
            &s.keys.peer,
            account_id,
            s.chapter_signing_key.as_ref(),
        ) {
            Some(k) => {
                store::put_device(tx, &k.device_id(), k.as_bytes(), &now_rfc3339())?;
                k
            }
            None => {
                store::sync::defer(tx, env)?;
                return Ok(Applied::Deferred);
            }
        },
    };
    let Ok(verified) = peerlog_crypto::envelope::verify(env, &key) else {
        log.log(LogLevel::Warn, "peerlog::sync", || {
            "a pulled record failed verification and was ignored".into()
        });
        return Ok(Applied::Invalid);
    };
    let local = store::get_record(tx, env.meta.collection, &env.meta.id)?;
    match local {
        Some(l) if l.envelope.meta.version > env.meta.version => Ok(Applied::Known),
        Some(l) if l.envelope.meta.version == env.meta.version => {
            store::sync::mark_pushed(tx, &l.envelope, None)?;
            Ok(Applied::Known)
        }
        _ => {
            store::put_record(tx, env, false)?;
            s.observe_version(tx, env.meta.version)?;
            if let Err(e) = reindex(tx, s, verified) {
                let code = e.to_ffi(Locale::En).code().to_string();
                log.log(LogLevel::Warn, "peerlog::sync", || {
                    format!("a pulled record could not be indexed: {code}")
                });
            }
            Ok(Applied::New)
        }
    }
}

/// Retries the records that waited for their author's certificate until a pass makes no
/// progress. Returns how many were applied.
fn retry_deferred(tx: &Connection, s: &mut Session, account_id: &str, log: &Logger) -> Result<u64> {
    let mut applied = 0;
    loop {
        let mut progressed = false;
        for env in store::sync::deferred(tx)? {
            // `record` defers it again while its author is still unknown.
            store::sync::undefer(tx, &env)?;
            match record(tx, s, account_id, &env, log)? {
                Applied::Deferred => {}
                Applied::New => {
                    applied += 1;
                    progressed = true;
                }
                Applied::Known | Applied::Invalid => progressed = true,
            }
        }
        if !progressed {
            return Ok(applied);
        }
    }
}

/// Applies a pull page and moves the cursor, in one transaction.
pub(super) fn page(
    st: &mut Store,
    s: &mut Session,
    account_id: &str,
    page: &PullResponse,
    log: &Logger,
) -> Result<u64> {
    st.tx(|tx| {
        let mut applied = 0;
        for rec in &page.records {
            if record(tx, s, account_id, &rec.envelope, log)? == Applied::New {
                applied += 1;
            }
        }
        applied += retry_deferred(tx, s, account_id, log)?;
        store::sync::set_cursor(tx, page.cursor)?;
        Ok(applied)
    })
}
