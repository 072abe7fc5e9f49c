//! Reading the chapter's records on the coordinator's machine: each is verified against
//! its author's key and opened with the chapter key here, never on the server. The
//! chapter report counts with the same index facts and rules as the peers' own apps.

use crate::keys::Keys;
use crate::{
    CategoryTotals, ChapterExpense, ChapterReport, CountedContact, MonthTotals, PeerContact,
    PeerReport,
};
use peerlog_core::certs::{self, ExpenseDecision};
use peerlog_core::declaration::{self, SignedDeclaration};
use peerlog_core::enrolment::{self, AccountRole, Enrolment};
use peerlog_core::error::Result;
use peerlog_core::model::{ContactPayload, ExpensePayload};
use peerlog_core::report::{self, SignedReport};
use peerlog_core::store::waiting::{Parked, Waiting};
use peerlog_core::store::{self, IndexedContact};
use peerlog_core::theme_counts::{THEME_COUNTS_TYPE, ThemeCounts};
use peerlog_core::{ExpenseStatus, Locale, Receipt, index};
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::{Collection, Envelope};
use peerlog_rules::RuleSet;
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap};

/// An account's newest declaration signature as the coordinator checked it.
#[derive(Debug, Clone)]
pub(crate) struct SignatureState {
    pub name: String,
    pub version: u32,
    signed_at: String,
    /// It verifies, was made by the account's own device, and is of the current version.
    pub valid: bool,
}

/// Who may read what: the coordinator's keys and enrolment.
pub(crate) struct Reader<'a> {
    pub conn: &'a Connection,
    pub keys: &'a Keys,
    pub enrol: &'a Enrolment,
}

/// This machine's own device: its records come back in the chapter's pulls.
pub(crate) struct OwnDevice<'a> {
    pub key: DevicePublicKey,
    pub account_id: &'a str,
}

/// The author's key and account: this machine's own device, or one of the accounts the
/// server listed.
fn author_of(
    conn: &Connection,
    own: &OwnDevice<'_>,
    device_id: &str,
) -> Result<Option<(DevicePublicKey, String)>> {
    if device_id == own.key.device_id() {
        return Ok(Some((own.key.clone(), own.account_id.to_owned())));
    }
    // A device the account key did not vouch for (one the server added to a proven
    // account, or any of a disputed one) is not an author this machine reads.
    let Some(row) = store::sync::chapter_device(conn, device_id)?.filter(|d| d.vouched) else {
        return Ok(None);
    };
    let key = DevicePublicKey::from_bytes(&row.public_key)?;
    // The device id is a hash of the key: the server cannot pair an id with another key.
    if key.device_id() != device_id {
        return Ok(None);
    }
    Ok(Some((key, row.account_id)))
}

/// Most threads the chapter's records are checked and opened on (the work is CPU only).
const PARALLEL_THREADS: usize = 4;

/// `f` over `items`, in order, split over the machine's cores (up to
/// [`PARALLEL_THREADS`]); small inputs stay on this thread.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(PARALLEL_THREADS);
    if threads < 2 || items.len() < 32 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(chunk))
            // A thread that failed: its part again on this thread (failing the same way).
            .flat_map(|(h, part)| h.join().unwrap_or_else(|_| part.iter().map(f).collect()))
            .collect()
    })
}

/// A pulled record's signature, checked ahead (in parallel over a page) against the key
/// its author had then; [`admit`] uses it only if the author's key is still that one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prechecked {
    author: [u8; 32],
    valid: bool,
}

/// Checks the signatures of a page's records in parallel (each author's key looked up
/// once); `None` for a record whose author is not known here.
pub(crate) fn precheck(
    tx: &Connection,
    own: &OwnDevice<'_>,
    envs: &[&Envelope],
) -> Result<Vec<Option<Prechecked>>> {
    let mut authors: HashMap<&str, Option<DevicePublicKey>> = HashMap::new();
    for env in envs {
        let id = env.meta.author_device.as_str();
        if !authors.contains_key(id) {
            authors.insert(id, author_of(tx, own, id)?.map(|(key, _)| key));
        }
    }
    Ok(par_map(envs, |env| {
        let key = authors.get(env.meta.author_device.as_str())?.as_ref()?;
        Some(Prechecked {
            author: *key.as_bytes(),
            valid: peerlog_crypto::envelope::verify_envelope(env, key).is_ok(),
        })
    }))
}

/// What became of a pulled chapter record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admitted {
    /// Verified and stored (a new record, or a newer version).
    Stored,
    /// Verified; the stored version is as new or newer.
    Known,
    /// Its author is not known yet: it waits for the next account list.
    Waiting,
    /// Its author is unknown and too many records wait already: not kept.
    Dropped,
    /// Malformed, or its signature does not verify: ignored, nothing replaced.
    Refused,
}

/// Verifies a pulled record before it replaces anything: a record the server altered, or
/// one signed by a key other than its author's, never takes the place of a stored one.
pub(crate) fn admit(
    tx: &Connection,
    own: &OwnDevice<'_>,
    env: &Envelope,
    seq: u64,
    waiting: &mut Waiting,
    pre: Option<&Prechecked>,
) -> Result<Admitted> {
    if env.validate().is_err() {
        return Ok(Admitted::Refused);
    }
    let Some((key, _)) = author_of(tx, own, &env.meta.author_device)? else {
        return Ok(match waiting.defer(tx, env)? {
            Parked::Waiting => Admitted::Waiting,
            Parked::Dropped => Admitted::Dropped,
        });
    };
    let valid = match pre {
        Some(p) if p.author == *key.as_bytes() => p.valid,
        _ => peerlog_crypto::envelope::verify_envelope(env, &key).is_ok(),
    };
    if !valid {
        return Ok(Admitted::Refused);
    }
    Ok(if store::sync::put_chapter_record(tx, env, seq)? {
        Admitted::Stored
    } else {
        Admitted::Known
    })
}

/// Tries the waiting records again (after the account list was refreshed). Returns how
/// many were stored.
pub(crate) fn admit_waiting(
    tx: &Connection,
    own: &OwnDevice<'_>,
    waiting: &mut Waiting,
) -> Result<(u64, u64)> {
    let (mut stored, mut refused) = (0, 0);
    for env in store::sync::deferred(tx)? {
        waiting.undefer(tx, &env)?;
        match admit(tx, own, &env, 0, waiting, None)? {
            Admitted::Stored => stored += 1,
            Admitted::Refused => refused += 1,
            Admitted::Known | Admitted::Waiting | Admitted::Dropped => {}
        }
    }
    Ok((stored, refused))
}

impl Reader<'_> {
    /// The author's key and account, from the accounts the server listed.
    fn author(&self, device_id: &str) -> Result<Option<(DevicePublicKey, String)>> {
        let own = OwnDevice {
            key: self.keys.device.public_key(),
            account_id: &self.enrol.account_id,
        };
        author_of(self.conn, &own, device_id)
    }

    /// Verifies and opens a chapter record: its contents and author account, or `None`
    /// if the author is unknown or anything fails to verify or parse.
    pub fn open<T: serde::de::DeserializeOwned>(
        &self,
        env: &Envelope,
    ) -> Result<Option<(T, String)>> {
        let Some((key, account)) = self.author(&env.meta.author_device)? else {
            return Ok(None);
        };
        let Ok(pt) = peerlog_crypto::envelope::open_record(env, &self.keys.chapter, &key) else {
            return Ok(None);
        };
        Ok(serde_json::from_slice(&pt).ok().map(|t| (t, account)))
    }

    /// [`Reader::open`] of many records, split over the cores (each author looked up once).
    pub fn open_all<T: serde::de::DeserializeOwned + Send>(
        &self,
        envs: &[Envelope],
    ) -> Result<Vec<Option<(T, String)>>> {
        let mut authors: HashMap<&str, Option<(DevicePublicKey, String)>> = HashMap::new();
        for env in envs {
            let id = env.meta.author_device.as_str();
            if !authors.contains_key(id) {
                authors.insert(id, self.author(id)?);
            }
        }
        let chapter = &self.keys.chapter;
        Ok(par_map(envs, |env| {
            let (key, account) = authors.get(env.meta.author_device.as_str())?.as_ref()?;
            let pt = peerlog_crypto::envelope::open_record(env, chapter, key).ok()?;
            serde_json::from_slice(&pt)
                .ok()
                .map(|t| (t, account.clone()))
        }))
    }

    /// The chapter's current published declaration (id, version), if one was published.
    pub fn current_declaration(&self) -> Result<Option<(String, u32)>> {
        let Some((_, row)) = Enrolment::load(self.conn)? else {
            return Ok(None);
        };
        Ok(enrolment::stored_declaration(&row)?
            .map(|p| (p.document.declaration_id, p.document.version)))
    }

    /// Each account's newest declaration signature; `valid` also requires `current`
    /// (when given) to be the version signed.
    pub fn signatures(
        &self,
        current: Option<(String, u32)>,
    ) -> Result<HashMap<String, SignatureState>> {
        let mut out: HashMap<String, SignatureState> = HashMap::new();
        for env in store::sync::chapter_records(self.conn, Collection::Declarations)? {
            let Some((d, account)) = self.open::<SignedDeclaration>(&env)? else {
                continue;
            };
            let valid = declaration::verify(&d).is_ok()
                && d.doc.peer_id == account
                && d.doc.device_key.device_id() == env.meta.author_device
                && current.as_ref().is_none_or(|(id, v)| {
                    *id == d.doc.declaration_id && *v == d.doc.declaration_version
                });
            let newer = out
                .get(&account)
                .is_none_or(|s| d.doc.signed_at > s.signed_at);
            if newer {
                out.insert(
                    account,
                    SignatureState {
                        name: d.doc.signer_name.clone(),
                        version: d.doc.declaration_version,
                        signed_at: d.doc.signed_at.clone(),
                        valid,
                    },
                );
            }
        }
        Ok(out)
    }

    /// The chapter's report for `from..=to` (a calendar year).
    pub fn report(
        &self,
        year: i32,
        rules: &RuleSet,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        mut unreadable: impl FnMut(),
    ) -> Result<ChapterReport> {
        let locale = Locale::default();
        // Contacts per peer account, as the peer's own index holds them.
        let mut rows: BTreeMap<String, Vec<IndexedContact>> = BTreeMap::new();
        for a in store::sync::chapter_accounts(self.conn)? {
            if AccountRole::parse(&a.role) == Some(AccountRole::Peer) {
                rows.entry(a.account_id).or_default();
            }
        }
        let envs = store::sync::chapter_records(self.conn, Collection::Contacts)?;
        for (env, opened) in envs.iter().zip(self.open_all::<ContactPayload>(&envs)?) {
            let Some((p, account)) = opened else {
                unreadable();
                continue;
            };
            let row = index::contact_row(&env.meta.id, &p);
            if row.date >= from && row.date <= to {
                rows.entry(account).or_default().push(row);
            }
        }
        let signatures = self.signatures(self.current_declaration()?)?;
        let reports = self.signed_reports(&from.to_string(), &to.to_string())?;
        let settings = crate::settings::current(self.conn)?;
        let mut courses: HashMap<String, Vec<_>> = HashMap::new();
        for (_, r) in self.training_records()? {
            courses
                .entry(r.account_id)
                .or_default()
                .push((r.date, r.valid_until));
        }
        // Certified "now" for a past year means at its end.
        let status_day = crate::training::today().min(to);
        let mut total = ChapterReport {
            year,
            locale,
            organisation: self.enrol.organisation.clone(),
            chapter: self.enrol.chapter.clone(),
            rule_set: rules.id.to_string(),
            activity_days: 0,
            by_category: CategoryTotals::default(),
            not_counted: 0,
            active_peers_with_declaration: 0,
            by_month: (1..=12)
                .map(|month| MonthTotals {
                    year,
                    month,
                    outreach: 0,
                    group: 0,
                    course: 0,
                    not_counted: 0,
                })
                .collect(),
            peers: Vec::new(),
            certified_peers: 0,
            flag_uncertified: settings.flag_uncertified,
            themes: self.theme_counts(year)?,
        };
        for (account, mut list) in rows {
            list.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
            let entries = index::evaluate(rules, &list);
            let sum = peerlog_rules::summarise(rules, from, to, &entries, locale);
            let by_category = CategoryTotals::from(&sum.by_category);
            for m in &sum.by_month {
                if let Some(t) = total
                    .by_month
                    .iter_mut()
                    .find(|t| t.year == m.year && t.month == m.month)
                {
                    t.outreach += m.outreach;
                    t.group += m.group;
                    t.course += m.course;
                    t.not_counted += m.not_counted;
                }
            }
            let counted = entries
                .iter()
                .zip(&list)
                .filter_map(|(e, row)| {
                    let category = e.evaluation.category.filter(|_| e.evaluation.counts)?;
                    Some(CountedContact {
                        date: e.date.to_string(),
                        kind: e.kind.as_str().to_string(),
                        category: category.as_str().to_string(),
                        minutes: row.facts.minutes,
                        participants: row.facts.participants,
                    })
                })
                .collect();
            let signature = signatures.get(&account);
            let own_reports = reports.get(&account).map(Vec::as_slice).unwrap_or_default();
            let valid = |r: &&SignedReport| {
                report::verify(r).is_ok_and(|v| {
                    v.activity_days == sum.activity_days && v.by_category == by_category
                })
            };
            let report_valid = own_reports.iter().any(|r| valid(&r));
            let report_chapter_verified = own_reports.iter().filter(valid).any(|r| {
                r.certificate.as_ref().is_some_and(|c| {
                    c.certifies_for(&self.enrol.chapter_keys, &account, &r.report.device_key)
                })
            });
            let own_courses = courses.get(&account).map(Vec::as_slice).unwrap_or_default();
            let certified_on =
                |day| peerlog_core::training::certification(own_courses.iter().copied(), day);
            let uncertified_contacts = entries
                .iter()
                .filter(|e| e.evaluation.counts && !certified_on(e.date).certified)
                .count();
            let uncertified_contacts = u32::try_from(uncertified_contacts).unwrap_or(u32::MAX);
            let p = PeerReport {
                certified: certified_on(status_day).certified,
                uncertified_contacts,
                flagged: settings.flag_uncertified && uncertified_contacts > 0,
                account_id: account,
                name: signature.map(|s| s.name.clone()),
                activity_days: sum.activity_days,
                by_category,
                not_counted: sum.not_counted_total,
                declaration_version: signature.map(|s| s.version),
                declaration_valid: signature.is_some_and(|s| s.valid),
                report_signed: !own_reports.is_empty(),
                report_valid,
                report_chapter_verified,
                counted,
            };
            total.activity_days += p.activity_days;
            total.by_category += p.by_category;
            total.not_counted += p.not_counted;
            if !list.is_empty() && p.declaration_valid {
                total.active_peers_with_declaration += 1;
            }
            if p.certified {
                total.certified_peers += 1;
            }
            total.peers.push(p);
        }
        Ok(total)
    }

    /// The chapter's recovery-theme counts for `year`: per peer the newest counts record
    /// for the year, counted only if a device of that peer's own account wrote it for that
    /// account (not another peer, not a machine the chapter certified), summed.
    pub fn theme_counts(&self, year: i32) -> Result<BTreeMap<String, u64>> {
        let peers: std::collections::HashSet<String> = store::sync::chapter_accounts(self.conn)?
            .into_iter()
            .filter(|a| AccountRole::parse(&a.role) == Some(AccountRole::Peer))
            .map(|a| a.account_id)
            .collect();
        let mut newest: HashMap<String, (u64, ThemeCounts)> = HashMap::new();
        for env in store::sync::chapter_records(self.conn, Collection::Reports)? {
            if env.meta.deleted {
                continue;
            }
            let Some((v, account)) = self.open::<serde_json::Value>(&env)? else {
                continue;
            };
            if certs::payload_type(&v) != Some(THEME_COUNTS_TYPE) {
                continue;
            }
            let Ok(c) = serde_json::from_value::<ThemeCounts>(v) else {
                continue;
            };
            let genuine = c.is_well_formed()
                && c.year == year
                && c.account_id == account
                && account != self.enrol.account_id
                && peers.contains(&account);
            if !genuine {
                continue;
            }
            let version = env.meta.version;
            if newest.get(&account).is_none_or(|(v, _)| version > *v) {
                newest.insert(account, (version, c));
            }
        }
        let mut sum: BTreeMap<String, u64> = BTreeMap::new();
        for (_, c) in newest.into_values() {
            for (theme, n) in c.counts {
                let t = sum.entry(theme).or_default();
                *t = t.saturating_add(n);
            }
        }
        Ok(sum)
    }

    /// One account's contacts in `from..=to`, oldest first, each evaluated as the report
    /// evaluates it. Only the chapter's record is read: private parts are sealed for the
    /// peer and never reach this machine's reader.
    pub fn contacts_of(
        &self,
        account_id: &str,
        rules: &RuleSet,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        locale: Locale,
    ) -> Result<Vec<PeerContact>> {
        let mut list = Vec::new();
        let envs = store::sync::chapter_records(self.conn, Collection::Contacts)?;
        for (env, opened) in envs.iter().zip(self.open_all::<ContactPayload>(&envs)?) {
            let Some((p, account)) = opened else {
                continue;
            };
            if account != account_id {
                continue;
            }
            let row = index::contact_row(&env.meta.id, &p);
            if row.date >= from && row.date <= to {
                list.push(row);
            }
        }
        list.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let entries = index::evaluate(rules, &list);
        Ok(entries
            .iter()
            .zip(&list)
            .map(|(e, row)| PeerContact {
                id: row.id.clone(),
                date: e.date.to_string(),
                kind: e.kind.as_str().to_string(),
                minutes: row.facts.minutes,
                participants: row.facts.participants,
                counts: e.evaluation.counts && e.evaluation.category.is_some(),
                category: e
                    .evaluation
                    .category
                    .filter(|_| e.evaluation.counts)
                    .map(|c| c.as_str().to_string()),
                reason: e.evaluation.message(locale),
            })
            .collect())
    }

    /// The receipt of a submitted (or decided) expense.
    pub fn receipt(&self, id: &str) -> Result<Option<Receipt>> {
        for env in store::sync::chapter_records(self.conn, Collection::Expenses)? {
            if env.meta.id != id {
                continue;
            }
            if let Some((p, _)) = self.open::<ExpensePayload>(&env)? {
                if p.status != ExpenseStatus::Draft {
                    return Ok(p.receipt);
                }
            }
        }
        Ok(None)
    }

    /// Signed reports for exactly `from..=to`, by account: each signed by the device that
    /// wrote the record, for its own account.
    fn signed_reports(&self, from: &str, to: &str) -> Result<HashMap<String, Vec<SignedReport>>> {
        let mut out: HashMap<String, Vec<SignedReport>> = HashMap::new();
        for env in store::sync::chapter_records(self.conn, Collection::Reports)? {
            if let Some((r, account)) = self.open::<SignedReport>(&env)? {
                if r.report.from == from
                    && r.report.to == to
                    && r.report.peer_id == account
                    && r.report.device_key.device_id() == env.meta.author_device
                {
                    out.entry(account).or_default().push(r);
                }
            }
        }
        Ok(out)
    }

    /// Submitted, approved and rejected expenses, newest first, with their decisions.
    ///
    /// A decision counts only if the chapter made it (a certificate by the chapter signing
    /// key for the decision's author device) and it decides the expense's current version
    /// and bytes; the peer's own status field counts only for draft and submitted.
    pub fn expenses(&self) -> Result<Vec<ChapterExpense>> {
        let names = self.signatures(None)?;
        let chapter_signing = self.keys.chapter_sign.public_key();
        // expense id → the chapter's decisions on it, with their record versions
        let mut decisions: HashMap<String, Vec<(u64, ExpenseDecision)>> = HashMap::new();
        let mut expenses = Vec::new();
        let mut envs = store::sync::chapter_records(self.conn, Collection::Expenses)?;
        // Decisions made here and not pushed yet.
        envs.extend(
            store::all_records(self.conn, Some(Collection::Expenses))?
                .into_iter()
                .map(|r| r.envelope),
        );
        for env in envs {
            let Some((v, account)) = self.open::<serde_json::Value>(&env)? else {
                continue;
            };
            let kind = certs::payload_type(&v);
            if kind.is_some_and(|t| t.starts_with(certs::DECISION_TYPE_PREFIX)) {
                if let Ok(d) = serde_json::from_value::<ExpenseDecision>(v) {
                    if d.is_from_chapter(&env.meta.author_device, &chapter_signing) {
                        decisions
                            .entry(d.expense_id.clone())
                            .or_default()
                            .push((env.meta.version, d));
                    }
                }
                continue;
            }
            let Ok(p) = serde_json::from_value::<ExpensePayload>(v) else {
                continue;
            };
            if p.status == ExpenseStatus::Draft {
                continue;
            }
            let e = ChapterExpense {
                id: env.meta.id.clone(),
                peer_name: names.get(&account).map(|s| s.name.clone()),
                account_id: account,
                date: p.date.to_string(),
                kind: p.kind.as_str().to_string(),
                amount_minor: i64::try_from(p.amount_minor).unwrap_or(i64::MAX),
                currency: p.currency,
                description: p.description,
                status: p.status,
                decision_reason: None,
                receipt_type: p.receipt.as_ref().map(|r| r.mime_type.clone()),
            };
            expenses.push((e, env));
        }
        let mut expenses: Vec<ChapterExpense> = expenses
            .into_iter()
            .map(|(mut e, env)| {
                let decision = decisions
                    .get(&e.id)
                    .into_iter()
                    .flatten()
                    .filter(|(_, d)| d.decides(&env, &e.account_id))
                    .max_by_key(|(version, _)| *version);
                e.status = certs::shown_status(e.status, decision.map(|(_, d)| d.approved));
                e.decision_reason = decision.and_then(|(_, d)| d.reason.clone());
                e
            })
            .collect();
        expenses.sort_by(|a, b| (&b.date, &a.id).cmp(&(&a.date, &b.id)));
        Ok(expenses)
    }
}
