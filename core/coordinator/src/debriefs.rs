//! "I need to talk" on the coordinator's machine: the chapter's debrief requests, opened
//! here with the chapter key, and the followed-up mark the coordinator sends back to the
//! peer (a record the chapter certified this machine to write, ADR 0021).

use crate::chapter::Reader;
use crate::{Coordinator, peer_key, write_for_peer};
use peerlog_core::certs::{self, DeviceCert};
use peerlog_core::debrief::{self, DebriefFollowedUp, DebriefRecord};
use peerlog_core::error::{CoreError, PeerlogError, Result};
use peerlog_core::store;
use peerlog_core::util::now_rfc3339;
use peerlog_core::{DebriefWhen, Msg};
use peerlog_protocol::{Collection, Envelope};
use serde::Serialize;
use std::collections::HashMap;

/// A peer's debrief request as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterDebrief {
    pub id: String,
    pub account_id: String,
    /// The name the peer signed the declaration with, if they signed.
    pub peer_name: Option<String>,
    /// `today` or `week`.
    pub when: DebriefWhen,
    pub message: Option<String>,
    pub created_at: String,
    /// When the chapter marked it followed up; `None` while it is open.
    pub followed_up_at: Option<String>,
}

impl ChapterDebrief {
    pub fn is_open(&self) -> bool {
        self.followed_up_at.is_none()
    }
}

impl Reader<'_> {
    /// Every debrief record this machine holds: pulled ones and marks made here and not
    /// pushed yet.
    fn debrief_records(&self) -> Result<Vec<Envelope>> {
        let mut envs = store::sync::chapter_records(self.conn, Collection::Debriefs)?;
        envs.extend(
            store::all_records(self.conn, Some(Collection::Debriefs))?
                .into_iter()
                .map(|r| r.envelope),
        );
        Ok(envs)
    }

    /// The chapter's requests, open ones first (the most urgent, then the oldest), then
    /// the followed-up ones newest first. A mark counts only if the chapter certified its
    /// author for the request's account.
    pub(crate) fn debriefs(&self) -> Result<Vec<ChapterDebrief>> {
        let names = self.signatures(None)?;
        let chapter_signing = self.keys.chapter_sign.public_key();
        let mut requests: HashMap<String, ChapterDebrief> = HashMap::new();
        let mut marks: Vec<DebriefFollowedUp> = Vec::new();
        for env in self.debrief_records()? {
            if env.meta.deleted {
                continue;
            }
            let Some((v, account)) = self.open::<serde_json::Value>(&env)? else {
                continue;
            };
            match debrief::parse(v) {
                Some(DebriefRecord::Request(q)) if account != self.enrol.account_id => {
                    requests.insert(
                        env.meta.id.clone(),
                        ChapterDebrief {
                            id: env.meta.id.clone(),
                            peer_name: names.get(&account).map(|s| s.name.clone()),
                            account_id: account,
                            when: q.when,
                            message: q.message,
                            created_at: q.created_at,
                            followed_up_at: None,
                        },
                    );
                }
                Some(DebriefRecord::FollowedUp(m))
                    if m.is_from_chapter(&env.meta.author_device, &chapter_signing) =>
                {
                    marks.push(m);
                }
                _ => {}
            }
        }
        for m in marks {
            if let Some(d) = requests.get_mut(&m.request_id) {
                if d.account_id == m.account_id
                    && d.followed_up_at
                        .as_ref()
                        .is_none_or(|at| m.followed_up_at < *at)
                {
                    d.followed_up_at = Some(m.followed_up_at);
                }
            }
        }
        let mut out: Vec<ChapterDebrief> = requests.into_values().collect();
        out.sort_by(|a, b| match (a.is_open(), b.is_open()) {
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (true, true) => (a.when == DebriefWhen::Week, &a.created_at, &a.id).cmp(&(
                b.when == DebriefWhen::Week,
                &b.created_at,
                &b.id,
            )),
            (false, false) => (&b.created_at, &b.id).cmp(&(&a.created_at, &a.id)),
        });
        Ok(out)
    }
}

impl Coordinator {
    /// The chapter's debrief requests, open ones first.
    pub fn chapter_debriefs(&self) -> Result<Vec<ChapterDebrief>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            self.with_reader(&enrol, |r| r.debriefs())
        };
        run().map_err(|e| self.fail("chapter_debriefs", e))
    }

    /// Marks a request followed up: a record for the chapter and the peer, pushed with the
    /// next sync. Marking one already followed up changes nothing.
    pub async fn mark_debrief_followed_up(&self, id: String) -> Result<(), PeerlogError> {
        self.mark_inner(&id)
            .await
            .map_err(|e| self.fail("mark_debrief_followed_up", e))
    }

    async fn mark_inner(&self, id: &str) -> Result<()> {
        let enrol = self.enrolment()?;
        let (account, need_keys) = {
            let st = self.lock();
            let reader = Reader {
                conn: st.store.conn(),
                keys: st.keys()?,
                enrol: &enrol,
            };
            let d = reader
                .debriefs()?
                .into_iter()
                .find(|d| d.id == id)
                .ok_or(CoreError::NotFound { what: "debrief" })?;
            if !d.is_open() {
                return Ok(());
            }
            let has_key = peer_key(reader.conn, &d.account_id)?.is_some();
            (d.account_id, !has_key)
        };
        if need_keys {
            self.refresh_accounts(&enrol).await?;
        }
        let mut st = self.lock();
        let st = &mut *st;
        let peer_key =
            peer_key(st.store.conn(), &account)?.ok_or(CoreError::NotFound { what: "peer key" })?;
        let keys = st
            .keys
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
        let now = now_rfc3339();
        let cert = DeviceCert::issue(
            &account,
            keys.device.public_key(),
            certs::ISSUER_CHAPTER,
            &keys.chapter_sign,
            now.clone(),
        )?;
        let mark = DebriefFollowedUp {
            kind: debrief::FOLLOWED_UP_TYPE.into(),
            request_id: id.to_string(),
            account_id: account,
            followed_up_at: now,
            cert,
        };
        let plaintext =
            zeroize::Zeroizing::new(peerlog_protocol::canonical::to_canonical_vec(&mark)?);
        let mark_id = uuid::Uuid::now_v7().to_string();
        let clock = &mut st.clock;
        st.store.tx(|tx| {
            write_for_peer(
                tx,
                clock,
                keys,
                (Collection::Debriefs, mark_id),
                &plaintext,
                &peer_key,
            )
            .map(|_| ())
        })
    }
}
