//! The coordinator machine's keys: its device signing key and the chapter's two keys,
//! kept in the secret store. Made here at enrolment; only their public halves ever leave
//! the machine.

use peerlog_core::error::{CoreError, Result};
use peerlog_core::{Msg, SECRET_DEVICE_KEY, SecretProtection, SecretStore};
use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::api;

/// Secret-store names of the chapter keys.
const SECRET_CHAPTER_KEY: &str = "chapter-key";
const SECRET_CHAPTER_SIGNING_KEY: &str = "chapter-signing-key";

/// The coordinator's keys.
pub(crate) struct Keys {
    pub device: DeviceSigningKey,
    pub chapter: RecipientSecretKey,
    pub chapter_sign: DeviceSigningKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("device_id", &self.device.device_id())
            .finish_non_exhaustive()
    }
}

fn secret32(secrets: &dyn SecretStore, name: &str) -> Result<zeroize::Zeroizing<[u8; 32]>> {
    let v = zeroize::Zeroizing::new(
        secrets
            .get(name.into())?
            .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?,
    );
    let a: [u8; 32] = v
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::NotAllowed(Msg::KeysMissing))?;
    Ok(zeroize::Zeroizing::new(a))
}

impl Keys {
    pub(crate) fn generate() -> Result<Self> {
        Ok(Self {
            device: DeviceSigningKey::generate()?,
            chapter: RecipientSecretKey::generate()?,
            chapter_sign: DeviceSigningKey::generate()?,
        })
    }

    pub(crate) fn load(secrets: &dyn SecretStore) -> Result<Self> {
        Ok(Self {
            device: DeviceSigningKey::from_seed(&*secret32(secrets, SECRET_DEVICE_KEY)?)?,
            chapter: RecipientSecretKey::from_bytes(&*secret32(secrets, SECRET_CHAPTER_KEY)?),
            chapter_sign: DeviceSigningKey::from_seed(&*secret32(
                secrets,
                SECRET_CHAPTER_SIGNING_KEY,
            )?)?,
        })
    }

    pub(crate) fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        // The coordinator's machine syncs unattended too; its keys are the owner's files.
        let p = SecretProtection::DeviceOnly;
        secrets.put(SECRET_DEVICE_KEY.into(), self.device.seed().to_vec(), p)?;
        secrets.put(
            SECRET_CHAPTER_KEY.into(),
            self.chapter.to_bytes().to_vec(),
            p,
        )?;
        secrets.put(
            SECRET_CHAPTER_SIGNING_KEY.into(),
            self.chapter_sign.seed().to_vec(),
            p,
        )?;
        Ok(())
    }

    /// Deletes the keys: only on the coordinator's explicit request, never automatically
    /// (they are the only way to read the chapter's history).
    pub(crate) fn delete(secrets: &dyn SecretStore) -> Result<()> {
        for name in [
            SECRET_DEVICE_KEY,
            SECRET_CHAPTER_KEY,
            SECRET_CHAPTER_SIGNING_KEY,
        ] {
            secrets.delete(name.into())?;
        }
        Ok(())
    }

    /// The chapter's public keys, as the server and the invitations carry them.
    pub(crate) fn public(&self) -> api::ChapterKeys {
        api::ChapterKeys {
            encryption_key: *self.chapter.public_key().as_bytes(),
            signing_key: *self.chapter_sign.public_key().as_bytes(),
        }
    }
}
