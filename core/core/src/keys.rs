//! The peer's device keys and where they live in the platform's secret store.

use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::platform::{SecretProtection, SecretStore};
use peerlog_crypto::local::LocalKey;
use peerlog_crypto::recovery::RecoveryCode;
use peerlog_crypto::{DeviceSigningKey, RecipientPublicKey, RecipientSecretKey};

/// Secret-store name of this device's signing key (a peer's or a coordinator's).
pub const SECRET_DEVICE_KEY: &str = "device-signing-key";
pub(crate) const SECRET_PEER_KEY: &str = "peer-key";
pub(crate) const SECRET_RECOVERY_CODE: &str = "recovery-code";
const PROFILE_KEY_LABEL: &str = "peerlog/v1/local-profile";
/// Label of the key that seals kept content keys (ADR 0017). Derived from the device key,
/// not the peer key: another device of the same peer (or a copied store) cannot vouch for
/// this device's cache.
const AT_REST_KEY_LABEL: &str = "peerlog/v1/verified-at-rest";

/// The device's keys.
pub(crate) struct Keys {
    pub device: DeviceSigningKey,
    pub peer: RecipientSecretKey,
    pub peer_public: RecipientPublicKey,
    /// Seals the content keys of records this device verified (ADR 0017).
    pub at_rest: LocalKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("device_id", &self.device.device_id())
            .finish_non_exhaustive()
    }
}

impl Keys {
    pub(crate) fn generate() -> Result<Self> {
        let device = DeviceSigningKey::generate()?;
        let peer = RecipientSecretKey::generate()?;
        Ok(Self::from_parts(device, peer))
    }

    pub(crate) fn from_parts(device: DeviceSigningKey, peer: RecipientSecretKey) -> Self {
        let peer_public = peer.public_key();
        let at_rest = LocalKey::derive(&device.seed()[..], AT_REST_KEY_LABEL);
        Self {
            device,
            peer,
            peer_public,
            at_rest,
        }
    }

    /// The same keys again (the signing key type is deliberately not `Clone`).
    pub(crate) fn duplicate(&self) -> Result<Self> {
        Ok(Self::from_parts(
            DeviceSigningKey::from_seed(&self.device.seed())?,
            self.peer.clone(),
        ))
    }

    /// The key that seals the profile at rest, derived from the peer key.
    pub(crate) fn profile_key(&self) -> LocalKey {
        LocalKey::derive(&self.peer.to_bytes()[..], PROFILE_KEY_LABEL)
    }

    fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        // Background sync reads these on a locked phone: no user presence.
        let device_only = SecretProtection::DeviceOnly;
        secrets.put(
            SECRET_DEVICE_KEY.into(),
            self.device.seed().to_vec(),
            device_only,
        )?;
        secrets.put(
            SECRET_PEER_KEY.into(),
            self.peer.to_bytes().to_vec(),
            device_only,
        )?;
        Ok(())
    }

    /// Stores a new device's keys and its recovery code. Done before the database commit:
    /// a crash in between leaves an uninitialised device whose next set-up overwrites them.
    pub(crate) fn save_with_recovery_code(
        &self,
        secrets: &dyn SecretStore,
        code: &RecoveryCode,
    ) -> Result<()> {
        self.save(secrets)?;
        save_recovery_code(secrets, code)
    }

    pub(crate) fn load(secrets: &dyn SecretStore) -> Result<Self> {
        let missing = || CoreError::NotAllowed(Msg::KeysMissing);
        let seed =
            zeroize::Zeroizing::new(secrets.get(SECRET_DEVICE_KEY.into())?.ok_or_else(missing)?);
        let peer =
            zeroize::Zeroizing::new(secrets.get(SECRET_PEER_KEY.into())?.ok_or_else(missing)?);
        let seed: &[u8; 32] = seed.as_slice().try_into().map_err(|_| missing())?;
        let peer: &[u8; 32] = peer.as_slice().try_into().map_err(|_| missing())?;
        Ok(Self::from_parts(
            DeviceSigningKey::from_seed(seed)?,
            RecipientSecretKey::from_bytes(peer),
        ))
    }

    /// Deletes the peer's secrets (device key, peer key, recovery code).
    pub(crate) fn delete(secrets: &dyn SecretStore) -> Result<()> {
        for name in [SECRET_DEVICE_KEY, SECRET_PEER_KEY, SECRET_RECOVERY_CODE] {
            secrets.delete(name.into())?;
        }
        Ok(())
    }
}

/// The recovery code kept in the secret store.
/// Keeps `code` as the recovery code to show the peer again (replacing an older one).
pub(crate) fn save_recovery_code(secrets: &dyn SecretStore, code: &RecoveryCode) -> Result<()> {
    let text = zeroize::Zeroizing::new(code.display());
    // Only a person holding the phone and its screen lock may see or use it: a thief with
    // the code owns the account until it is locked (ADR 0012).
    secrets.put(
        SECRET_RECOVERY_CODE.into(),
        text.as_bytes().to_vec(),
        SecretProtection::UserPresence,
    )?;
    Ok(())
}

pub(crate) fn stored_recovery_code(secrets: &dyn SecretStore) -> Result<RecoveryCode> {
    let code = zeroize::Zeroizing::new(
        secrets
            .get(SECRET_RECOVERY_CODE.into())?
            .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?,
    );
    Ok(RecoveryCode::parse(&String::from_utf8_lossy(&code))?)
}

/// The recovery code as text, to show the peer again. A code kept without the screen lock
/// (the phone had none when it was stored) is stored again, asking for it: the phone may
/// have one now.
pub(crate) fn stored_recovery_code_text(
    secrets: &dyn SecretStore,
) -> Result<zeroize::Zeroizing<String>> {
    let bytes = zeroize::Zeroizing::new(
        secrets
            .get(SECRET_RECOVERY_CODE.into())?
            .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|_| CoreError::corrupt("recovery code"))?;
    if recovery_code_unprotected(secrets)? {
        secrets.put(
            SECRET_RECOVERY_CODE.into(),
            bytes.to_vec(),
            SecretProtection::UserPresence,
        )?;
    }
    Ok(zeroize::Zeroizing::new(text.to_owned()))
}

/// Whether the recovery code is kept without the user's presence (a phone with no screen
/// lock, or the CLI's files).
pub(crate) fn recovery_code_unprotected(secrets: &dyn SecretStore) -> Result<bool> {
    Ok(secrets.protection(SECRET_RECOVERY_CODE.into())? == Some(SecretProtection::DeviceOnly))
}
