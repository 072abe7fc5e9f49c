//! The confidentiality declaration: the text a peer signs before the first contact, the
//! signature document, and a human-readable signed copy.
//!
//! A signature is Ed25519 by the device key over the canonical JSON (RFC 8785) of
//! [`DeclarationSignatureDoc`], domain-separated as `peerlog/v1/declaration-signature`.

use crate::error::{CoreError, Result};
use crate::i18n::{Invalid, Msg, pick};
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, sha256};
use peerlog_rules::Locale;
use serde::{Deserialize, Serialize};

/// Signature domain (see `DeviceSigningKey::sign_document`).
pub(crate) const SIGNATURE_DOMAIN: &str = "declaration-signature";
/// Type tag of the signature document.
pub(crate) const DOC_TYPE: &str = "peerlog-declaration-signature/1";
/// Id of the built-in declaration.
pub const DEFAULT_DECLARATION_ID: &str = "peerlog-default";
/// Version of the built-in declaration text. Raise it when the text changes: every peer
/// is then asked to sign again.
pub const DEFAULT_DECLARATION_VERSION: u32 = 1;

const DEFAULT_NB: &str = include_str!("../declarations/default.nb.md");
const DEFAULT_DA: &str = include_str!("../declarations/default.da.md");
const DEFAULT_EN: &str = include_str!("../declarations/default.en.md");

/// Limits on a hand-drawn signature.
const MAX_STROKES: usize = 200;
const MAX_POINTS: usize = 20_000;
const MAX_COORD: u32 = 10_000;

/// A declaration text in one language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct DeclarationText {
    pub declaration_id: String,
    pub version: u32,
    pub locale: Locale,
    pub title: String,
    /// The full text (Markdown), exactly as signed.
    pub text: String,
    /// SHA-256 of `text` (UTF-8), hex.
    pub text_sha256: String,
}

impl DeclarationText {
    pub(crate) fn new(id: &str, version: u32, locale: Locale, text: &str) -> Self {
        let title = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim_start_matches('#').trim().to_string())
            .unwrap_or_default();
        Self {
            declaration_id: id.to_string(),
            version,
            locale,
            title,
            text: text.to_string(),
            text_sha256: hex_lower(&sha256(text.as_bytes())),
        }
    }
}

/// The built-in declaration in `locale`.
pub fn builtin(locale: Locale) -> DeclarationText {
    let text = match locale {
        Locale::Nb => DEFAULT_NB,
        Locale::Da => DEFAULT_DA,
        Locale::En => DEFAULT_EN,
    };
    DeclarationText::new(
        DEFAULT_DECLARATION_ID,
        DEFAULT_DECLARATION_VERSION,
        locale,
        text,
    )
}

/// One point of a hand-drawn signature, in the drawing area's own units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct StrokePoint {
    pub x: u32,
    pub y: u32,
}

/// A hand-drawn signature: strokes on a canvas of `width` × `height`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct DrawnSignature {
    pub width: u32,
    pub height: u32,
    pub strokes: Vec<Vec<StrokePoint>>,
}

/// What the device signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationSignatureDoc {
    #[serde(rename = "type")]
    pub doc_type: String,
    pub declaration_id: String,
    pub declaration_version: u32,
    pub locale: Locale,
    pub text_sha256: String,
    pub signer_name: String,
    pub peer_id: String,
    pub device_key: DevicePublicKey,
    pub accepted: bool,
    pub signed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn: Option<DrawnSignature>,
}

/// A signed declaration: the document, its signature and the text it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedDeclaration {
    pub doc: DeclarationSignatureDoc,
    #[serde(with = "peerlog_protocol::b64::array")]
    pub signature: [u8; 64],
    pub text: String,
}

/// What the apps show about a signature.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct DeclarationSignatureInfo {
    pub declaration_id: String,
    pub version: u32,
    pub locale: Locale,
    pub signer_name: String,
    pub signed_at: String,
    pub device_id: String,
    pub has_drawn_signature: bool,
}

impl SignedDeclaration {
    pub(crate) fn info(&self) -> DeclarationSignatureInfo {
        DeclarationSignatureInfo {
            declaration_id: self.doc.declaration_id.clone(),
            version: self.doc.declaration_version,
            locale: self.doc.locale,
            signer_name: self.doc.signer_name.clone(),
            signed_at: self.doc.signed_at.clone(),
            device_id: self.doc.device_key.device_id(),
            has_drawn_signature: self.doc.drawn.is_some(),
        }
    }
}

pub(crate) fn validate_name(name: &str, locale: Locale) -> Result<String> {
    let n = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = n.chars().count();
    if !(2..=100).contains(&len) || n.chars().any(char::is_control) {
        return Err(Invalid::BadName.at("name", locale));
    }
    Ok(n)
}

fn validate_drawn(d: &DrawnSignature, locale: Locale) -> Result<()> {
    let points: usize = d.strokes.iter().map(Vec::len).sum();
    let ok = d.strokes.len() <= MAX_STROKES
        && points <= MAX_POINTS
        && d.width > 0
        && d.height > 0
        && d.width <= MAX_COORD
        && d.height <= MAX_COORD
        && d.strokes
            .iter()
            .flatten()
            .all(|p| p.x <= d.width && p.y <= d.height);
    if ok {
        Ok(())
    } else {
        Err(Invalid::Strokes.at("drawn_signature", locale))
    }
}

/// Signs `text` on behalf of the peer.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sign(
    text: &DeclarationText,
    signer_name: &str,
    accepted: bool,
    drawn: Option<DrawnSignature>,
    peer_id: &str,
    device: &DeviceSigningKey,
    signed_at: String,
    locale: Locale,
) -> Result<SignedDeclaration> {
    let signer_name = validate_name(signer_name, locale)?;
    if !accepted {
        return Err(Msg::MustAccept.at("accept", locale));
    }
    if let Some(d) = &drawn {
        validate_drawn(d, locale)?;
    }
    let doc = DeclarationSignatureDoc {
        doc_type: DOC_TYPE.to_string(),
        declaration_id: text.declaration_id.clone(),
        declaration_version: text.version,
        locale: text.locale,
        text_sha256: text.text_sha256.clone(),
        signer_name,
        peer_id: peer_id.to_string(),
        device_key: device.public_key(),
        accepted: true,
        signed_at,
        drawn,
    };
    let signature = device.sign_document(SIGNATURE_DOMAIN, &doc)?;
    Ok(SignedDeclaration {
        doc,
        signature,
        text: text.text.clone(),
    })
}

/// Verifies a signed declaration: the signature over the document, and that the text
/// carried is the text whose hash was signed.
pub fn verify(s: &SignedDeclaration) -> Result<()> {
    if s.doc.doc_type != DOC_TYPE || !s.doc.accepted {
        return Err(CoreError::Verification(Msg::DeclarationSignatureInvalid));
    }
    s.doc
        .device_key
        .verify_document(SIGNATURE_DOMAIN, &s.doc, &s.signature)
        .map_err(|_| CoreError::Verification(Msg::DeclarationSignatureInvalid))?;
    if hex_lower(&sha256(s.text.as_bytes())) != s.doc.text_sha256 {
        return Err(CoreError::Verification(Msg::DeclarationTextMismatch));
    }
    Ok(())
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the minimal Markdown of a declaration (headings, numbered and bulleted items,
/// paragraphs) as HTML; every text is escaped, so the result is safe to embed.
pub fn markdown_to_html(text: &str) -> String {
    let mut html = String::new();
    let mut list: Option<&str> = None;
    let close = |html: &mut String, list: &mut Option<&str>| {
        if let Some(tag) = list.take() {
            html.push_str(&format!("</{tag}>\n"));
        }
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            close(&mut html, &mut list);
            continue;
        }
        if let Some(h) = t.strip_prefix("## ") {
            close(&mut html, &mut list);
            html.push_str(&format!("<h2>{}</h2>\n", escape_html(h)));
        } else if let Some(h) = t.strip_prefix("# ") {
            close(&mut html, &mut list);
            html.push_str(&format!("<h1>{}</h1>\n", escape_html(h)));
        } else if let Some(item) = t
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, rest)| rest)
        {
            if list != Some("ol") {
                close(&mut html, &mut list);
                html.push_str("<ol>\n");
                list = Some("ol");
            }
            html.push_str(&format!("<li>{}</li>\n", escape_html(item)));
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            if list != Some("ul") {
                close(&mut html, &mut list);
                html.push_str("<ul>\n");
                list = Some("ul");
            }
            html.push_str(&format!("<li>{}</li>\n", escape_html(item)));
        } else if list.is_some() {
            // continuation of a list item
            html.push_str(&format!("<p class=\"cont\">{}</p>\n", escape_html(t)));
        } else {
            html.push_str(&format!("<p>{}</p>\n", escape_html(t)));
        }
    }
    close(&mut html, &mut list);
    html
}

fn drawn_svg(d: &DrawnSignature) -> String {
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" class=\"drawn\" role=\"img\">",
        d.width, d.height
    );
    for stroke in &d.strokes {
        let pts: Vec<String> = stroke.iter().map(|p| format!("{},{}", p.x, p.y)).collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#123\" stroke-width=\"{}\" stroke-linecap=\"round\" stroke-linejoin=\"round\" points=\"{}\"/>",
            (d.width / 200).max(2),
            pts.join(" ")
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A self-contained HTML copy of the signed declaration, readable by anyone and carrying
/// the machine-verifiable signature in a `<script type="application/json">` block.
pub(crate) fn to_html(s: &SignedDeclaration) -> Result<String> {
    let l = s.doc.locale;
    let signed_json = serde_json::to_string(s)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let labels = (
        pick(l, "Signed by", "Signert av", "Underskrevet af"),
        pick(l, "Signed at", "Signert", "Underskrevet"),
        pick(l, "Declaration", "Erklæring", "Erklæring"),
        pick(l, "Device", "Enhet", "Enhed"),
        pick(
            l,
            "Signed electronically in Peerlog with the device's key. The signature covers the text above (SHA-256 shown) and can be verified with the data embedded in this file.",
            "Signert elektronisk i Peerlog med enhetens nøkkel. Signaturen dekker teksten over (SHA-256 vist) og kan verifiseres med dataene i denne filen.",
            "Underskrevet elektronisk i Peerlog med enhedens nøgle. Underskriften dækker teksten ovenfor (SHA-256 vist) og kan verificeres med dataene i denne fil.",
        ),
    );
    let drawn = s.doc.drawn.as_ref().map(drawn_svg).unwrap_or_default();
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;line-height:1.5;color:#123}}.sig{{border-top:1px solid #999;margin-top:2em;padding-top:1em}}.drawn{{max-width:20em;height:auto;border-bottom:1px solid #123}}.meta{{color:#555;font-size:.9em}}code{{word-break:break-all}}</style>\n</head>\n<body>\n<article>\n{body}</article>\n<section class=\"sig\">\n{drawn}\n<p><strong>{l_by}:</strong> {name}</p>\n<p><strong>{l_at}:</strong> {at}</p>\n<p class=\"meta\">{l_decl}: {id} v{version} ({lang}) · SHA-256 <code>{sha}</code><br>{l_dev}: <code>{device}</code></p>\n<p class=\"meta\">{note}</p>\n</section>\n<script type=\"application/json\" id=\"peerlog-signed-declaration\">{json}</script>\n</body>\n</html>\n",
        lang = l.as_str(),
        title = escape_html(&format!("{} – {}", title_of(&s.text), s.doc.signer_name)),
        body = markdown_to_html(&s.text),
        drawn = drawn,
        l_by = labels.0,
        name = escape_html(&s.doc.signer_name),
        l_at = labels.1,
        at = escape_html(&s.doc.signed_at),
        l_decl = labels.2,
        id = escape_html(&s.doc.declaration_id),
        version = s.doc.declaration_version,
        sha = s.doc.text_sha256,
        l_dev = labels.3,
        device = s.doc.device_key.device_id(),
        note = labels.4,
        json = signed_json,
    ))
}

fn title_of(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .unwrap_or_default()
}

/// Extracts and verifies the signed declaration embedded in an exported HTML copy.
pub(crate) fn verify_html(html: &str) -> Result<SignedDeclaration> {
    let start_tag = "<script type=\"application/json\" id=\"peerlog-signed-declaration\">";
    let start = html
        .find(start_tag)
        .map(|i| i + start_tag.len())
        .ok_or(CoreError::Verification(Msg::DeclarationSignatureInvalid))?;
    let end = html[start..]
        .find("</script>")
        .map(|i| start + i)
        .ok_or(CoreError::Verification(Msg::DeclarationSignatureInvalid))?;
    let s: SignedDeclaration = serde_json::from_str(&html[start..end])
        .map_err(|_| CoreError::Verification(Msg::DeclarationSignatureInvalid))?;
    verify(&s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(drawn: Option<DrawnSignature>) -> (SignedDeclaration, DeviceSigningKey) {
        let key = DeviceSigningKey::generate().unwrap();
        let text = builtin(Locale::Nb);
        let s = sign(
            &text,
            "  Kari   Nordmann ",
            true,
            drawn,
            "peer-1",
            &key,
            "2026-03-01T10:00:00Z".into(),
            Locale::Nb,
        )
        .unwrap();
        (s, key)
    }

    #[test]
    fn builtin_texts_exist_in_every_language_and_differ() {
        let texts: Vec<_> = [Locale::Nb, Locale::Da, Locale::En]
            .into_iter()
            .map(builtin)
            .collect();
        for t in &texts {
            assert!(t.text.len() > 500, "{:?} is too short", t.locale);
            assert!(!t.title.is_empty());
            assert_eq!(t.text_sha256.len(), 64);
        }
        assert_ne!(texts[0].text_sha256, texts[1].text_sha256);
        assert_ne!(texts[0].text_sha256, texts[2].text_sha256);
    }

    #[test]
    fn sign_and_verify() {
        let (s, _) = signed(None);
        assert_eq!(s.doc.signer_name, "Kari Nordmann");
        verify(&s).unwrap();
    }

    #[test]
    fn tampering_is_detected() {
        let (s, _) = signed(None);
        let mut t = s.clone();
        t.doc.signer_name = "Ola Nordmann".into();
        assert!(matches!(
            verify(&t),
            Err(CoreError::Verification(Msg::DeclarationSignatureInvalid))
        ));
        let mut t = s.clone();
        t.text.push_str("\nExtra clause.");
        assert!(matches!(
            verify(&t),
            Err(CoreError::Verification(Msg::DeclarationTextMismatch))
        ));
        let mut t = s.clone();
        t.signature[0] ^= 1;
        assert!(verify(&t).is_err());
        let mut t = s;
        t.doc.declaration_version = 2;
        assert!(verify(&t).is_err());
    }

    #[test]
    fn refuses_without_acceptance_or_name() {
        let key = DeviceSigningKey::generate().unwrap();
        let text = builtin(Locale::En);
        let at = || "2026-03-01T10:00:00Z".to_string();
        let e = sign(&text, "Kari", false, None, "p", &key, at(), Locale::En).unwrap_err();
        assert!(matches!(e, CoreError::Invalid(ref f) if f[0].field == "accept"));
        let e = sign(&text, " ", true, None, "p", &key, at(), Locale::En).unwrap_err();
        assert!(matches!(e, CoreError::Invalid(ref f) if f[0].field == "name"));
        let huge = DrawnSignature {
            width: 100,
            height: 100,
            strokes: vec![vec![StrokePoint { x: 1, y: 1 }]; MAX_STROKES + 1],
        };
        let e = sign(&text, "Kari", true, Some(huge), "p", &key, at(), Locale::En).unwrap_err();
        assert!(matches!(e, CoreError::Invalid(ref f) if f[0].field == "drawn_signature"));
    }

    #[test]
    fn html_copy_is_readable_and_verifiable() {
        let drawn = DrawnSignature {
            width: 300,
            height: 100,
            strokes: vec![vec![
                StrokePoint { x: 10, y: 50 },
                StrokePoint { x: 200, y: 60 },
            ]],
        };
        let (s, _) = signed(Some(drawn));
        let html = to_html(&s).unwrap();
        assert!(html.contains("Kari Nordmann"));
        assert!(html.contains("<polyline"));
        assert!(html.contains("<ol>"));
        let back = verify_html(&html).unwrap();
        assert_eq!(back, s);
        let forged = html.replace("Kari Nordmann", "Ola Nordmann");
        assert!(verify_html(&forged).is_err());
    }

    #[test]
    fn html_escapes_names() {
        let key = DeviceSigningKey::generate().unwrap();
        let s = sign(
            &builtin(Locale::En),
            "<script>x</script>",
            true,
            None,
            "p",
            &key,
            "2026-03-01T10:00:00Z".into(),
            Locale::En,
        )
        .unwrap();
        let html = to_html(&s).unwrap();
        assert!(!html.contains("<script>x"));
        verify_html(&html).unwrap();
    }
}
