//! The peer's sync (ADR 0005, ADR 0008): one `sync` that pushes pending records, pulls
//! and applies new ones and follows the chapter's declaration; the status the UI shows;
//! enrolment from an invitation and recovery from the server (`enrol`).

mod apply;
mod devices;
mod enrol;

use crate::certs;
use crate::declarations;
use crate::device::Device;
use crate::enrolment::{self, Enrolment};
use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::net::http::Http;
use crate::net::{self, SyncProgress, SyncReport, SyncStatus};
use crate::platform::LogLevel;
use crate::store;
use peerlog_protocol::api::{self, DeclarationResponse};
use std::sync::Arc;

pub use devices::MyDevice;
pub(crate) use devices::my_devices;
pub use enrol::EnrolResult;

impl Device {
    /// One sync with its status bookkeeping (attempt, success, failure and backoff). A
    /// revoked device is wiped.
    pub(crate) async fn sync(&self, progress: Option<Arc<dyn SyncProgress>>) -> Result<SyncReport> {
        let _one_at_a_time = self.net.one_sync_at_a_time().await;
        let enrol = {
            let home = self.lock();
            if home.is_coordinators()? {
                return Err(CoreError::NotAllowed(Msg::CoordinatorHome));
            }
            net::begin_sync(home.store.conn())?
        };
        let out = self.sync_run(&enrol, &progress).await;
        let locale = self.locale();
        let mut home = self.lock();
        match out {
            Ok(report) => {
                net::sync_succeeded(home.store.conn(), &report, locale)?;
                Ok(report)
            }
            Err(CoreError::RevocationClaimed(rev)) => {
                let genuine = match (rev, home.session()) {
                    (Some(rev), Ok(s)) => certs::revocation_is_genuine(
                        &rev,
                        &s.device_id,
                        &s.profile.peer_id,
                        s.chapter_signing_key.as_ref(),
                        &s.keys.peer,
                    ),
                    _ => false,
                };
                if genuine {
                    self.net.clear();
                    home.wipe()?;
                    self.log.log(LogLevel::Warn, "peerlog::sync", || {
                        "device revoked: wiped".into()
                    });
                    return Err(CoreError::DeviceRevoked);
                }
                // A claim nobody we trust signed: a hostile server or path. Keep
                // everything, say so, and let the peer ask the coordinator.
                self.log.log(LogLevel::Warn, "peerlog::sync", || {
                    "the server claims this device is revoked without a valid signature: nothing wiped".into()
                });
                let e = CoreError::RevocationClaimed(None);
                net::sync_failed(home.store.conn(), &e.to_ffi(locale))?;
                Err(e)
            }
            Err(e) => {
                net::sync_failed(home.store.conn(), &e.to_ffi(locale))?;
                Err(e)
            }
        }
    }

    /// The whole sync, without the status bookkeeping.
    async fn sync_run(
        &self,
        enrol: &Enrolment,
        progress: &Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport> {
        let known_declaration =
            store::sync::sync_row(self.lock().store.conn())?.and_then(|r| r.declaration_version);
        self.refresh_theme_counts();
        let (pushed, pulled) = self
            .net
            .exchange(self, enrol, progress, |page| {
                let mut home = self.lock();
                let (st, s) = home.parts()?;
                apply::page(st, s, &enrol.account_id, page, &self.log)
                    .map(std::ops::ControlFlow::Continue)
            })
            .await?;
        let mut report = SyncReport {
            pushed: pushed.accepted,
            rejected: pushed.rejected,
            pulled: pulled.applied,
            declaration_changed: false,
        };
        if pulled.newest_declaration > known_declaration {
            let http = self.net.http(&enrol.server)?;
            report.declaration_changed = self
                .fetch_declaration(&http, enrol, known_declaration)
                .await?;
        }
        if let Some(code) = pushed.last_rejection {
            self.log.log(LogLevel::Warn, "peerlog::sync", || {
                format!(
                    "{} record(s) refused by the server: {code}",
                    report.rejected
                )
            });
        }
        Ok(report)
    }

    /// The chapter's theme counts brought up to date before they are pushed. A failure
    /// is logged and does not stop the sync of everything else.
    fn refresh_theme_counts(&self) {
        let mut home = self.lock();
        let done = home
            .parts()
            .and_then(|(st, s)| crate::theme_counts::refresh(st, s));
        if let Err(e) = done {
            let code = e.to_ffi(peerlog_rules::Locale::En).code().to_string();
            self.log.log(LogLevel::Warn, "peerlog::sync", || {
                format!("the theme counts could not be updated: {code}")
            });
        }
    }

    /// GET /v1/declaration, verify the chapter signature, store it.
    async fn fetch_declaration(
        &self,
        http: &Http,
        enrol: &Enrolment,
        known: Option<u32>,
    ) -> Result<bool> {
        let resp: DeclarationResponse = self
            .net
            .authed::<_, (), _>(self, http, &enrol.device_id, "/v1/declaration", None)
            .await?;
        let Some(p) = resp.declaration else {
            return Ok(false);
        };
        if Some(p.document.version) <= known {
            return Ok(false);
        }
        enrol
            .chapter_signing_key()
            .verify_document(api::DECLARATION_DOMAIN, &p.document, &p.signature)
            .map_err(|_| CoreError::Verification(Msg::ChapterDeclarationInvalid))?;
        let text = enrolment::chapter_declaration_text(&p)?;
        let json = serde_json::to_string(&p)?;
        let mut home = self.lock();
        store::sync::set_declaration(home.store.conn(), p.document.version, &json)?;
        if let Some(s) = home.session.as_mut() {
            s.chapter_declaration = Some(text);
        }
        Ok(true)
    }

    /// Sync state for the UI and for background schedulers.
    pub(crate) fn sync_status(&self) -> Result<SyncStatus> {
        let home = self.lock();
        let conn = home.store.conn();
        let (device_id, signed) = match &home.session {
            Some(s) => (
                Some(s.device_id.clone()),
                declarations::require_signed(conn, s).is_ok(),
            ),
            None => (None, false),
        };
        net::status(conn, device_id, signed)
    }
}
