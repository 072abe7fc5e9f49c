//! The chapter's training records: a coordinator records a peer's completed course
//! (issued like an expense decision, through this machine's chapter certificate, sealed
//! for the chapter and that peer), lists them, and tells who is certified. The rule for
//! "certified" is the peer core's (`peerlog_core::training::certification`), so the
//! console, the CLI and the peer's own app agree.

use crate::chapter::Reader;
use crate::{Coordinator, peer_key, write_for_peer};
use peerlog_core::Msg;
use peerlog_core::certs::{self, DeviceCert};
use peerlog_core::enrolment::AccountRole;
use peerlog_core::error::{CoreError, PeerlogError, Result};
use peerlog_core::store;
use peerlog_core::training::{self, Certification, TrainingRecord};
use peerlog_core::util::now_rfc3339;
use peerlog_protocol::Collection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One training record of the chapter, as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterTraining {
    pub id: String,
    pub account_id: String,
    /// From the peer's signed declaration.
    pub peer_name: Option<String>,
    pub course: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `YYYY-MM-DD`; none: no expiry.
    pub valid_until: Option<String>,
    /// Valid today.
    pub valid: bool,
}

impl Reader<'_> {
    /// The chapter's genuine training records (issued through a certificate by this
    /// chapter's signing key for the record's author device), the newest version of each,
    /// with the account they are about.
    pub(crate) fn training_records(&self) -> Result<Vec<(String, TrainingRecord)>> {
        let chapter_signing = self.keys.chapter_sign.public_key();
        let mut envs = store::sync::chapter_records(self.conn, Collection::Expenses)?;
        // Records made here and not pushed yet.
        envs.extend(
            store::all_records(self.conn, Some(Collection::Expenses))?
                .into_iter()
                .map(|r| r.envelope),
        );
        let mut newest: BTreeMap<String, (u64, TrainingRecord)> = BTreeMap::new();
        for env in envs {
            let Some((v, _author_account)) = self.open::<serde_json::Value>(&env)? else {
                continue;
            };
            if certs::payload_type(&v) != Some(training::TRAINING_TYPE) {
                continue;
            }
            let Ok(r) = serde_json::from_value::<TrainingRecord>(v) else {
                continue;
            };
            // A peer's device can write a record of this type too (for itself, with a
            // certificate it made up): only the chapter's count.
            if !r.is_from_chapter(&env.meta.author_device, &chapter_signing) {
                continue;
            }
            let version = env.meta.version;
            if newest.get(&env.meta.id).is_none_or(|(v, _)| *v < version) {
                newest.insert(env.meta.id.clone(), (version, r));
            }
        }
        Ok(newest.into_iter().map(|(id, (_, r))| (id, r)).collect())
    }

    /// Each account's certification on `day`.
    pub(crate) fn certifications(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<HashMap<String, Certification>> {
        let mut dates: HashMap<String, Vec<_>> = HashMap::new();
        for (_, r) in self.training_records()? {
            dates
                .entry(r.account_id)
                .or_default()
                .push((r.date, r.valid_until));
        }
        Ok(dates
            .into_iter()
            .map(|(a, d)| (a, training::certification(d, day)))
            .collect())
    }
}

/// Today in the coordinator's time zone.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

impl Coordinator {
    /// Records that a peer completed a course: a training record issued by the chapter,
    /// sealed for the chapter and the peer, pushed with the next sync. Returns its id.
    /// Bad input (an empty or too long course name, a bad or future date, a valid-until
    /// before the course) is refused with one error per field; an unknown account is not
    /// found. Nothing is written then.
    pub async fn add_training(
        &self,
        account_id: String,
        course: String,
        date: String,
        valid_until: Option<String>,
    ) -> Result<String, PeerlogError> {
        self.add_training_inner(&account_id, &course, &date, valid_until.as_deref())
            .await
            .map_err(|e| self.fail("add_training", e))
    }

    async fn add_training_inner(
        &self,
        account_id: &str,
        course: &str,
        date: &str,
        valid_until: Option<&str>,
    ) -> Result<String> {
        let input = training::check_input(course, date, valid_until, today(), self.locale)?;
        let enrol = self.enrolment()?;
        let is_peer = |conn: &rusqlite::Connection| -> Result<bool> {
            Ok(store::sync::chapter_accounts(conn)?.iter().any(|a| {
                a.account_id == account_id && AccountRole::parse(&a.role) == Some(AccountRole::Peer)
            }))
        };
        if !is_peer(self.lock().store.conn())? {
            self.refresh_accounts(&enrol).await?;
        }
        let mut st = self.lock();
        let st = &mut *st;
        if !is_peer(st.store.conn())? {
            return Err(CoreError::NotFound { what: "peer" });
        }
        let peer_key = peer_key(st.store.conn(), account_id)?
            .ok_or(CoreError::NotFound { what: "peer key" })?;
        let keys = st
            .keys
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
        let record = TrainingRecord {
            kind: training::TRAINING_TYPE.into(),
            account_id: account_id.to_string(),
            course: input.course,
            date: input.date,
            valid_until: input.valid_until,
            issued_at: now_rfc3339(),
            cert: DeviceCert::issue(
                account_id,
                keys.device.public_key(),
                certs::ISSUER_CHAPTER,
                &keys.chapter_sign,
                now_rfc3339(),
            )?,
        };
        let plaintext =
            zeroize::Zeroizing::new(peerlog_protocol::canonical::to_canonical_vec(&record)?);
        let id = uuid::Uuid::now_v7().to_string();
        let clock = &mut st.clock;
        st.store.tx(|tx| {
            write_for_peer(
                tx,
                clock,
                keys,
                (Collection::Expenses, id.clone()),
                &plaintext,
                &peer_key,
            )
        })?;
        Ok(id)
    }

    /// The chapter's training records, newest course first, each with whether it is valid
    /// today.
    pub fn training_list(&self) -> Result<Vec<ChapterTraining>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            let st = self.lock();
            let reader = Reader {
                conn: st.store.conn(),
                keys: st.keys()?,
                enrol: &enrol,
            };
            let names = reader.signatures(None)?;
            let day = today();
            let mut out: Vec<ChapterTraining> = reader
                .training_records()?
                .into_iter()
                .map(|(id, r)| ChapterTraining {
                    id,
                    peer_name: names.get(&r.account_id).map(|s| s.name.clone()),
                    valid: training::certification([(r.date, r.valid_until)], day).certified,
                    account_id: r.account_id,
                    course: r.course,
                    date: r.date.to_string(),
                    valid_until: r.valid_until.map(|u| u.to_string()),
                })
                .collect();
            out.sort_by(|a, b| (&b.date, &a.id).cmp(&(&a.date, &b.id)));
            Ok(out)
        };
        run().map_err(|e| self.fail("training_list", e))
    }
}
