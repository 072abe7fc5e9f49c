//! The peer's signed period report: the counted and not-counted contacts with dates and
//! kinds and the totals per category, signed by the device key. Anyone holding the file
//! can verify it offline: the signature covers the canonical JSON (RFC 8785) of the
//! report, and the totals must agree with the entries.

use crate::certs::{self, Authorship, EnrolmentCert};
use crate::error::{CoreError, Result};
use crate::i18n::{Msg, pick};
use crate::markdown::escape_html;
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey};
use peerlog_rules::{Category, ContactKind, Locale, Reason, RuleSet};
use serde::{Deserialize, Serialize};

pub(crate) const SIGNATURE_DOMAIN: &str = "period-report";
pub(crate) const FORMAT: &str = "peerlog-report/1";

/// A counted contact in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountedEntry {
    pub date: String,
    pub kind: ContactKind,
    pub category: Category,
}

/// A contact that was logged but does not count, with the reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotCountedEntry {
    pub date: String,
    pub kind: ContactKind,
    pub reason: String,
}

/// Activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct CategoryTotals {
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
}

impl From<&peerlog_rules::CategoryCounts> for CategoryTotals {
    fn from(c: &peerlog_rules::CategoryCounts) -> Self {
        CategoryTotals {
            outreach: c.outreach,
            group: c.group,
            course: c.course,
        }
    }
}

impl std::ops::AddAssign for CategoryTotals {
    fn add_assign(&mut self, o: Self) {
        self.outreach += o.outreach;
        self.group += o.group;
        self.course += o.course;
    }
}

/// Which declaration the peer had signed when signing the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationRef {
    pub declaration_id: String,
    pub version: u32,
    pub signed_at: String,
}

/// The signed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDoc {
    pub format: String,
    pub report_id: String,
    pub peer_id: String,
    pub peer_name: String,
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub rule_set_version: u32,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub counted: Vec<CountedEntry>,
    pub not_counted_total: u32,
    pub not_counted: Vec<NotCountedEntry>,
    pub declaration: Option<DeclarationRef>,
    pub locale: Locale,
    pub device_key: DevicePublicKey,
    pub signed_at: String,
}

/// The exported file: the document, its signature and, from an enrolled device, the
/// chapter's certificate of the signing key (outside the signature: it is signed by the
/// chapter itself, and only ever names this document's key and account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReport {
    pub report: ReportDoc,
    #[serde(with = "peerlog_protocol::b64::array")]
    pub signature: [u8; 64],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<EnrolmentCert>,
}

impl SignedReport {
    /// Who signed, as far as the file can tell.
    pub fn authorship(&self) -> Authorship {
        certs::authorship(
            self.certificate.as_ref(),
            &self.report.peer_id,
            &self.report.device_key,
        )
    }
}

/// Result of verifying a report file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ReportVerification {
    pub report_id: String,
    pub peer_id: String,
    pub peer_name: String,
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub not_counted_total: u32,
    pub signed_at: String,
    /// Device that signed (fingerprint of its key).
    pub device_id: String,
    pub declaration_signed: bool,
    /// Whether the signing device is one the chapter enrolled (see `describe_authorship`).
    pub authorship: Authorship,
}

fn totals(counted: &[CountedEntry]) -> CategoryTotals {
    let mut t = CategoryTotals::default();
    for c in counted {
        match c.category {
            Category::Outreach => t.outreach += 1,
            Category::Group => t.group += 1,
            Category::Course => t.course += 1,
        }
    }
    t
}

/// Builds the totals from the entries and signs.
pub(crate) fn sign(mut doc: ReportDoc, device: &DeviceSigningKey) -> Result<SignedReport> {
    doc.by_category = totals(&doc.counted);
    doc.activity_days = doc.counted.len() as u32;
    doc.not_counted_total = doc.not_counted.len() as u32;
    doc.device_key = device.public_key();
    let signature = device.sign_document(SIGNATURE_DOMAIN, &doc)?;
    Ok(SignedReport {
        report: doc,
        signature,
        certificate: None,
    })
}

/// Verifies a report file's bytes: the JSON file or the printable HTML copy.
pub(crate) fn verify_bytes(bytes: &[u8]) -> Result<ReportVerification> {
    if bytes.trim_ascii_start().starts_with(b"<") {
        let html = std::str::from_utf8(bytes)
            .map_err(|_| CoreError::Verification(Msg::ReportUnknownFormat))?;
        return verify(&verify_html(html)?);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|_| CoreError::Verification(Msg::ReportUnknownFormat))?;
    if value.pointer("/report/format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(CoreError::Verification(Msg::ReportUnknownFormat));
    }
    // Any change to the structure (an added or removed field) breaks the signature too;
    // report it as such rather than as a format problem.
    let s: SignedReport = serde_json::from_value(value)
        .map_err(|_| CoreError::Verification(Msg::ReportSignatureInvalid))?;
    verify(&s)
}

pub fn verify(s: &SignedReport) -> Result<ReportVerification> {
    let r = &s.report;
    r.device_key
        .verify_document(SIGNATURE_DOMAIN, r, &s.signature)
        .map_err(|_| CoreError::Verification(Msg::ReportSignatureInvalid))?;
    if totals(&r.counted) != r.by_category
        || r.activity_days as usize != r.counted.len()
        || r.not_counted_total as usize != r.not_counted.len()
    {
        return Err(CoreError::Verification(Msg::ReportTotalsMismatch));
    }
    Ok(ReportVerification {
        report_id: r.report_id.clone(),
        peer_id: r.peer_id.clone(),
        peer_name: r.peer_name.clone(),
        from: r.from.clone(),
        to: r.to.clone(),
        rule_set: r.rule_set.clone(),
        activity_days: r.activity_days,
        by_category: r.by_category,
        not_counted_total: r.not_counted_total,
        signed_at: r.signed_at.clone(),
        device_id: r.device_key.device_id(),
        declaration_signed: r.declaration.is_some(),
        authorship: s.authorship(),
    })
}

/// Where the HTML copy keeps the signed report (JSON, `<` escaped).
const HTML_DATA_TAG: &str = "<script type=\"application/json\" id=\"peerlog-signed-report\">";

/// A date as people in `l` write it (the JSON keeps ISO 8601).
fn display_date(iso: &str, l: Locale) -> String {
    match (chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d"), l) {
        (Ok(d), Locale::Nb | Locale::Da) => d.format("%d.%m.%Y").to_string(),
        _ => iso.to_string(),
    }
}

/// The reason a contact does not count, as the app said it when it was logged.
fn reason_text(code: &str, rules: Option<&RuleSet>, l: Locale) -> String {
    let min_participants = rules.and_then(|r| r.min_group_participants()).unwrap_or(3);
    let min_group = rules.and_then(|r| r.min_group_minutes()).unwrap_or(45);
    let min_course = rules.and_then(|r| r.min_course_minutes()).unwrap_or(90);
    let reason = match code {
        "abroad" => Reason::Abroad,
        "remote_contact" => Reason::RemoteContact,
        "meeting_not_outreach" => Reason::MeetingNotOutreach,
        "group_too_few_participants" => Reason::GroupTooFewParticipants { min_participants },
        "group_too_short" => Reason::GroupTooShort {
            min_minutes: min_group,
        },
        "group_not_led_by_peer" => Reason::GroupNotLedByPeer,
        "course_too_short" => Reason::CourseTooShort {
            min_minutes: min_course,
        },
        "kind_not_counted" => Reason::KindNotCounted,
        "no_reporting_rules" => Reason::NoReportingRules,
        other => return other.to_string(),
    };
    reason.message(l)
}

/// A heading and a table of dated rows (or "None.").
fn dated_table(
    h: &mut String,
    heading: &str,
    class: &str,
    headers: [&str; 3],
    rows: &[[String; 3]],
    l: Locale,
) {
    h.push_str(&format!("<h2>{heading}</h2>\n"));
    if rows.is_empty() {
        h.push_str(&format!(
            "<p>{}</p>\n",
            pick(l, "None.", "Ingen.", "Ingen.")
        ));
        return;
    }
    let [a, b, c] = headers;
    h.push_str(&format!(
        "<table class=\"{class}\">\n<thead><tr><th>{a}</th><th>{b}</th><th>{c}</th></tr></thead>\n<tbody>\n"
    ));
    for r in rows {
        h.push_str(&row(&[&r[0], &r[1], &r[2]]));
    }
    h.push_str("</tbody>\n</table>\n");
}

fn row(cells: &[&str]) -> String {
    let tds: String = cells
        .iter()
        .map(|c| format!("<td>{}</td>", escape_html(c)))
        .collect();
    format!("<tr>{tds}</tr>\n")
}

/// The printable copy of a signed report (A4), in the report's language, with the signed
/// report embedded. Deterministic: [`verify_html`] renders it again from the embedded data
/// and refuses a copy whose visible part differs.
pub(crate) fn to_html(s: &SignedReport) -> Result<String> {
    let r = &s.report;
    let l = r.locale;
    let json = serde_json::to_string(s)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let rules = peerlog_rules::rule_set_version(&r.rule_set, r.rule_set_version);
    // A whole calendar year is titled by its year. The dates are the signer's: never sliced
    // blindly (a hostile file must not make verification panic).
    let year = r
        .from
        .strip_suffix("-01-01")
        .filter(|y| r.to.strip_suffix("-12-31") == Some(*y));
    let title = if let Some(year) = year {
        format!(
            "{} {}",
            pick(
                l,
                "Yearly overview of peer support work",
                "Årsoversikt over likepersonsarbeid",
                "Årsoversigt over peerstøttearbejde"
            ),
            year
        )
    } else {
        format!(
            "{} {} – {}",
            pick(
                l,
                "Overview of peer support work",
                "Oversikt over likepersonsarbeid",
                "Oversigt over peerstøttearbejde"
            ),
            display_date(&r.from, l),
            display_date(&r.to, l)
        )
    };
    let (l_date, l_kind, l_cat, l_reason) = (
        pick(l, "Date", "Dato", "Dato"),
        pick(l, "Kind", "Type", "Type"),
        pick(l, "Counts as", "Teller som", "Tæller som"),
        pick(
            l,
            "Why it does not count",
            "Hvorfor det ikke teller",
            "Hvorfor det ikke tæller",
        ),
    );
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"peerlog-format\" content=\"peerlog-report-html/1\">\n<title>{title_e} – {name}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.4;color:#123}}\
         table{{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}}th,td{{text-align:left;padding:.25em .5em;border-bottom:1px solid #ccc}}\
         td.n,th.n{{text-align:right}}.meta{{color:#555;font-size:.9em}}.sig{{border-top:1px solid #999;margin-top:2em;padding-top:1em;break-inside:avoid}}\
         code{{word-break:break-all}}@page{{size:A4;margin:18mm 16mm}}\
         @media print{{body{{max-width:none;margin:0;padding:0;font-size:10pt}}thead{{display:table-header-group}}tr{{break-inside:avoid}}h2{{break-after:avoid}}}}</style>\n\
         </head>\n<body>\n<h1>{title_e}</h1>\n",
        lang = l.as_str(),
        title_e = escape_html(&title),
        name = escape_html(&r.peer_name),
    ));
    let rule_name = rules
        .map(|x| x.name(l).to_string())
        .unwrap_or_else(|| r.rule_set.clone());
    h.push_str(&format!(
        "<p><strong>{}:</strong> {}<br>\n<strong>{}:</strong> {} – {}<br>\n<strong>{}:</strong> {}</p>\n",
        pick(l, "Peer supporter", "Likeperson", "Peer-støttegiver"),
        escape_html(&r.peer_name),
        pick(l, "Period", "Periode", "Periode"),
        escape_html(&display_date(&r.from, l)),
        escape_html(&display_date(&r.to, l)),
        pick(l, "Reporting rules", "Regler for telling", "Regler for opgørelse"),
        escape_html(&rule_name),
    ));
    // Totals.
    h.push_str(&format!(
        "<h2>{}</h2>\n<table class=\"totals\">\n<tbody>\n",
        pick(l, "Totals", "Sammendrag", "Sammendrag")
    ));
    for (cat, n) in [
        (Category::Outreach, r.by_category.outreach),
        (Category::Group, r.by_category.group),
        (Category::Course, r.by_category.course),
    ] {
        h.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>\n",
            escape_html(cat.label(l))
        ));
    }
    h.push_str(&format!(
        "<tr><th>{}</th><th class=\"n\">{}</th></tr>\n<tr><td>{}</td><td class=\"n\">{}</td></tr>\n</tbody>\n</table>\n",
        pick(l, "Activity-days in total", "Aktivitetsdager i alt", "Aktivitetsdage i alt"),
        r.activity_days,
        pick(l, "Logged, not counted", "Registrert, teller ikke", "Registreret, tæller ikke"),
        r.not_counted_total,
    ));
    // Every counted date, then the ones logged but not counted.
    let counted: Vec<[String; 3]> = r
        .counted
        .iter()
        .map(|c| {
            [
                display_date(&c.date, l),
                c.kind.label(l).to_string(),
                c.category.label(l).to_string(),
            ]
        })
        .collect();
    dated_table(
        &mut h,
        pick(
            l,
            "Counted activity-days",
            "Aktivitetsdager som teller",
            "Aktivitetsdage, der tæller",
        ),
        "counted",
        [l_date, l_kind, l_cat],
        &counted,
        l,
    );
    let not_counted: Vec<[String; 3]> = r
        .not_counted
        .iter()
        .map(|c| {
            [
                display_date(&c.date, l),
                c.kind.label(l).to_string(),
                reason_text(&c.reason, rules, l),
            ]
        })
        .collect();
    dated_table(
        &mut h,
        pick(
            l,
            "Logged, not counted",
            "Registrert, teller ikke",
            "Registreret, tæller ikke",
        ),
        "not-counted",
        [l_date, l_kind, l_reason],
        &not_counted,
        l,
    );
    // Declaration and signature.
    let declaration = match &r.declaration {
        Some(d) => format!(
            "{} {} v{}, {} {}",
            pick(
                l,
                "Confidentiality declaration",
                "Taushetserklæring",
                "Tavshedserklæring"
            ),
            escape_html(&d.declaration_id),
            d.version,
            pick(l, "signed", "signert", "underskrevet"),
            escape_html(&d.signed_at),
        ),
        None => pick(
            l,
            "No confidentiality declaration was signed on this device",
            "Ingen taushetserklæring var signert på denne enheten",
            "Ingen tavshedserklæring var underskrevet på denne enhed",
        )
        .to_string(),
    };
    h.push_str(&format!(
        "<section class=\"sig\">\n<p>{declaration}</p>\n<p><strong>{}:</strong> {}<br>\n<strong>{}:</strong> {}</p>\n\
         <p class=\"author\">{}</p>\n<p class=\"meta\">{}: <code>{}</code> · {}: <code>{}</code></p>\n<p class=\"meta\">{}</p>\n</section>\n",
        pick(l, "Signed by", "Signert av", "Underskrevet af"),
        escape_html(&r.peer_name),
        pick(l, "Signed at", "Signert", "Underskrevet"),
        escape_html(&r.signed_at),
        escape_html(&certs::describe(&s.authorship(), l)),
        pick(l, "Report", "Rapport", "Rapport"),
        escape_html(&r.report_id),
        pick(l, "Device", "Enhet", "Enhed"),
        r.device_key.device_id(),
        pick(
            l,
            "Signed electronically in Peerlog with the device's key. The signature covers every date and number above; they can be checked with the data embedded in this file (peerlog report verify, or any Ed25519 and RFC 8785 implementation).",
            "Signert elektronisk i Peerlog med enhetens nøkkel. Signaturen dekker alle datoer og tall over; de kan kontrolleres med dataene i denne filen (peerlog report verify, eller en hvilken som helst implementasjon av Ed25519 og RFC 8785).",
            "Underskrevet elektronisk i Peerlog med enhedens nøgle. Underskriften dækker alle datoer og tal ovenfor; de kan kontrolleres med dataene i denne fil (peerlog report verify, eller en hvilken som helst implementering af Ed25519 og RFC 8785).",
        ),
    ));
    h.push_str(&format!(
        "{HTML_DATA_TAG}{json}</script>\n</body>\n</html>\n"
    ));
    Ok(h)
}

/// Reads the signed report out of an HTML copy and checks the copy: the embedded report
/// must verify, and the visible part must be exactly what it renders to — a changed date
/// or number on the page is refused even if the embedded data is intact.
pub(crate) fn verify_html(html: &str) -> Result<SignedReport> {
    let start = html
        .find(HTML_DATA_TAG)
        .map(|i| i + HTML_DATA_TAG.len())
        .ok_or(CoreError::Verification(Msg::ReportUnknownFormat))?;
    let end = html[start..]
        .find("</script>")
        .map(|i| start + i)
        .ok_or(CoreError::Verification(Msg::ReportUnknownFormat))?;
    let s: SignedReport = serde_json::from_str(&html[start..end])
        .map_err(|_| CoreError::Verification(Msg::ReportSignatureInvalid))?;
    verify(&s)?;
    if !crate::util::same_document(&to_html(&s)?, html) {
        return Err(CoreError::Verification(Msg::SignedCopyAltered));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(key: &DeviceSigningKey) -> ReportDoc {
        ReportDoc {
            format: FORMAT.into(),
            report_id: "r1".into(),
            peer_id: "p1".into(),
            peer_name: "Kari".into(),
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            rule_set: "no-bufdir-2020".into(),
            rule_set_version: 1,
            activity_days: 0,
            by_category: CategoryTotals::default(),
            counted: vec![
                CountedEntry {
                    date: "2026-02-01".into(),
                    kind: ContactKind::Visit,
                    category: Category::Outreach,
                },
                CountedEntry {
                    date: "2026-02-03".into(),
                    kind: ContactKind::Course,
                    category: Category::Course,
                },
            ],
            not_counted_total: 0,
            not_counted: vec![NotCountedEntry {
                date: "2026-02-02".into(),
                kind: ContactKind::Phone,
                reason: "remote_contact".into(),
            }],
            declaration: None,
            locale: Locale::En,
            device_key: key.public_key(),
            signed_at: "2027-01-05T10:00:00Z".into(),
        }
    }

    #[test]
    fn signs_with_computed_totals_and_verifies() {
        let key = DeviceSigningKey::generate().unwrap();
        let s = sign(doc(&key), &key).unwrap();
        let bytes = serde_json::to_vec_pretty(&s).unwrap();
        let v = verify_bytes(&bytes).unwrap();
        assert_eq!(v.activity_days, 2);
        assert_eq!(
            v.by_category,
            CategoryTotals {
                outreach: 1,
                group: 0,
                course: 1
            }
        );
        assert_eq!(v.not_counted_total, 1);
    }

    #[test]
    fn any_edit_fails_verification_with_a_reason() {
        let key = DeviceSigningKey::generate().unwrap();
        let s = sign(doc(&key), &key).unwrap();
        let text = serde_json::to_string_pretty(&s).unwrap();
        for (from, to) in [
            ("\"activity_days\": 2", "\"activity_days\": 3"),
            ("2026-02-01", "2026-02-04"),
            ("\"Kari\"", "\"Ola\""),
            ("\"outreach\": 1", "\"outreach\": 2"),
        ] {
            assert!(text.contains(from), "{from}");
            let forged = text.replace(from, to);
            let err = verify_bytes(forged.as_bytes()).unwrap_err();
            assert!(
                matches!(err, CoreError::Verification(Msg::ReportSignatureInvalid)),
                "{from}: {err:?}"
            );
        }
        // Re-signed by another key over inconsistent totals: signature fine, totals not.
        let mut bad = doc(&key);
        let other = DeviceSigningKey::generate().unwrap();
        bad.device_key = other.public_key();
        bad.activity_days = 5;
        let sig = other.sign_document(SIGNATURE_DOMAIN, &bad).unwrap();
        let forged = SignedReport {
            report: bad,
            signature: sig,
            certificate: None,
        };
        let err = verify_bytes(&serde_json::to_vec(&forged).unwrap()).unwrap_err();
        assert!(matches!(
            err,
            CoreError::Verification(Msg::ReportTotalsMismatch)
        ));
        let err = verify_bytes(b"{\"hello\":1}").unwrap_err();
        assert!(matches!(
            err,
            CoreError::Verification(Msg::ReportUnknownFormat)
        ));
    }
}

#[cfg(test)]
mod html_tests {
    use super::*;

    fn signed(locale: Locale) -> SignedReport {
        let key = DeviceSigningKey::generate().unwrap();
        let mut d = tests_doc(&key);
        d.locale = locale;
        sign(d, &key).unwrap()
    }

    fn tests_doc(key: &DeviceSigningKey) -> ReportDoc {
        ReportDoc {
            format: FORMAT.into(),
            report_id: "r1".into(),
            peer_id: "p1".into(),
            peer_name: "Kari <Nordmann>".into(),
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            rule_set: "no-bufdir-2020".into(),
            rule_set_version: 1,
            activity_days: 0,
            by_category: CategoryTotals::default(),
            counted: vec![
                CountedEntry {
                    date: "2026-02-01".into(),
                    kind: ContactKind::Visit,
                    category: Category::Outreach,
                },
                CountedEntry {
                    date: "2026-03-14".into(),
                    kind: ContactKind::Course,
                    category: Category::Course,
                },
            ],
            not_counted_total: 0,
            not_counted: vec![NotCountedEntry {
                date: "2026-02-02".into(),
                kind: ContactKind::Phone,
                reason: "remote_contact".into(),
            }],
            declaration: Some(DeclarationRef {
                declaration_id: "chapter".into(),
                version: 3,
                signed_at: "2026-01-10T09:00:00Z".into(),
            }),
            locale: Locale::En,
            device_key: key.public_key(),
            signed_at: "2027-01-05T10:00:00Z".into(),
        }
    }

    #[test]
    fn html_copy_lists_every_date_in_the_peers_language_and_verifies() {
        let s = signed(Locale::Nb);
        let html = to_html(&s).unwrap();
        for needle in [
            "<html lang=\"nb\">",
            "Årsoversikt over likepersonsarbeid 2026",
            "01.02.2026",
            "14.03.2026",
            "02.02.2026",
            "Oppsøkende likepersonsarbeid",
            "teller ikke: telefon",
            "Aktivitetsdager i alt</th><th class=\"n\">2<",
            "Taushetserklæring chapter v3",
            "Kari &lt;Nordmann&gt;",
            "@page{size:A4",
            "@media print",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        assert!(!html.contains("<Nordmann>"));
        let v = verify_bytes(html.as_bytes()).unwrap();
        assert_eq!(v.activity_days, 2);
        // Through a Windows mail program.
        verify_bytes(html.replace('\n', "\r\n").as_bytes()).unwrap();
        let en = to_html(&signed(Locale::En)).unwrap();
        assert!(en.contains("Yearly overview of peer support work 2026"));
        assert!(en.contains("2026-02-01"));
    }

    /// Plays the peer who wants a better year on paper: a changed date or number on the
    /// page, or in the embedded data, is refused.
    #[test]
    fn html_copy_tampering_is_refused() {
        let s = signed(Locale::Nb);
        let html = to_html(&s).unwrap();
        for (from, to, why) in [
            (
                "<td>01.02.2026</td>",
                "<td>01.02.2025</td>",
                Msg::SignedCopyAltered,
            ),
            (
                "Aktivitetsdager i alt</th><th class=\"n\">2<",
                "Aktivitetsdager i alt</th><th class=\"n\">12<",
                Msg::SignedCopyAltered,
            ),
            (
                "\"date\":\"2026-02-01\"",
                "\"date\":\"2026-02-05\"",
                Msg::ReportSignatureInvalid,
            ),
            (
                "\"activity_days\":2",
                "\"activity_days\":3",
                Msg::ReportSignatureInvalid,
            ),
        ] {
            assert!(html.contains(from), "{from}");
            let forged = html.replacen(from, to, 1);
            let err = verify_bytes(forged.as_bytes()).unwrap_err();
            assert!(
                matches!(err, CoreError::Verification(m) if m == why),
                "{from}: {err:?}"
            );
        }
        // Dates a hostile signer made up render as text; verification never panics.
        let key = DeviceSigningKey::generate().unwrap();
        let mut d = tests_doc(&key);
        d.from = "é".into();
        d.to = "<b>".into();
        d.counted[0].date = "x".into();
        let odd = to_html(&sign(d, &key).unwrap()).unwrap();
        assert!(odd.contains("&lt;b&gt;") && !odd.contains("<b>"), "{odd}");
        verify_bytes(odd.as_bytes()).unwrap();
        // Without the embedded data it is not a report file at all.
        let start = html.find(HTML_DATA_TAG).unwrap();
        let err = verify_bytes(&html.as_bytes()[..start]).unwrap_err();
        assert!(matches!(
            err,
            CoreError::Verification(Msg::ReportUnknownFormat)
        ));
    }
}
