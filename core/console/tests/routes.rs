//! Every route of the console against a real server (SQLite, 127.0.0.1:0) and a real
//! coordinator's home with two peers: sign-in, the Host check, Origin and CSRF on every
//! state-changing request, field errors that change nothing, and the pages' contents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peerlog_console::Console;
use peerlog_coordinator::Coordinator;
use peerlog_core::*;
use peerlog_server::{RateLimits, RunningServer, ServeConfig};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

const YEAR: i32 = 2025;

struct Fixture {
    dir: tempfile::TempDir,
    server: Option<RunningServer>,
    coord: Arc<Coordinator>,
    console: Console,
    host: String,
    kari: Arc<Peerlog>,
    /// Kari's submitted expenses: (with a receipt, without).
    expenses: (String, String),
    /// Kari's open "I need to talk" request.
    debrief: String,
}

fn secrets(home: &Path) -> Arc<FileSecretStore> {
    Arc::new(FileSecretStore::open(&home.join("secrets")).unwrap())
}

fn contact(date: &str, kind: ContactKind, minutes: u32, participants: u32) -> ContactInput {
    ContactInput {
        participants,
        ..ContactInput::new(date, kind, minutes)
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-not-really-an-image";

async fn peer(dir: &Path, coord: &Coordinator, name: &str) -> Arc<Peerlog> {
    let inv = coord.create_invitation(7).await.unwrap();
    let home = dir.join(name);
    let app = Peerlog::open_dir(&home, secrets(&home), None).unwrap();
    app.enrol(inv.invitation, Some(name.into())).await.unwrap();
    app.sync(None).await.unwrap();
    app.sign_declaration(name.into(), true, None).unwrap();
    app
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/server.db", dir.path().display());
    let mut config = ServeConfig::new(&db, "127.0.0.1:0".parse().unwrap());
    config.rate_limits = RateLimits::disabled();
    config.shutdown_timeout = std::time::Duration::from_secs(1);
    let server = peerlog_server::spawn(config).await.unwrap();
    let url = format!("http://{}", server.addr());
    let created = peerlog_server::create_chapter(&db, "LHL", "Oslo", 7)
        .await
        .unwrap();
    let home = dir.path().join("coordinator");
    let coord = Coordinator::open_in_language(&home, secrets(&home), None, Locale::En).unwrap();
    coord.enrol(url, created.coordinator_token).await.unwrap();

    let kari = peer(dir.path(), &coord, "Kari Nordmann").await;
    kari.add_contact(contact("2025-03-04", ContactKind::Visit, 60, 1))
        .unwrap();
    kari.add_contact(contact("2025-04-10", ContactKind::ConversationGroup, 90, 5))
        .unwrap();
    kari.add_contact(contact("2025-04-11", ContactKind::Phone, 20, 1))
        .unwrap();
    let mut private = contact("2025-05-01", ContactKind::Visit, 45, 1);
    private.private_note = Some("PRIVATE-NOTE-MARKER".into());
    private.private_ref = Some("PRIVATE-REF-MARKER".into());
    kari.add_contact(private).unwrap();
    kari.add_contact(contact("2024-06-01", ContactKind::Visit, 30, 1))
        .unwrap();
    kari.sign_year_report(YEAR).unwrap();
    let ticket = |amount, receipt: Option<&[u8]>| ExpenseInput {
        date: "2025-03-04".into(),
        kind: ExpenseKind::Ticket,
        km: None,
        amount_minor: Some(amount),
        // Peers write descriptions; the console must show them as text.
        description: Some("<img src=x onerror=alert(1)>bus".into()),
        contact_ids: vec![],
        receipt: receipt.map(|d| Receipt {
            mime_type: "image/png".into(),
            data: d.to_vec(),
        }),
    };
    let with_receipt = kari.add_expense(ticket(4500, Some(PNG))).unwrap().id;
    kari.submit_expense(with_receipt.clone()).unwrap();
    let without = kari.add_expense(ticket(9900, None)).unwrap().id;
    kari.submit_expense(without.clone()).unwrap();
    // Peers write the message; the console must show it as text.
    let debrief = kari
        .request_debrief(DebriefWhen::Today, Some("<b>DEBRIEF-MARKER</b>".into()))
        .unwrap()
        .id;
    kari.sync(None).await.unwrap();

    let ola = peer(dir.path(), &coord, "Ola Nordmann").await;
    ola.add_contact(contact("2025-06-01", ContactKind::Course, 120, 8))
        .unwrap();
    ola.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();

    // The console is not bound in these tests: requests go straight to its router, with
    // the Host header a browser would send to this address.
    let addr: std::net::SocketAddr = "127.0.0.1:47999".parse().unwrap();
    let console = peerlog_console::console(coord.clone(), Locale::En, addr);
    Fixture {
        dir,
        server: Some(server),
        coord,
        console,
        host: addr.to_string(),
        kari,
        expenses: (with_receipt, without),
        debrief,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// A signed-in browser: its cookie and the CSRF token of its pages.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Fixture {
    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.console.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn token(&self) -> String {
        self.console
            .login_url
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string()
    }

    async fn sign_in(&self) -> Browser {
        let r = self
            .send(
                Request::get(format!("/?token={}", self.token()))
                    .header(header::HOST, &self.host)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), Some("/"), "the secret leaves the address bar");
        let set = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly"), "{set}");
        assert!(set.contains("SameSite=Strict"), "{set}");
        let cookie = set.split(';').next().unwrap().to_string();
        let page = self
            .send(
                Request::get("/")
                    .header(header::HOST, &self.host)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        Browser { cookie, csrf }
    }

    async fn get(&self, b: &Browser, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::HOST, &self.host)
                .header(header::COOKIE, &b.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A form post as the console's own page makes it (Origin, cookie, CSRF token).
    async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", b.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, Some(&b.cookie), Some(&self.origin()), &form(&all))
            .await
    }

    fn origin(&self) -> String {
        format!("http://{}", self.host)
    }

    /// A multipart post of `parts` (name, optional file name, value), as the declaration
    /// form sends it.
    async fn post_multipart(
        &self,
        b: &Browser,
        path: &str,
        parts: &[(&str, Option<&str>, &str)],
    ) -> Reply {
        let mut body = String::new();
        for (name, file, value) in parts {
            body.push_str("--XX\r\nContent-Disposition: form-data; name=\"");
            body.push_str(name);
            body.push('"');
            if let Some(f) = file {
                body.push_str(&format!(
                    "; filename=\"{f}\"\r\nContent-Type: text/markdown"
                ));
            }
            body.push_str("\r\n\r\n");
            body.push_str(value);
            body.push_str("\r\n");
        }
        body.push_str("--XX--\r\n");
        self.send(
            Request::post(path)
                .header(header::HOST, &self.host)
                .header(header::COOKIE, &b.cookie)
                .header(header::ORIGIN, self.origin())
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XX")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, &self.host)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Every state the console could change: invitations, decisions, the declaration,
    /// revocations.
    async fn state(&self) -> String {
        let expenses: Vec<_> = self
            .coord
            .chapter_expenses()
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.status, e.decision_reason))
            .collect();
        let devices: Vec<_> = self
            .coord
            .known_peers()
            .unwrap()
            .into_iter()
            .flat_map(|p| p.devices)
            .map(|d| (d.device_id, d.revoked_at))
            .collect();
        let debriefs = self.coord.chapter_debriefs().unwrap();
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            self.coord.open_invitations().unwrap().len(),
            expenses,
            self.coord.published_declaration().unwrap(),
            devices,
            self.coord.training_list().unwrap(),
            self.coord.chapter_settings().unwrap(),
            debriefs
        )
    }

    fn kari_device(&self) -> (String, String) {
        let p = self
            .coord
            .known_peers()
            .unwrap()
            .into_iter()
            .find(|p| p.name.as_deref() == Some("Kari Nordmann"))
            .unwrap();
        (p.account_id, p.devices[0].device_id.clone())
    }

    /// Every POST route with a form that would be accepted.
    fn post_routes(&self) -> Vec<(String, Vec<(&'static str, String)>)> {
        let (account, device) = self.kari_device();
        vec![
            ("/sync".into(), vec![]),
            ("/invite".into(), vec![("days", "7".into())]),
            (format!("/expenses/{}/approve", self.expenses.0), vec![]),
            (
                format!("/expenses/{}/reject", self.expenses.1),
                vec![("reason", "no ticket".into())],
            ),
            (
                "/declaration/publish".into(),
                vec![("text", "# New".into()), ("locale", "en".into())],
            ),
            (format!("/peers/{account}/devices/{device}/revoke"), vec![]),
            (
                "/training".into(),
                vec![
                    ("peer", account.clone()),
                    ("course", "Likepersonskurs".into()),
                    ("date", "2025-03-01".into()),
                ],
            ),
            ("/training/settings".into(), vec![("themes", "on".into())]),
            (format!("/debriefs/{}/done", self.debrief), vec![]),
            ("/report/submit".into(), vec![("year", "2025".into())]),
        ]
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The number inside the element with `data-testid="{id}"`.
fn testid(html: &str, id: &str) -> u32 {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].trim().parse().unwrap()
}

const PAGES: &[&str] = &[
    "/",
    "/?year=2025",
    "/peers",
    "/invite",
    "/expenses",
    "/declaration",
    "/report",
    "/report?year=2025",
    "/report/2025/peerlog-report-2025.xlsx",
    "/sync/status",
    "/training",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_needs_a_signed_in_browser() {
    let f = fixture().await;
    let before = f.state().await;
    let (account, device) = f.kari_device();
    let mut pages: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    pages.push(format!("/peers/{account}"));
    pages.push(format!("/peers/{account}/devices/{device}/revoke"));
    pages.push(format!("/expenses/{}/receipt", f.expenses.0));
    for path in &pages {
        let r = f
            .send(
                Request::get(path.as_str())
                    .header(header::HOST, &f.host)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.text().contains("Sign in"), "{path}: the login page");
        assert!(!r.text().contains("Kari"), "{path}: nothing of the chapter");
    }
    // A forged or stale cookie is no session.
    let forged = format!("{}=not-a-session", cookie_name(&f));
    for (path, fields) in f.post_routes() {
        let mut all = vec![("csrf", "x".to_string())];
        all.extend(fields);
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for cookie in [None, Some(forged.as_str())] {
            let r = f
                .post_raw(&path, cookie, Some(&f.origin()), &form(&all))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(f.state().await, before, "nothing changed");
}

fn cookie_name(f: &Fixture) -> String {
    format!("peerlog-console-{}", f.host.rsplit(':').next().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_secret_works_once() {
    let f = fixture().await;
    let wrong = f
        .send(
            Request::get("/?token=guess")
                .header(header::HOST, &f.host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("already used or is wrong"));
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());

    let b = f.sign_in().await;
    let again = f
        .send(
            Request::get(format!("/?token={}", f.token()))
                .header(header::HOST, &f.host)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a second browser");
    assert!(again.headers.get(header::SET_COOKIE).is_none());
    // The signed-in browser stays signed in.
    assert_eq!(f.get(&b, "/peers").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_another_host_are_refused() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let port = f.host.rsplit(':').next().unwrap();
    // A page on attacker.example whose name now resolves to 127.0.0.1 (DNS rebinding)
    // sends its own name as Host.
    for host in [
        format!("attacker.example:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", port.parse::<u16>().unwrap() + 1),
        format!("[::1]:{port}"),
    ] {
        for path in ["/", "/peers", "/assets/console.css", "/?token=x"] {
            let r = f
                .send(
                    Request::get(path)
                        .header(header::HOST, &host)
                        .header(header::COOKIE, &b.cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host} {path}");
            assert!(!r.text().contains("Kari"));
        }
    }
    let none = f
        .send(
            Request::get("/")
                .header(header::COOKIE, &b.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(none.status, StatusCode::MISDIRECTED_REQUEST);
    // `localhost` with the console's port is this machine.
    let local = f
        .send(
            Request::get("/assets/console.css")
                .header(header::HOST, format!("localhost:{port}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(local.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_the_pages_origin_and_csrf_token() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let before = f.state().await;
    for (path, fields) in f.post_routes() {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let with = |csrf: &'static str| {
            let mut all = vec![("csrf", csrf)];
            all.extend_from_slice(&fields);
            form(&all)
        };
        let good_csrf = {
            let mut all = vec![("csrf", b.csrf.as_str())];
            all.extend_from_slice(&fields);
            form(&all)
        };
        // Another site's form (a cross-site POST carries its own Origin), no Origin, and
        // the right Origin with a missing or wrong token.
        for (origin, body) in [
            (Some("http://attacker.example"), good_csrf.clone()),
            (Some("null"), good_csrf.clone()),
            (None, good_csrf.clone()),
            (Some(f.origin().as_str()), form(&fields)),
            (Some(f.origin().as_str()), with("wrong")),
            (Some(f.origin().as_str()), with("")),
        ] {
            let r = f.post_raw(&path, Some(&b.cookie), origin, &body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{path} {origin:?} {body}: {}",
                r.text()
            );
        }
    }
    // The multipart preview checks its token too.
    let r = f
        .post_multipart(
            &b,
            "/declaration/preview",
            &[("csrf", None, "wrong"), ("text", None, "# Hi")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(f.state().await, before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_forms_show_the_field_error_and_change_nothing() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let before = f.state().await;

    let r = f
        .post(
            &b,
            &format!("/expenses/{}/reject", f.expenses.1),
            &[("reason", "   ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("a rejection needs a reason"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));

    for days in ["0", "31", "seven", ""] {
        let r = f.post(&b, "/invite", &[("days", days)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
        assert!(r.text().contains("Enter a whole number from 1 to 30."));
    }

    let r = f
        .post(
            &b,
            "/declaration/publish",
            &[("text", " \n "), ("locale", "nb")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("the text is empty"), "{}", r.text());
    let r = f
        .post(
            &b,
            "/declaration/publish",
            &[("text", &"x".repeat(70_000)), ("locale", "nb")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("too long"));

    let r = f.post(&b, "/expenses/no-such-expense/approve", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(f.state().await, before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_show_the_chapter_and_the_forms_do_what_they_say() {
    let f = fixture().await;
    let b = f.sign_in().await;

    // Overview: the report's own numbers.
    let report = f.coord.chapter_report(YEAR).unwrap();
    let last = f.coord.chapter_report(YEAR - 1).unwrap();
    let html = f.get(&b, "/?year=2025").await.text();
    assert_eq!(testid(&html, "activity-days"), report.activity_days);
    assert_eq!(report.activity_days, 4, "two visits, a group, a course day");
    assert_eq!(
        testid(&html, "category-outreach"),
        report.by_category.outreach
    );
    assert_eq!(testid(&html, "category-group"), report.by_category.group);
    assert_eq!(testid(&html, "category-course"), report.by_category.course);
    assert_eq!(testid(&html, "active-peers"), 2);
    assert_eq!(testid(&html, "signed-current"), 2);
    assert!(html.contains(&format!("{} last year", last.activity_days)));
    assert!(html.contains("2 expenses waiting for a decision"));
    assert!(html.contains("<svg class=\"chart\""));

    // Peers, and a peer's page without anything private.
    let html = f.get(&b, "/peers").await.text();
    assert_eq!(html.matches("data-testid=\"peer-row\"").count(), 2);
    assert!(html.contains("Kari Nordmann") && html.contains("Ola Nordmann"));
    let (account, device) = f.kari_device();
    let html = f
        .get(&b, &format!("/peers/{account}?year=2025"))
        .await
        .text();
    assert!(html.contains("2025-04-10") && html.contains("Apr 2025"));
    assert!(
        html.contains("does not count: phone"),
        "the phone call does not count, with why"
    );
    assert!(!html.contains("PRIVATE-NOTE-MARKER") && !html.contains("PRIVATE-REF-MARKER"));

    // Expenses: the receipt inline, approve one, reject the other.
    let html = f.get(&b, "/expenses").await.text();
    assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;bus"));
    assert!(
        !html.contains("<img src=x"),
        "a peer's text is never markup"
    );
    assert!(html.contains(&format!(
        "<img class=\"receipt\" src=\"/expenses/{}/receipt\"",
        f.expenses.0
    )));
    let r = f
        .get(&b, &format!("/expenses/{}/receipt", f.expenses.0))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, PNG);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/png");
    let r = f
        .post(&b, &format!("/expenses/{}/approve", f.expenses.0), &[])
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, Some("/expenses"))
    );
    let r = f
        .post(
            &b,
            &format!("/expenses/{}/reject", f.expenses.1),
            &[("reason", "no receipt")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let decided: Vec<_> = f
        .coord
        .chapter_expenses()
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.status, e.decision_reason))
        .collect();
    assert!(decided.contains(&(f.expenses.0.clone(), ExpenseStatus::Approved, None)));
    assert!(decided.contains(&(
        f.expenses.1.clone(),
        ExpenseStatus::Rejected,
        Some("no receipt".into())
    )));
    let html = f.get(&b, "/expenses").await.text();
    assert!(
        html.contains("The expense is rejected"),
        "the flash message"
    );
    assert!(html.contains("No expenses are waiting."));
    // The peer sees the decisions after both sync.
    f.coord.sync(None).await.unwrap();
    f.kari.sync(None).await.unwrap();
    let mine = f.kari.list_expenses().unwrap();
    assert!(
        mine.iter()
            .any(|e| e.id == f.expenses.0 && e.status == ExpenseStatus::Approved)
    );

    // Invite: a QR code and the text.
    let r = f.post(&b, "/invite", &[("days", "3")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = f.get(&b, "/invite").await.text();
    assert!(html.contains("<svg role=\"img\" aria-label=\"QR code of the invitation\""));
    let newest = &f.coord.open_invitations().unwrap()[0].invitation;
    assert!(html.contains(newest.as_str()));

    // Declaration: preview, then publish version 1; the peers must sign again.
    let r = f
        .post_multipart(
            &b,
            "/declaration/preview",
            &[
                ("csrf", None, &b.csrf),
                ("locale", None, "nb"),
                ("text", None, ""),
                ("file", Some("d.md"), "# Taushet\n\n1. **Ingen** navn & <3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<h1>Taushet</h1>"), "{html}");
    assert!(
        html.contains("<strong>Ingen</strong> navn &amp; &lt;3"),
        "rendered as the apps render it, the text escaped: {html}"
    );
    assert_eq!(
        f.coord.published_declaration().unwrap(),
        None,
        "a preview publishes nothing"
    );
    // Raw HTML is refused with a field error, before anything is published.
    let r = f
        .post_multipart(
            &b,
            "/declaration/preview",
            &[
                ("csrf", None, &b.csrf),
                ("locale", None, "nb"),
                ("text", None, "# Taushet\n\n1. <b>Ingen</b> navn"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(f.coord.published_declaration().unwrap(), None);
    let r = f
        .post(
            &b,
            "/declaration/publish",
            &[("text", "# Taushet\n\n1. Ingen navn"), ("locale", "nb")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let published = f.coord.published_declaration().unwrap().unwrap();
    assert_eq!((published.version, published.locale), (1, Locale::Nb));
    let html = f.get(&b, "/declaration").await.text();
    assert!(html.contains("Current version 1"));

    // Report: figures, signed reports, and the same file as the CLI writes.
    let html = f.get(&b, "/report?year=2025").await.text();
    assert_eq!(testid(&html, "activity-days"), report.activity_days);
    assert!(
        html.contains("signed, verifies"),
        "Kari signed her 2025 report"
    );
    let r = f.get(&b, "/report/2025/peerlog-report-2025.xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"PK"));
    let r = f.get(&b, "/report/2025/peerlog-report-2025.json").await;
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(json["activity_days"], report.activity_days);

    // Revoke Kari's phone after a confirmation page.
    let html = f
        .get(&b, &format!("/peers/{account}/devices/{device}/revoke"))
        .await
        .text();
    assert!(html.contains("Yes, revoke the device"));
    let r = f
        .post(
            &b,
            &format!("/peers/{account}/devices/{device}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = f.coord.chapter_peers().await.unwrap();
    let kari = p.iter().find(|p| p.account_id == account).unwrap();
    assert!(kari.devices[0].revoked_at.is_some());

    // Sync now, without script: the form waits for the sync and shows its outcome.
    let r = f.post(&b, "/sync", &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/")));
    assert!(f.get(&b, "/").await.text().contains("Synced: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let mut replies = vec![
        f.get(&b, "/").await,
        f.get(&b, "/assets/console.js").await,
        f.get(&b, "/no-such-page").await,
        f.post_raw("/invite", None, None, "").await,
        f.send(
            Request::get("/")
                .header(header::HOST, "evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    ];
    replies.push(
        f.send(
            Request::get("/")
                .header(header::HOST, &f.host)
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    );
    for r in &replies {
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers[header::REFERRER_POLICY], "same-origin");
    }
    // No inline script or style anywhere in the pages (the CSP would block it).
    for page in [
        "/",
        "/peers",
        "/invite",
        "/expenses",
        "/declaration",
        "/report",
    ] {
        let html = f.get(&b, page).await.text();
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "{page}"
        );
        for attr in [
            "src=\"http",
            "href=\"http",
            "action=\"http",
            "src=\"//",
            "href=\"//",
        ] {
            assert!(!html.contains(attr), "{page}: nothing from another origin");
        }
    }
    assert_eq!(
        f.get(&b, "/no-such-page").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_speaks_the_coordinators_language() {
    let f = fixture().await;
    // The same home opened in bokmål, as `--lang nb` does.
    let home = f.dir.path().join("coordinator");
    let coord = Coordinator::open_in_language(&home, secrets(&home), None, Locale::Nb).unwrap();
    let nb = Fixture {
        console: peerlog_console::console(coord, Locale::Nb, "127.0.0.1:47998".parse().unwrap()),
        host: "127.0.0.1:47998".into(),
        ..f
    };
    let login = nb
        .send(
            Request::get("/")
                .header(header::HOST, &nb.host)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(login.contains("<html lang=\"nb\">") && login.contains("Logg inn"));
    let b = nb.sign_in().await;
    let html = nb.get(&b, "/expenses").await.text();
    assert!(html.contains("Venter på avgjørelse") && html.contains("Godkjenn"));
    assert!(
        html.contains("Billett"),
        "the core's name of the expense kind: {html}"
    );
    let r = nb
        .post(
            &b,
            &format!("/expenses/{}/reject", nb.expenses.1),
            &[("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("et avslag må ha en begrunnelse"),
        "the core's message in bokmål"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_server_the_console_shows_what_it_knows() {
    let mut f = fixture().await;
    let b = f.sign_in().await;
    f.server.take().unwrap().abort().await;
    for page in [
        "/?year=2025",
        "/peers",
        "/declaration",
        "/expenses",
        "/report?year=2025",
    ] {
        let r = f.get(&b, page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.text());
    }
    assert!(
        f.get(&b, "/peers")
            .await
            .text()
            .contains("The server did not answer")
    );
    let html = f.get(&b, "/?year=2025").await.text();
    assert_eq!(testid(&html, "activity-days"), 4);
    // Sync now says that it failed, and why, in the user's language.
    let r = f.post(&b, "/sync", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = f.get(&b, "/").await.text();
    assert!(html.contains("The sync failed: "), "{html}");
    // An invitation needs the server: the page says why, nothing is kept.
    let r = f.post(&b, "/invite", &[("days", "7")]).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        f.coord.open_invitations().unwrap().len(),
        2,
        "Kari's and Ola's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_training_page_records_courses_and_the_chapters_settings() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let (account, _) = f.kari_device();
    let before = f.state().await;
    let html = f.get(&b, "/training").await.text();
    assert!(html.contains("No courses recorded yet."), "{html}");
    assert!(html.contains("Kari Nordmann"), "the peer to choose");

    // Bad input of every kind: the field's error, nothing changed.
    for (fields, error) in [
        (
            vec![
                ("peer", account.as_str()),
                ("course", " "),
                ("date", "2025-03-01"),
            ],
            "type the course&#39;s name",
        ),
        (
            vec![
                ("peer", account.as_str()),
                ("course", "Kurs"),
                ("date", "2025-02-30"),
            ],
            "not a date",
        ),
        (
            vec![
                ("peer", account.as_str()),
                ("course", "Kurs"),
                ("date", "2025-03-01"),
                ("valid_until", "2025-01-01"),
            ],
            "this date is before the course date",
        ),
        (
            vec![
                ("peer", "no-such-peer"),
                ("course", "Kurs"),
                ("date", "2025-03-01"),
            ],
            "Choose a peer of the chapter.",
        ),
    ] {
        let r = f.post(&b, "/training", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = r.text();
        assert!(html.contains(error), "{error}: {html}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    assert_eq!(f.state().await, before, "nothing changed");

    let peers = f.get(&b, "/peers").await.text();
    assert!(peers.contains("data-testid=\"certified\"><span class=\"warn\">no"));
    let r = f
        .post(
            &b,
            "/training",
            &[
                ("peer", account.as_str()),
                ("course", "Likepersonskurs"),
                ("date", "2025-03-01"),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/training"));
    let html = f.get(&b, "/training").await.text();
    assert!(html.contains("Course recorded."), "{html}");
    assert!(html.contains("Likepersonskurs") && html.contains("no expiry"));
    let peers = f.get(&b, "/peers").await.text();
    assert!(peers.contains("data-testid=\"certified\"><span class=\"ok\">yes"));

    // The settings: both off, then on.
    assert!(!html.contains("name=\"themes\" value=\"on\" checked"));
    let r = f
        .post(
            &b,
            "/training/settings",
            &[("themes", "on"), ("flag_uncertified", "on")],
        )
        .await;
    assert_eq!(r.location(), Some("/training"));
    let s = f.coord.chapter_settings().unwrap();
    assert!(s.themes && s.flag_uncertified);
    let html = f.get(&b, "/training").await.text();
    assert!(html.contains("name=\"themes\" value=\"on\" checked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_debrief_requests_come_first_and_can_be_marked_followed_up() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let page = f.get(&b, "/").await.text();
    let request = page
        .find(&format!("data-testid=\"debrief-{}\"", f.debrief))
        .expect("the open request is on the Overview");
    let figures = page.find("data-testid=\"activity-days\"").unwrap();
    assert!(request < figures, "open requests come first");
    assert!(page.contains("Kari Nordmann"));
    assert!(page.contains("Today"));
    assert!(
        page.contains("&#60;b&#62;DEBRIEF-MARKER&#60;/b&#62;"),
        "shown as text"
    );
    assert!(!page.contains("<b>DEBRIEF-MARKER"));

    // An unknown request: not found, nothing changed.
    let before = f.state().await;
    let r = f.post(&b, "/debriefs/no-such-request/done", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(f.state().await, before);

    let r = f
        .post(&b, &format!("/debriefs/{}/done", f.debrief), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), Some("/"));
    let page = f.get(&b, "/").await.text();
    assert!(page.contains("Marked as followed up"));
    assert!(!page.contains(&format!("debrief-{}", f.debrief)));
    assert!(page.contains("data-testid=\"debriefs-none\""));
    let list = f.coord.chapter_debriefs().unwrap();
    assert!(list[0].followed_up_at.is_some());

    // The peer sees it after both sync.
    f.coord.sync(None).await.unwrap();
    f.kari.sync(None).await.unwrap();
    let mine = f.kari.list_debriefs().unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].followed_up_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_year_is_submitted_to_the_organisation() {
    use peerlog_server::storage::{SqliteStorage, Storage};
    let f = fixture().await;
    let b = f.sign_in().await;
    let page = f.get(&b, "/report?year=2025").await.text();
    assert!(page.contains("data-testid=\"rollup-submit\""), "{page}");
    assert!(page.contains("Submit 2025 to the organisation"));
    let server = SqliteStorage::open(f.dir.path().join("server.db"))
        .await
        .unwrap();
    let stored = || async {
        server.org_rollups("LHL", 2025).await.unwrap()[0]
            .rollup
            .clone()
    };

    // A year out of range: refused, nothing sent.
    let r = f.post(&b, "/report/submit", &[("year", "1999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("between 2000 and 2100"));
    assert_eq!(stored().await, None);

    let days = f.coord.chapter_report(2025).unwrap().activity_days;
    let r = f.post(&b, "/report/submit", &[("year", "2025")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), Some("/report?year=2025"));
    let page = f.get(&b, "/report?year=2025").await.text();
    assert!(
        page.contains(&format!(
            "2025 submitted to the organisation: {days} activity-days."
        )),
        "{page}"
    );
    let first = stored().await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&first.document).unwrap();
    assert_eq!(doc["document"]["activity_days"], days);
    assert_eq!(doc["document"]["chapter"], "Oslo");

    // Again: it replaces the year's submission.
    let r = f.post(&b, "/report/submit", &[("year", "2025")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = f.get(&b, "/report?year=2025").await.text();
    assert!(
        page.contains("again, replacing the earlier submission"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_shows_theme_counts_once_the_chapter_asks() {
    let f = fixture().await;
    let b = f.sign_in().await;
    let html = f.get(&b, "/report?year=2025").await.text();
    assert!(
        !html.contains("data-testid=\"themes\""),
        "hidden while off and empty"
    );

    f.coord
        .set_chapter_settings(ChapterSettings {
            themes: true,
            flag_uncertified: false,
        })
        .unwrap();
    let html = f.get(&b, "/report?year=2025").await.text();
    assert!(html.contains("Recovery themes (CHIME)"), "{html}");
    assert!(html.contains("data-testid=\"themes-none\""));

    f.coord.sync(None).await.unwrap();
    f.kari.sync(None).await.unwrap();
    f.kari
        .add_contact(ContactInput {
            themes: vec!["hope".into(), "empowerment".into()],
            ..contact("2025-07-01", ContactKind::Phone, 20, 1)
        })
        .unwrap();
    f.kari.sync(None).await.unwrap();
    f.coord.sync(None).await.unwrap();
    let html = f.get(&b, "/report?year=2025").await.text();
    assert!(html.contains("data-testid=\"theme-hope\">1<"), "{html}");
    assert!(html.contains("data-testid=\"theme-empowerment\">1<"));
    assert!(html.contains("data-testid=\"theme-identity\">0<"));
    assert!(html.contains("Hope and optimism"));
    let csv = f
        .get(&b, "/report/2025/peerlog-report-2025.csv")
        .await
        .text();
    assert!(csv.contains("theme_hope"));
}
