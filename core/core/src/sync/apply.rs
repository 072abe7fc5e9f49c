//! Applying pulled records on a peer's device: verify (learning the author from a
//! certificate if needed), the higher version wins, then re-derive the clear index.
//! Records whose author is not known yet wait, and are retried as certificates arrive;
//! the waiting list is bounded, so a server or device cannot fill the phone with them.

use crate::certs;
use crate::error::Result;
use crate::index::reindex;
use crate::platform::{LogLevel, Logger};
use crate::session::{Arrived, Session};
use crate::store::waiting::{Parked, Waiting};
use crate::store::{self, CertifiedBy, Store};
use crate::util::now_rfc3339;
use crate::{chapter_settings, training};
use peerlog_crypto::DevicePublicKey;
use peerlog_crypto::envelope::{ContentKey, Verified};
use peerlog_protocol::api::PullResponse;
use peerlog_protocol::api::SignedRevocation;
use peerlog_protocol::{Collection, Envelope, Hlc};
use peerlog_rules::Locale;
use rusqlite::Connection;
use std::collections::HashMap;

#[derive(Debug, PartialEq, Eq)]
enum Applied {
    New,
    Known,
    Deferred,
    /// The author is unknown and the waiting list is full: not kept, never applied.
    Dropped,
    Invalid,
}

/// What a device certified by the chapter (a coordinator's machine) may write into a
/// peer's store: new expense decisions, training records, the chapter's settings, the
/// device's enrolment certificate and debrief followed-up marks, nothing else. Not a
/// contact, a note, a report, a
/// declaration signature, a tombstone, or a new version of a record the peer wrote.
fn chapter_may_write(
    tx: &Connection,
    s: &Session,
    verified: peerlog_crypto::envelope::Verified<'_>,
) -> Result<bool> {
    let env = verified.envelope();
    let allowed: &[&str] = match env.meta.collection {
        Collection::Expenses => &[
            certs::DECISION_TYPE,
            certs::ENROLMENT_RECORD_TYPE,
            training::TRAINING_TYPE,
            chapter_settings::SETTINGS_TYPE,
        ],
        Collection::Debriefs => &[crate::debrief::FOLLOWED_UP_TYPE],
        _ => return Ok(false),
    };
    if env.meta.deleted {
        return Ok(false);
    }
    if let Some(local) = store::get_record(tx, env.meta.collection, &env.meta.id)? {
        let by = store::device(tx, &local.envelope.meta.author_device)?.map(|d| d.certified_by);
        if by != Some(CertifiedBy::Chapter) {
            return Ok(false);
        }
    }
    let Ok(v) = s.open_verified::<serde_json::Value>(verified) else {
        return Ok(false);
    };
    Ok(certs::payload_type(&v).is_some_and(|t| allowed.contains(&t)))
}

/// What is checked of a pulled record before it is applied, for a whole page at once and
/// on several cores: its signature against the author key the store knew when the page
/// arrived, and its content key unwrapped for this device. `record` uses it only for the
/// envelope it was made for, and only if the author's key is still that one.
struct Prechecked<'a> {
    /// The envelope checked (compared by address: a check is never another record's).
    env: &'a Envelope,
    author: [u8; 32],
    verified: Option<Verified<'a>>,
    key: Option<ContentKey>,
}

/// Most threads a page is checked on (a phone has 4–8 cores; the work is CPU only).
const PRECHECK_THREADS: usize = 4;
/// Records a checking thread takes at a time: small, so that applying (on the calling
/// thread, in order) starts early and overlaps the checking of the rest of the page.
const PRECHECK_PIECE: usize = 32;

/// Each author's key as the store knows it when the page arrives, looked up once.
fn author_keys<'e>(
    tx: &Connection,
    envs: &[&'e Envelope],
) -> Result<HashMap<&'e str, Option<DevicePublicKey>>> {
    let mut authors = HashMap::new();
    for env in envs {
        let id = env.meta.author_device.as_str();
        if !authors.contains_key(id) {
            let key = store::device(tx, id)?
                .and_then(|d| DevicePublicKey::from_bytes(&d.public_key).ok());
            authors.insert(id, key);
        }
    }
    Ok(authors)
}

fn precheck_one<'a>(
    authors: &HashMap<&str, Option<DevicePublicKey>>,
    peer: &peerlog_crypto::RecipientSecretKey,
    env: &'a Envelope,
) -> Option<Prechecked<'a>> {
    let author = authors.get(env.meta.author_device.as_str())?.as_ref()?;
    let verified = peerlog_crypto::envelope::verify(env, author).ok();
    let key = verified.and_then(|v| peerlog_crypto::envelope::unwrap_verified(v, peer).ok());
    Some(Prechecked {
        env,
        author: *author.as_bytes(),
        verified,
        key,
    })
}

/// Calls `apply` on every record of the page in order, with what [`precheck_one`] found
/// for it. The checks run piece by piece on one thread less than the cores (at most
/// [`PRECHECK_THREADS`]) while this thread applies the pieces already checked; when the
/// piece it needs next is not checked yet, this thread checks an unclaimed piece itself
/// rather than wait. Applying is the one part that cannot be shared, so it never competes
/// with more checking threads than there are cores left for them. A piece whose thread
/// failed is applied unchecked (`record` then checks it itself).
fn checked_in_order<'a>(
    tx: &Connection,
    peer: &peerlog_crypto::RecipientSecretKey,
    envs: &[&'a Envelope],
    mut apply: impl FnMut(&'a Envelope, Option<&Prechecked<'a>>) -> Result<()>,
) -> Result<()> {
    let authors = author_keys(tx, envs)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .min(PRECHECK_THREADS);
    if threads < 1 || envs.len() < 2 * PRECHECK_PIECE {
        for env in envs {
            apply(env, precheck_one(&authors, peer, env).as_ref())?;
        }
        return Ok(());
    }
    let pieces: Vec<&[&'a Envelope]> = envs.chunks(PRECHECK_PIECE).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (authors, next, pieces_ref) = (&authors, &next, &pieces);
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::channel::<CheckedPiece<'a>>();
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let send = send.clone();
            workers.push(scope.spawn(move || {
                while let Some(checked) = check_next(pieces_ref, next, authors, peer) {
                    // The receiver is gone only when applying failed: stop.
                    if send.send(checked).is_err() {
                        return;
                    }
                }
            }));
        }
        drop(send);
        let mut check_here = || check_next(pieces_ref, next, authors, peer);
        let applied = apply_in_order(&pieces, &receive, &mut check_here, &mut apply);
        // Stops the threads at their next piece if applying failed; a thread that
        // panicked is joined here, so its panic is not the caller's.
        drop(receive);
        for w in workers {
            let _ = w.join();
        }
        applied
    })
}

/// A checked piece: its index in the page and what [`precheck_one`] found for each record.
type CheckedPiece<'a> = (usize, Vec<Option<Prechecked<'a>>>);

/// Claims the next piece nobody checks yet and checks it; `None` when none is left.
fn check_next<'a>(
    pieces: &[&[&'a Envelope]],
    next: &std::sync::atomic::AtomicUsize,
    authors: &HashMap<&str, Option<DevicePublicKey>>,
    peer: &peerlog_crypto::RecipientSecretKey,
) -> Option<CheckedPiece<'a>> {
    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let piece = pieces.get(i)?;
    Some((
        i,
        piece
            .iter()
            .map(|e| precheck_one(authors, peer, e))
            .collect(),
    ))
}

/// Applies the pieces in the page's order as their checks arrive (in any order); while the
/// next piece is not there, checks one itself (`check_here`) instead of waiting.
fn apply_in_order<'a>(
    pieces: &[&[&'a Envelope]],
    receive: &std::sync::mpsc::Receiver<CheckedPiece<'a>>,
    check_here: &mut impl FnMut() -> Option<CheckedPiece<'a>>,
    apply: &mut impl FnMut(&'a Envelope, Option<&Prechecked<'a>>) -> Result<()>,
) -> Result<()> {
    let mut arrived: HashMap<usize, Vec<Option<Prechecked<'a>>>> = HashMap::new();
    let mut unclaimed = true;
    for (i, piece) in pieces.iter().enumerate() {
        let checked = loop {
            if let Some(c) = arrived.remove(&i) {
                break Some(c);
            }
            if let Ok((j, c)) = receive.try_recv() {
                arrived.insert(j, c);
                continue;
            }
            if unclaimed {
                match check_here() {
                    Some((j, c)) => {
                        arrived.insert(j, c);
                        continue;
                    }
                    None => unclaimed = false,
                }
            }
            match receive.recv() {
                Ok((j, c)) => {
                    arrived.insert(j, c);
                }
                // Every thread ended without this piece (one panicked).
                Err(_) => break None,
            }
        };
        for (k, env) in piece.iter().enumerate() {
            let pre = checked
                .as_ref()
                .and_then(|c| c.get(k))
                .and_then(Option::as_ref);
            apply(env, pre)?;
        }
    }
    Ok(())
}

/// Applies one pulled record (`pre`: what [`precheck_one`] found, if it ran for it).
fn record<'a>(
    tx: &Connection,
    s: &mut Session,
    account_id: &str,
    env: &'a Envelope,
    pre: Option<&Prechecked<'a>>,
    waiting: &mut Waiting,
    log: &Logger,
) -> Result<Applied> {
    if env.validate().is_err() {
        return Ok(Applied::Invalid);
    }
    let (key, certified_by) = match store::device(tx, &env.meta.author_device)? {
        Some(d) => {
            // A revoked device (a stolen phone) can no longer push, so a later version of
            // its can only come from a server replaying the thief's writes.
            if d.revoked_at_ms
                .is_some_and(|at| Hlc::unix_ms(env.meta.version) > at)
            {
                log.log(LogLevel::Warn, "peerlog::sync", || {
                    "a record written after its device was revoked was ignored".into()
                });
                return Ok(Applied::Invalid);
            }
            (DevicePublicKey::from_bytes(&d.public_key)?, d.certified_by)
        }
        None => match certs::learn_author(
            env,
            &s.keys.peer,
            account_id,
            s.chapter_signing_key.as_ref(),
        ) {
            Some((k, by)) => {
                store::put_device(tx, &k.device_id(), k.as_bytes(), &now_rfc3339(), by)?;
                waiting.learned = true;
                (k, by)
            }
            None => {
                return Ok(match waiting.defer(tx, env)? {
                    Parked::Waiting => Applied::Deferred,
                    Parked::Dropped => Applied::Dropped,
                });
            }
        },
    };
    // A check counts only for this very envelope and the author key known now.
    let pre = pre.filter(|p| std::ptr::eq(p.env, env) && p.author == *key.as_bytes());
    let verified = match pre {
        Some(p) => p.verified,
        None => peerlog_crypto::envelope::verify(env, &key).ok(),
    };
    let Some(verified) = verified else {
        log.log(LogLevel::Warn, "peerlog::sync", || {
            "a pulled record failed verification and was ignored".into()
        });
        return Ok(Applied::Invalid);
    };
    if certified_by == CertifiedBy::Chapter && !chapter_may_write(tx, s, verified)? {
        log.log(LogLevel::Warn, "peerlog::sync", || {
            "a record from the chapter that only the peer may write was ignored".into()
        });
        return Ok(Applied::Invalid);
    }
    // The version alone: a receipt pulled back after its push is not read again.
    let stored = match store::record_version(tx, env.meta.collection, &env.meta.id)? {
        Some(v) if v > env.meta.version => None,
        Some(v) if v == env.meta.version => {
            store::sync::mark_pushed(tx, env, None)?;
            None
        }
        _ => Some(store_new(tx, s, env, verified, pre, log)?),
    };
    if certified_by == CertifiedBy::Account {
        // The server holds this version of one of the account's own records (ADR 0022).
        // A record just stored was hashed as it was written.
        let hash = match stored {
            Some(hash) => hash,
            None => peerlog_crypto::envelope_sha256(env)?,
        };
        let kid = s.chapter_key.as_ref().map(|k| k.key_id());
        crate::heads::note_on_server(tx, env, hash, kid.as_deref())?;
    }
    Ok(if stored.is_some() {
        Applied::New
    } else {
        Applied::Known
    })
}

/// Stores a verified record newer than the one held, keeping its content key, and indexes
/// it. Returns the SHA-256 of the bytes stored.
fn store_new(
    tx: &Connection,
    s: &mut Session,
    env: &Envelope,
    verified: Verified<'_>,
    pre: Option<&Prechecked<'_>>,
    log: &Logger,
) -> Result<[u8; 32]> {
    // Verified now: keep its content key, so reading it is one AES-GCM (ADR 0017).
    let key = match pre {
        Some(p) => p.key.clone(),
        None => peerlog_crypto::envelope::unwrap_verified(verified, &s.keys.peer).ok(),
    };
    let hash = store::put_record_keeping(tx, env, false, |hash| {
        key.as_ref().map(|k| s.keep(hash, k)).transpose()
    })?;
    s.observe_version(tx, env.meta.version)?;
    let arrived = Arrived {
        verified,
        key: key.as_ref(),
    };
    if let Err(e) = reindex(tx, s, arrived) {
        let code = e.to_ffi(Locale::En).code().to_string();
        log.log(LogLevel::Warn, "peerlog::sync", || {
            format!("a pulled record could not be indexed: {code}")
        });
    }
    Ok(hash)
}

/// Retries the records that waited for their author's certificate until a pass makes no
/// progress. Returns how many were applied.
fn retry_deferred(
    tx: &Connection,
    s: &mut Session,
    account_id: &str,
    waiting: &mut Waiting,
    log: &Logger,
) -> Result<u64> {
    let mut applied = 0;
    loop {
        let mut progressed = false;
        for env in store::sync::deferred(tx)? {
            // `record` defers it again while its author is still unknown (it fits: it
            // just left the list).
            waiting.undefer(tx, &env)?;
            match record(tx, s, account_id, &env, None, waiting, log)? {
                Applied::Deferred | Applied::Dropped => {}
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

/// Marks the peer's other devices revoked by the signed statements the server handed on:
/// only a statement signed by the chapter or by the peer's own account key counts, so the
/// server cannot make this device distrust a sibling. This device's own revocation is
/// handled when the server refuses it.
fn learn_revocations(
    tx: &Connection,
    s: &Session,
    account_id: &str,
    revocations: &[SignedRevocation],
    log: &Logger,
) -> Result<()> {
    for rev in revocations {
        let device = &rev.statement.device_id;
        if *device == s.device_id {
            continue;
        }
        if !certs::revocation_is_genuine(
            rev,
            device,
            account_id,
            s.chapter_signing_key.as_ref(),
            &s.keys.peer,
        ) {
            log.log(LogLevel::Warn, "peerlog::sync", || {
                "a revocation that does not verify was ignored".into()
            });
            continue;
        }
        let at_ms = u64::try_from(rev.statement.revoked_at)
            .unwrap_or(0)
            .saturating_mul(1000);
        store::set_device_revoked(tx, device, at_ms)?;
    }
    Ok(())
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
        let mut waiting = Waiting::load(tx)?;
        let mut applied = 0;
        learn_revocations(tx, s, account_id, &page.revocations, log)?;
        let envs: Vec<&Envelope> = page.records.iter().map(|r| &r.envelope).collect();
        // The checking threads get their own copy of the peer key (zeroised when dropped).
        let peer = s.keys.peer.clone();
        checked_in_order(tx, &peer, &envs, |env, pre| {
            if record(tx, s, account_id, env, pre, &mut waiting, log)? == Applied::New {
                applied += 1;
            }
            Ok(())
        })?;
        // Again only if this page taught us a device: it may be a revoked one.
        if waiting.learned {
            learn_revocations(tx, s, account_id, &page.revocations, log)?;
        }
        // Only a newly learned device key can let a waiting record apply.
        if waiting.learned && waiting.records > 0 {
            applied += retry_deferred(tx, s, account_id, &mut waiting, log)?;
        }
        if waiting.dropped > 0 {
            store::sync::add_deferred_dropped(tx, waiting.dropped)?;
            let (dropped, held) = (waiting.dropped, waiting.records);
            log.log(LogLevel::Warn, "peerlog::sync", || {
                format!(
                    "{dropped} pulled record(s) by unknown devices dropped: \
                     {held} already wait for a certificate"
                )
            });
        }
        store::sync::set_cursor(tx, page.cursor)?;
        Ok(applied)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::keys::Keys;
    use crate::model::ContactInput;
    use crate::sync::enrol::write_cert;
    use crate::{contacts, declarations, testing};
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::Collection;
    use peerlog_protocol::api::PulledEnvelope;
    use peerlog_rules::ContactKind;

    const C2: &str = "0193a000-0000-7000-8000-0000000000c2";

    /// Records written on a second device of the same peer: its certificate, its
    /// declaration signature and one contact (`C2`).
    fn second_device(first: &Session, dir: &std::path::Path) -> Vec<Envelope> {
        second_device_with(first, dir, 0)
    }

    /// [`second_device`], with `more` contacts besides `C2`.
    fn second_device_with(first: &Session, dir: &std::path::Path, more: u32) -> Vec<Envelope> {
        let mut h = testing::home(dir);
        let keys = Keys::from_parts(
            DeviceSigningKey::generate().unwrap(),
            first.keys.peer.clone(),
        );
        let s = Session::new(keys, first.profile.clone(), Clock::default());
        h.store.tx(|tx| s.save_new_device(tx)).unwrap();
        h.session = Some(s);
        let (st, s) = h.parts().unwrap();
        st.tx(|tx| write_cert(tx, s)).unwrap();
        declarations::sign_current(st, s, "Kari Nordmann", true, None).unwrap();
        let input = ContactInput::new("2026-03-03", ContactKind::Visit, 30);
        contacts::write(st, s, C2, &input, None).unwrap();
        for i in 0..more {
            let id = format!("0193a000-0000-7000-8000-{i:012x}");
            contacts::write(st, s, &id, &input, None).unwrap();
        }
        store::all_records(st.conn(), None)
            .unwrap()
            .into_iter()
            .map(|r| r.envelope)
            .collect()
    }

    fn pull(envs: Vec<Envelope>, cursor: u64) -> PullResponse {
        PullResponse {
            records: envs
                .into_iter()
                .enumerate()
                .map(|(i, envelope)| PulledEnvelope {
                    seq: i as u64 + 1,
                    envelope,
                })
                .collect(),
            cursor,
            has_more: false,
            declaration_version: None,
            revocations: vec![],
            head: None,
            heads: vec![],
        }
    }

    #[test]
    fn records_wait_for_their_authors_certificate_and_then_apply() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let (mut h, _) = testing::device(a.path());
        let mut envs = second_device(h.session().unwrap(), b.path());
        // The certificate arrives last: the contact and the signature must wait for it.
        envs.sort_by_key(|e| e.meta.collection == Collection::Notes);
        assert_eq!(envs.len(), 3);
        assert_eq!(envs[2].meta.collection, Collection::Notes);
        // And a record by another peer's device, which nothing here can certify.
        let (stranger, _) = testing::device(c.path());
        let strangers = store::all_records(stranger.store.conn(), None).unwrap();
        assert_eq!(strangers.len(), 1);
        let mut page_envs = envs.clone();
        page_envs.push(strangers[0].envelope.clone());

        let (st, s) = h.parts().unwrap();
        let log = Logger::default();
        let applied = page(st, s, "p", &pull(page_envs, 10), &log).unwrap();
        assert_eq!(applied, 3, "every record of the second device");
        let ids: Vec<_> = contacts::list(st.conn(), s, None, None)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [C2]);
        let waiting = store::sync::deferred(st.conn()).unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].meta.id, strangers[0].envelope.meta.id);
        // A later page that teaches no new key leaves it waiting; nothing else changes.
        assert_eq!(page(st, s, "p", &pull(Vec::new(), 11), &log).unwrap(), 0);
        assert_eq!(store::sync::deferred(st.conn()).unwrap().len(), 1);
    }

    /// A page large enough to be checked on several threads, piece by piece while the
    /// checked pieces are applied, gives what checking record by record gives: every
    /// genuine record, whatever piece it is in, and none whose bytes changed on the way.
    #[test]
    fn a_page_checked_on_several_threads_applies_what_verifies_and_nothing_else() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut h, _) = testing::device(a.path());
        let all = second_device_with(h.session().unwrap(), b.path(), 300);
        // The device's certificate (and its signature) on an earlier page, so that the
        // threads know its key and check the contacts themselves.
        let (mut envs, first): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|e| e.meta.collection == Collection::Contacts);
        assert!(envs.len() > 4 * PRECHECK_PIECE, "{} records", envs.len());
        let mut tampered = Vec::new();
        for i in [40, 41, 150, envs.len() - 1] {
            envs[i].ciphertext[0] ^= 1;
            tampered.push(envs[i].meta.id.clone());
        }
        let mut expected: Vec<String> = envs
            .iter()
            .map(|e| e.meta.id.clone())
            .filter(|id| !tampered.contains(id))
            .collect();
        expected.sort();

        let (st, s) = h.parts().unwrap();
        let log = Logger::default();
        assert_eq!(page(st, s, "p", &pull(first, 9), &log).unwrap(), 2);
        let n = envs.len() as u64;
        let applied = page(st, s, "p", &pull(envs, 10), &log).unwrap();
        assert_eq!(applied, n - tampered.len() as u64);
        let mut ids: Vec<String> = contacts::list(st.conn(), s, None, None)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        ids.sort();
        assert_eq!(ids, expected);
        for id in &tampered {
            assert!(
                store::get_record(st.conn(), Collection::Contacts, id)
                    .unwrap()
                    .is_none()
            );
        }
    }

    /// A hostile server (or device) sends far more records by unknown devices than any
    /// real backlog: the waiting list stays bounded, and the records that really wait for
    /// a certificate still apply when it arrives.
    #[test]
    fn a_flood_of_records_by_unknown_devices_is_bounded() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let (mut h, _) = testing::device(a.path());
        let envs = second_device(h.session().unwrap(), b.path());
        let (cert, waiting): (Vec<_>, Vec<_>) = envs
            .into_iter()
            .partition(|e| e.meta.collection == Collection::Notes);
        let (stranger, _) = testing::device(c.path());
        let template = store::all_records(stranger.store.conn(), None).unwrap()[0]
            .envelope
            .clone();
        let flood: Vec<Envelope> = (0..1_100)
            .map(|_| {
                let mut e = template.clone();
                e.meta.id = uuid::Uuid::now_v7().to_string();
                e
            })
            .collect();

        let (st, s) = h.parts().unwrap();
        let log = Logger::default();
        assert_eq!(page(st, s, "p", &pull(waiting, 1), &log).unwrap(), 0);
        for (i, chunk) in flood.chunks(500).enumerate() {
            assert_eq!(
                page(st, s, "p", &pull(chunk.to_vec(), 2 + i as u64), &log).unwrap(),
                0
            );
        }
        let held = store::sync::deferred(st.conn()).unwrap();
        assert_eq!(held.len(), 1_000, "the waiting list is bounded");
        assert_eq!(crate::store::waiting::MAX_DEFERRED_RECORDS, 1_000);
        let status = crate::net::status(st.conn(), None, true).unwrap();
        assert_eq!(status.waiting_records, 1_000);
        assert_eq!(status.dropped_records, 2 + 1_100 - 1_000);
        // The first to wait are kept; the extra ones were dropped, not applied.
        assert!(held.iter().any(|e| e.meta.id == C2));
        assert!(contacts::list(st.conn(), s, None, None).unwrap().is_empty());

        assert_eq!(page(st, s, "p", &pull(cert, 10), &log).unwrap(), 3);
        let ids: Vec<_> = contacts::list(st.conn(), s, None, None)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [C2]);
        assert_eq!(store::sync::deferred(st.conn()).unwrap().len(), 998);
        let status = crate::net::status(st.conn(), None, true).unwrap();
        assert_eq!(status.waiting_records, 998);
        assert_eq!(status.dropped_records, 102, "dropped records stay counted");
    }

    #[test]
    fn the_waiting_list_is_bounded_in_bytes_too() {
        let (a, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (h, _) = testing::device(a.path());
        let (stranger, _) = testing::device(c.path());
        let template = store::all_records(stranger.store.conn(), None).unwrap()[0]
            .envelope
            .clone();
        let size = template.to_json_bytes().unwrap().len() as u64;
        let tx = h.store.conn();
        let mut waiting = Waiting::load(tx).unwrap();
        waiting.max_bytes = 2 * size + size / 2;
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            let mut e = template.clone();
            e.meta.id = uuid::Uuid::now_v7().to_string();
            outcomes.push(waiting.defer(tx, &e).unwrap());
        }
        assert_eq!(
            outcomes,
            [Parked::Waiting, Parked::Waiting, Parked::Dropped]
        );
        // The same record again is not counted twice.
        let again = store::sync::deferred(tx).unwrap().remove(0);
        assert_eq!(waiting.defer(tx, &again).unwrap(), Parked::Waiting);
        assert_eq!((waiting.records, waiting.dropped), (2, 1));
        assert_eq!(store::sync::deferred_size(tx).unwrap(), (2, 2 * size));
    }

    #[test]
    fn an_unknown_author_without_a_certificate_waits() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut h, _) = testing::device(a.path());
        let envs = second_device(h.session().unwrap(), b.path());
        let contact: Vec<_> = envs
            .into_iter()
            .filter(|e| e.meta.collection == Collection::Contacts)
            .collect();
        let (st, s) = h.parts().unwrap();
        let applied = page(st, s, "p", &pull(contact, 5), &Logger::default()).unwrap();
        assert_eq!(applied, 0);
        let waiting = store::sync::deferred(st.conn()).unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].meta.id, C2);
        assert!(contacts::list(st.conn(), s, None, None).unwrap().is_empty());
    }

    /// `payload` (or a tombstone) as record `id` of `collection`, written by `author`.
    fn sealed(
        s: &Session,
        author: &DeviceSigningKey,
        collection: Collection,
        id: &str,
        version: u64,
        payload: Option<serde_json::Value>,
    ) -> Envelope {
        let meta = peerlog_protocol::RecordMeta {
            id: id.into(),
            collection,
            version,
            author_device: author.device_id(),
            deleted: payload.is_none(),
        };
        let plaintext = peerlog_protocol::canonical::to_canonical_vec(
            &payload.unwrap_or_else(|| serde_json::json!({})),
        )
        .unwrap();
        let to = std::slice::from_ref(&s.keys.peer_public);
        peerlog_crypto::envelope::seal_record(&meta, &plaintext, to, author).unwrap()
    }

    #[test]
    fn a_coordinators_machine_writes_decisions_and_nothing_else_into_a_peers_log() {
        use crate::certs::{DeviceCert, ExpenseDecision};
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (chapter, coordinator) = (
            DeviceSigningKey::generate().unwrap(),
            DeviceSigningKey::generate().unwrap(),
        );
        let (st, s) = h.parts().unwrap();
        s.chapter_signing_key = Some(chapter.public_key());
        let own = ContactInput::new("2026-03-02", ContactKind::Visit, 60);
        contacts::write(st, s, C2, &own, None).unwrap();
        let log = Logger::default();
        let later = s.next_version(st.conn()).unwrap() + 1_000;

        // A decision carries the coordinator's chapter certificate: learned and applied.
        let cert = DeviceCert::issue(
            "p",
            coordinator.public_key(),
            certs::ISSUER_CHAPTER,
            &chapter,
            "2026-03-03T00:00:00Z".into(),
        )
        .unwrap();
        let decision = ExpenseDecision {
            kind: certs::DECISION_TYPE.into(),
            expense_id: "0193a000-0000-7000-8000-0000000000e1".into(),
            expense_version: 1,
            expense_sha256: [0; 32],
            account_id: "p".into(),
            approved: true,
            reason: None,
            decided_at: "2026-03-03T00:00:00Z".into(),
            cert,
        };
        let d = sealed(
            s,
            &coordinator,
            Collection::Expenses,
            "0193a000-0000-7000-8000-0000000000d1",
            later,
            Some(serde_json::to_value(&decision).unwrap()),
        );
        assert_eq!(page(st, s, "p", &pull(vec![d], 1), &log).unwrap(), 1);

        // Now known, the same machine tries to add a contact to the peer's own log,
        // replace the peer's contact, and delete it.
        let contact = |id: &str, version| {
            let payload = serde_json::json!({
                "schema": 1, "date": "2026-03-04", "minutes": 60, "kind": "visit",
                "participants": 1, "who": "target-group", "is_new": true, "abroad": false,
                "led_by_peer": false, "created_at": "2026-03-04T00:00:00Z",
                "updated_at": "2026-03-04T00:00:00Z",
            });
            sealed(
                s,
                &coordinator,
                Collection::Contacts,
                id,
                version,
                Some(payload),
            )
        };
        let added = contact("0193a000-0000-7000-8000-0000000000a9", later + 1);
        let replaced = contact(C2, later + 2);
        let deleted = sealed(s, &coordinator, Collection::Contacts, C2, later + 3, None);
        let applied = page(st, s, "p", &pull(vec![added, replaced, deleted], 2), &log).unwrap();
        assert_eq!(applied, 0);
        let list = contacts::list(st.conn(), s, None, None).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].id.as_str(), list[0].date.as_str()),
            (C2, "2026-03-02")
        );
    }

    /// A followed-up mark counts only if the chapter certified its author: another peer
    /// (with a certificate it signed itself, as "chapter" or as an account) cannot mark the
    /// peer's request done, and the coordinator's machine cannot write a request in the
    /// peer's name.
    #[test]
    fn only_the_chapter_can_mark_a_debrief_followed_up() {
        use crate::certs::DeviceCert;
        use crate::debrief::{self, DebriefFollowedUp, DebriefWhen};
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (chapter, coordinator, mallory) = (
            DeviceSigningKey::generate().unwrap(),
            DeviceSigningKey::generate().unwrap(),
            DeviceSigningKey::generate().unwrap(),
        );
        let (st, s) = h.parts().unwrap();
        s.chapter_signing_key = Some(chapter.public_key());
        s.chapter_key = Some(
            peerlog_crypto::RecipientSecretKey::generate()
                .unwrap()
                .public_key(),
        );
        let req = debrief::request(st, s, DebriefWhen::Week, Some("hard one".into())).unwrap();
        let log = Logger::default();
        let mut version = s.next_version(st.conn()).unwrap() + 1_000;
        let mut mark = |author: &DeviceSigningKey, issuer: &str, signer: &DeviceSigningKey| {
            let cert = DeviceCert::issue(
                "p",
                author.public_key(),
                issuer,
                signer,
                "2026-03-03T00:00:00Z".into(),
            )
            .unwrap();
            let m = DebriefFollowedUp {
                kind: debrief::FOLLOWED_UP_TYPE.into(),
                request_id: req.id.clone(),
                account_id: "p".into(),
                followed_up_at: "2026-03-03T00:00:00Z".into(),
                cert,
            };
            version += 1;
            sealed(
                s,
                author,
                Collection::Debriefs,
                &uuid::Uuid::now_v7().to_string(),
                version,
                Some(serde_json::to_value(&m).unwrap()),
            )
        };
        // Another peer's device, certifying itself as the chapter or as this account.
        let forged_chapter = mark(&mallory, certs::ISSUER_CHAPTER, &mallory);
        let forged_account = mark(&mallory, certs::ISSUER_ACCOUNT, &mallory);
        let genuine = mark(&coordinator, certs::ISSUER_CHAPTER, &chapter);
        let (st, s) = h.parts().unwrap();
        let applied = page(
            st,
            s,
            "p",
            &pull(vec![forged_chapter, forged_account], 1),
            &log,
        );
        assert_eq!(applied.unwrap(), 0);
        let list = debrief::list(st.conn(), s).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            list[0].followed_up_at, None,
            "a forged mark counts for nothing"
        );

        assert_eq!(page(st, s, "p", &pull(vec![genuine], 2), &log).unwrap(), 1);
        let list = debrief::list(st.conn(), s).unwrap();
        assert_eq!(
            list[0].followed_up_at.as_deref(),
            Some("2026-03-03T00:00:00Z")
        );

        // Now known, the coordinator's machine tries to add a request in the peer's name.
        let fake = serde_json::json!({
            "type": debrief::REQUEST_TYPE, "when": "today", "message": null,
            "created_at": "2026-03-04T00:00:00Z",
        });
        let fake = sealed(
            s,
            &coordinator,
            Collection::Debriefs,
            "0193a000-0000-7000-8000-0000000000f1",
            version + 10,
            Some(fake),
        );
        assert_eq!(page(st, s, "p", &pull(vec![fake], 3), &log).unwrap(), 0);
        assert_eq!(debrief::list(st.conn(), s).unwrap().len(), 1);
    }
}
