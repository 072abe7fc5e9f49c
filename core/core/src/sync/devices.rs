//! The peer's own devices: which ones the account has, and revoking one of them (a lost
//! phone) from another, with a statement signed by the account key. The revoked device
//! wipes itself at its next contact (it checks the signature); the peer's other devices
//! stop trusting what it writes afterwards.

use crate::certs;
use crate::device::Device;
use crate::enrolment::Enrolment;
use crate::error::{CoreError, Result};
use crate::home::Home;
use crate::i18n::Msg;
use crate::platform::LogLevel;
use crate::store;
use peerlog_protocol::api::{self, RevocationStatement, RevokeRequest, RevokeResponse};

/// One of the peer's devices, as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct MyDevice {
    pub device_id: String,
    /// For the screen: `short_device_id`.
    pub short_id: String,
    /// The device this is.
    pub this_device: bool,
    /// RFC 3339: when this device learned of it.
    pub added_at: String,
    /// Revoked (by the chapter or by the peer), as far as this device knows.
    pub revoked: bool,
}

/// The peer's devices this device knows of (its own first).
pub(crate) fn my_devices(home: &Home) -> Result<Vec<MyDevice>> {
    {
        let s = home.session()?;
        let mut out: Vec<MyDevice> = store::account_devices(home.store.conn())?
            .into_iter()
            .map(|d| MyDevice {
                short_id: crate::contacts::short_device_id(d.device_id.clone()),
                this_device: d.device_id == s.device_id,
                device_id: d.device_id,
                added_at: d.added_at,
                revoked: d.revoked_at_ms.is_some(),
            })
            .collect();
        out.sort_by_key(|d| !d.this_device);
        Ok(out)
    }
}

impl Device {
    /// Revokes another of the peer's devices (a lost phone), signed with the account key.
    /// `false` if the server had it revoked already.
    pub(crate) async fn revoke_my_device(&self, device_id: &str) -> Result<bool> {
        let _one_at_a_time = self.net.one_sync_at_a_time().await;
        let (enrol, statement, signature) = {
            let home = self.lock();
            let s = home.session()?;
            if device_id == s.device_id {
                return Err(CoreError::NotAllowed(Msg::RevokeThisDevice));
            }
            let known = store::account_devices(home.store.conn())?
                .iter()
                .any(|d| d.device_id == device_id);
            if !known {
                return Err(CoreError::NotFound { what: "device" });
            }
            let (enrol, _) = Enrolment::load(home.store.conn())?
                .ok_or(CoreError::NotAllowed(Msg::NotEnrolled))?;
            let statement = RevocationStatement {
                device_id: device_id.to_owned(),
                account_id: s.profile.peer_id.clone(),
                revoked_at: chrono::Utc::now().timestamp(),
                issuer: api::REVOKED_BY_ACCOUNT.into(),
            };
            let signature = certs::account_key(&s.keys.peer)?
                .sign_document(api::REVOCATION_DOMAIN, &statement)?;
            (enrol, statement, signature)
        };
        let http = self.net.http(&enrol.server)?;
        let at_ms = u64::try_from(statement.revoked_at)
            .unwrap_or(0)
            .saturating_mul(1000);
        let resp: RevokeResponse = self
            .net
            .authed(
                self,
                &http,
                &enrol.device_id,
                &format!("/v1/devices/{device_id}/revoke"),
                Some(&RevokeRequest {
                    revocation: api::SignedRevocation {
                        statement,
                        signature,
                    },
                }),
            )
            .await?;
        store::set_device_revoked(self.lock().store.conn(), device_id, at_ms)?;
        self.log.log(LogLevel::Info, "peerlog::sync", || {
            "a device of the peer revoked".into()
        });
        Ok(resp.revoked)
    }
}
