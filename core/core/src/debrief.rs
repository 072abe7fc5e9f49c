//! "I need to talk": a peer asks the coordinator for a debrief without saying who it is
//! about. The request is a record in `debriefs` sealed for the peer and the chapter (the
//! server routes it but cannot open it); the coordinator's "followed up" mark is a record
//! in the same collection written by a chapter-certified machine for the chapter and the
//! peer. The peer believes a mark only if the chapter signing key certified its author
//! (ADR 0021).

use crate::certs::{DeviceCert, ISSUER_CHAPTER};
use crate::error::{CoreError, Result};
use crate::i18n::{Msg, pick};
use crate::model::Checker;
use crate::session::{self, Audience, Session};
use crate::store::{self, CertifiedBy, Store};
use crate::util::now_rfc3339;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::{Collection, Envelope};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// The longest optional message, in characters: enough to say "it was a hard one", too
/// short for a case history.
pub const MAX_DEBRIEF_MESSAGE_CHARS: usize = 280;
/// Payload type of a peer's request.
pub const REQUEST_TYPE: &str = "peerlog-debrief-request/1";
/// Payload type of the chapter's followed-up mark.
pub const FOLLOWED_UP_TYPE: &str = "peerlog-debrief-followed-up/1";

/// How soon the peer would like to talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "lowercase")]
pub enum DebriefWhen {
    Today,
    Week,
}

impl DebriefWhen {
    pub const ALL: [DebriefWhen; 2] = [DebriefWhen::Today, DebriefWhen::Week];

    /// The machine name (`today`, `week`).
    pub fn as_str(self) -> &'static str {
        match self {
            DebriefWhen::Today => "today",
            DebriefWhen::Week => "week",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// How the choice is worded in `l`.
    pub fn label(self, l: Locale) -> &'static str {
        match self {
            DebriefWhen::Today => pick(l, "Today", "I dag", "I dag"),
            DebriefWhen::Week => pick(l, "This week", "Denne uken", "I denne uge"),
        }
    }
}

/// The peer's request, as sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebriefRequest {
    #[serde(rename = "type")]
    pub kind: String,
    pub when: DebriefWhen,
    pub message: Option<String>,
    pub created_at: String,
}

/// The chapter's mark that a request was followed up, addressed to the chapter and the
/// peer. It counts only if [`Self::is_from_chapter`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebriefFollowedUp {
    #[serde(rename = "type")]
    pub kind: String,
    pub request_id: String,
    pub account_id: String,
    pub followed_up_at: String,
    /// The chapter's certificate of the machine that wrote the mark.
    pub cert: DeviceCert,
}

impl DebriefFollowedUp {
    /// Whether the chapter wrote this mark: its certificate is signed by
    /// `chapter_signing`, certifies `author_device` (the envelope's verified author) and
    /// names the account the mark is about. Another peer cannot make one.
    pub fn is_from_chapter(&self, author_device: &str, chapter_signing: &DevicePublicKey) -> bool {
        self.kind == FOLLOWED_UP_TYPE
            && self.cert.device_key.device_id() == author_device
            && self.cert.account_id == self.account_id
            && self.cert.verify(ISSUER_CHAPTER, chapter_signing).is_ok()
    }
}

/// One of the peer's requests as the apps show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct Debrief {
    pub id: String,
    pub when: DebriefWhen,
    pub message: Option<String>,
    pub created_at: String,
    /// When the coordinator marked it followed up, once that mark has synced here.
    pub followed_up_at: Option<String>,
    /// Not sent to the server yet.
    pub pending: bool,
}

/// The "I need to talk" screen's texts and limit, so both apps say the same.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DebriefTexts {
    pub title: String,
    pub intro: String,
    pub when_label: String,
    pub when_today: String,
    pub when_week: String,
    pub message_label: String,
    /// Shown next to the message field: name nobody.
    pub reminder: String,
    pub max_message_chars: u32,
    pub send: String,
    pub sent: String,
    pub open: String,
    pub followed_up: String,
}

pub fn texts(l: Locale) -> DebriefTexts {
    DebriefTexts {
        title: pick(
            l,
            "I need to talk",
            "Jeg trenger å snakke",
            "Jeg har brug for at tale",
        )
        .into(),
        intro: pick(
            l,
            "Ask your coordinator for a talk. You do not need to say what it is about.",
            "Be koordinatoren din om en samtale. Du trenger ikke si hva det gjelder.",
            "Bed din koordinator om en samtale. Du behøver ikke sige, hvad det drejer sig om.",
        )
        .into(),
        when_label: pick(l, "How soon?", "Hvor snart?", "Hvor hurtigt?").into(),
        when_today: DebriefWhen::Today.label(l).into(),
        when_week: DebriefWhen::Week.label(l).into(),
        message_label: pick(
            l,
            "Message (optional)",
            "Melding (valgfritt)",
            "Besked (valgfri)",
        )
        .into(),
        reminder: pick(
            l,
            "Do not name anyone or write anything that could identify the person you support.",
            "Ikke nevn navn eller skriv noe som kan identifisere den du støtter.",
            "Nævn ingen navne, og skriv intet, der kan identificere den, du støtter.",
        )
        .into(),
        max_message_chars: MAX_DEBRIEF_MESSAGE_CHARS as u32,
        send: pick(l, "Send request", "Send forespørsel", "Send anmodning").into(),
        sent: pick(
            l,
            "Sent. Your coordinator will get in touch.",
            "Sendt. Koordinatoren din tar kontakt.",
            "Sendt. Din koordinator kontakter dig.",
        )
        .into(),
        open: pick(l, "Waiting", "Venter", "Venter").into(),
        followed_up: pick(l, "Followed up", "Fulgt opp", "Fulgt op").into(),
    }
}

/// Checks the optional message: trimmed, blank is none, at most
/// [`MAX_DEBRIEF_MESSAGE_CHARS`], no control characters but line breaks.
pub fn check_message(message: Option<&str>, locale: Locale) -> Result<Option<String>> {
    let mut c = Checker::new(locale);
    let m = c.text("message", message, MAX_DEBRIEF_MESSAGE_CHARS, true);
    c.finish()?;
    Ok(m)
}

/// Records a request for the chapter (it travels with the next sync). Refused before
/// enrolment: there is nobody to read it yet.
pub(crate) fn request(
    st: &mut Store,
    s: &mut Session,
    when: DebriefWhen,
    message: Option<String>,
) -> Result<Debrief> {
    let message = check_message(message.as_deref(), s.locale())?;
    if s.chapter_key.is_none() {
        return Err(CoreError::NotAllowed(Msg::NotEnrolled));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let payload = DebriefRequest {
        kind: REQUEST_TYPE.into(),
        when,
        message,
        created_at: now_rfc3339(),
    };
    st.tx(|tx| {
        s.write(
            tx,
            Collection::Debriefs,
            &id,
            Some(&payload),
            Audience::PeerAndChapter,
        )
    })?;
    Ok(Debrief {
        id,
        when: payload.when,
        message: payload.message,
        created_at: payload.created_at,
        followed_up_at: None,
        pending: true,
    })
}

/// What a `debriefs` record holds.
#[derive(Debug)]
pub enum DebriefRecord {
    Request(DebriefRequest),
    FollowedUp(DebriefFollowedUp),
}

/// Parses an opened `debriefs` payload by its type; `None` for anything else.
pub fn parse(v: serde_json::Value) -> Option<DebriefRecord> {
    match crate::certs::payload_type(&v)? {
        REQUEST_TYPE => serde_json::from_value(v).ok().map(DebriefRecord::Request),
        FOLLOWED_UP_TYPE => serde_json::from_value(v)
            .ok()
            .map(DebriefRecord::FollowedUp),
        _ => None,
    }
}

/// The peer's requests, newest first, each with the chapter's mark if one arrived. A
/// request counts only if one of the peer's own devices wrote it; a mark only if the
/// chapter certified its author for this account.
pub(crate) fn list(conn: &Connection, s: &Session) -> Result<Vec<Debrief>> {
    let mut requests = Vec::new();
    let mut marks: Vec<(String, String)> = Vec::new();
    for r in store::all_records(conn, Some(Collection::Debriefs))? {
        let env: &Envelope = &r.envelope;
        if env.meta.deleted {
            continue;
        }
        // A record that no longer verifies (its device since revoked) is left out.
        let Ok(verified) = session::verify(conn, env) else {
            continue;
        };
        let Ok(v) = s.open_verified::<serde_json::Value>(verified) else {
            continue;
        };
        let by = store::device(conn, &env.meta.author_device)?.map(|d| d.certified_by);
        match parse(v) {
            Some(DebriefRecord::Request(q)) if by == Some(CertifiedBy::Account) => {
                requests.push(Debrief {
                    id: env.meta.id.clone(),
                    when: q.when,
                    message: q.message,
                    created_at: q.created_at,
                    followed_up_at: None,
                    pending: r.pending,
                });
            }
            Some(DebriefRecord::FollowedUp(m)) => {
                let from_chapter = s.chapter_signing_key.as_ref().is_some_and(|k| {
                    m.is_from_chapter(&env.meta.author_device, k)
                        && m.account_id == s.profile.peer_id
                });
                if from_chapter {
                    marks.push((m.request_id, m.followed_up_at));
                }
            }
            _ => {}
        }
    }
    for d in &mut requests {
        d.followed_up_at = marks
            .iter()
            .filter(|(id, _)| *id == d.id)
            .map(|(_, at)| at.clone())
            .min();
    }
    requests.sort_by(|a, b| (&b.created_at, &b.id).cmp(&(&a.created_at, &a.id)));
    Ok(requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_bounded_and_plain() {
        assert_eq!(check_message(Some("  "), Locale::En).unwrap(), None);
        assert_eq!(
            check_message(Some(" hard day \n"), Locale::En).unwrap(),
            Some("hard day".into())
        );
        let long = "x".repeat(MAX_DEBRIEF_MESSAGE_CHARS + 1);
        let e = check_message(Some(&long), Locale::Nb).unwrap_err();
        let e = e.to_ffi(Locale::Nb);
        assert_eq!(e.code(), "too_long");
        assert!(e.message().contains("280"), "{}", e.message());
        let ok = "æ".repeat(MAX_DEBRIEF_MESSAGE_CHARS);
        assert!(check_message(Some(&ok), Locale::En).is_ok());
        assert!(check_message(Some("a\u{7}b"), Locale::En).is_err());
    }

    #[test]
    fn the_screen_texts_exist_in_every_language() {
        for l in [Locale::En, Locale::Nb, Locale::Da] {
            let t = texts(l);
            assert_eq!(t.max_message_chars, 280);
            for s in [&t.title, &t.reminder, &t.when_today, &t.when_week, &t.send] {
                assert!(!s.is_empty());
            }
        }
        assert_ne!(texts(Locale::Nb).reminder, texts(Locale::En).reminder);
        assert_ne!(texts(Locale::Da).reminder, texts(Locale::Nb).reminder);
    }
}
