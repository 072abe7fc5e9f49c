//! The peer's declaration: which one is in force (the chapter's, else the built-in one),
//! whether it is signed, and signing it. The signed document itself is `declaration`.

use crate::certs;
use crate::declaration::{
    self, DeclarationSignatureInfo, DeclarationText, DrawnSignature, SignedDeclaration, builtin,
    sign,
};
use crate::error::{CoreError, Result};
use crate::session::{Audience, Session};
use crate::store::{self, Store};
use crate::util::now_rfc3339;
use peerlog_protocol::Collection;
use rusqlite::Connection;

/// Whether the current declaration is signed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeclarationStatus {
    pub declaration_id: String,
    pub version: u32,
    /// Logging is allowed only when this is true.
    pub signed: bool,
    pub signature: Option<DeclarationSignatureInfo>,
    /// A declaration was signed before on this account (an earlier version, or the
    /// default one before joining a chapter). When `signed` is false, the apps then ask to
    /// sign again ("re-sign", over the app) instead of for a first signature.
    pub signed_before: bool,
}

/// The declaration the peer must have signed: the chapter's, else the built-in one.
pub(crate) fn current(s: &Session) -> DeclarationText {
    s.chapter_declaration
        .clone()
        .unwrap_or_else(|| builtin(s.locale()))
}

/// Refuses (`DeclarationRequired`) until the current declaration is signed.
pub(crate) fn require_signed(conn: &Connection, s: &Session) -> Result<()> {
    // Only the id and version: not the text and its hash, on every contact logged.
    let (id, version) = match &s.chapter_declaration {
        Some(d) => (d.declaration_id.as_str(), d.version),
        None => (
            crate::declaration::DEFAULT_DECLARATION_ID,
            crate::declaration::DEFAULT_DECLARATION_VERSION,
        ),
    };
    match store::declaration_signature_id(conn, id, version)? {
        Some(_) => Ok(()),
        None => Err(CoreError::DeclarationRequired),
    }
}

/// The peer's newest signature of the current declaration, if any.
pub(crate) fn latest_signature(
    conn: &Connection,
    s: &Session,
) -> Result<Option<SignedDeclaration>> {
    let d = current(s);
    match store::declaration_signature_id(conn, &d.declaration_id, d.version)? {
        Some(id) => {
            let rec = store::get_record(conn, Collection::Declarations, &id)?
                .ok_or_else(|| CoreError::corrupt("declaration index without record"))?;
            Ok(Some(s.open(conn, &rec.envelope)?))
        }
        None => Ok(None),
    }
}

/// The HTML copy of the peer's signature on the current declaration. A signature made
/// before the chapter's certificate of this device arrived gets it now (it is outside the
/// signature, and names only this device and account).
pub(crate) fn signed_copy(conn: &Connection, s: &Session) -> Result<String> {
    let mut signed = latest_signature(conn, s)?.ok_or(CoreError::DeclarationRequired)?;
    if signed.certificate.is_none() && signed.doc.device_key == s.keys.device.public_key() {
        signed.certificate = certs::stored_enrolment(conn, &signed.doc.device_key)?;
    }
    declaration::to_html(&signed)
}

pub(crate) fn status(conn: &Connection, s: &Session) -> Result<DeclarationStatus> {
    let d = current(s);
    let sig = latest_signature(conn, s)?;
    Ok(DeclarationStatus {
        declaration_id: d.declaration_id,
        version: d.version,
        signed: sig.is_some(),
        signature: sig.map(|s| s.info()),
        signed_before: store::any_declaration_signature(conn)?,
    })
}

/// Signs the current declaration and keeps the signature as a record.
pub(crate) fn sign_current(
    st: &mut Store,
    s: &mut Session,
    signer_name: &str,
    accepted: bool,
    drawn: Option<DrawnSignature>,
) -> Result<DeclarationSignatureInfo> {
    let mut signed = sign(
        &current(s),
        signer_name,
        accepted,
        drawn,
        &s.profile.peer_id,
        &s.keys.device,
        now_rfc3339(),
        s.locale(),
    )?;
    signed.certificate = certs::stored_enrolment(st.conn(), &s.keys.device.public_key())?;
    let id = uuid::Uuid::now_v7().to_string();
    st.tx(|tx| {
        s.write(
            tx,
            Collection::Declarations,
            &id,
            Some(&signed),
            Audience::PeerAndChapter,
        )?;
        store::put_declaration_row(
            tx,
            &id,
            &signed.doc.declaration_id,
            signed.doc.declaration_version,
            &signed.doc.signed_at,
        )
    })?;
    Ok(signed.info())
}
