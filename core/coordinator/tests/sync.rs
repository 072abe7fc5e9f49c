//! The sync client and the coordinator side against a real server (SQLite, 127.0.0.1:0).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerlog_coordinator::Coordinator;
use peerlog_core::*;
use peerlog_server::{RateLimits, RunningServer, ServeConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const YEAR: i32 = 2025;

struct Server {
    dir: tempfile::TempDir,
    db: String,
    server: Option<RunningServer>,
    addr: std::net::SocketAddr,
}

impl Server {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}/server.db", dir.path().display());
        let server = spawn(&db, "127.0.0.1:0".parse().unwrap()).await;
        let addr = server.addr();
        Server {
            dir,
            db,
            server: Some(server),
            addr,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server at once (a crash).
    async fn kill(&mut self) {
        if let Some(s) = self.server.take() {
            s.abort().await;
        }
    }

    /// Starts it again on the same port and database.
    async fn restart(&mut self) {
        self.server = Some(spawn(&self.db, self.addr).await);
    }

    fn home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The server's database, opened as a hostile operator would (stop the server first).
    fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db.trim_start_matches("sqlite://")).unwrap()
    }

    /// The envelope the server keeps for `(collection, id)`.
    fn stored(&self, collection: &str, id: &str) -> peerlog_protocol::Envelope {
        let bytes: Vec<u8> = self
            .database()
            .query_row(
                "SELECT envelope FROM records WHERE collection = ?1 AND id = ?2",
                [collection, id],
                |r| r.get(0),
            )
            .unwrap();
        peerlog_protocol::Envelope::from_json_bytes(&bytes).unwrap()
    }

    /// Serves `env` in place of the stored version of its record, as new to every pull.
    fn serve_instead(&self, env: &peerlog_protocol::Envelope) {
        let db = self.database();
        let seq: i64 = db
            .query_row("SELECT max(seq) + 1 FROM records", [], |r| r.get(0))
            .unwrap();
        let n = db
            .execute(
                "UPDATE records SET version = ?3, envelope = ?4, seq = ?5, author_device = ?6
                 WHERE collection = ?1 AND id = ?2",
                rusqlite::params![
                    env.meta.collection.as_str(),
                    env.meta.id,
                    env.meta.version as i64,
                    env.to_json_bytes().unwrap(),
                    seq,
                    env.meta.author_device
                ],
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    /// The chapter's encryption key, as the server keeps it.
    fn chapter_key(&self) -> peerlog_crypto::RecipientPublicKey {
        let key: Vec<u8> = self
            .database()
            .query_row(
                "SELECT encryption_public_key FROM chapters WHERE encryption_public_key IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let key: [u8; 32] = key.try_into().unwrap();
        peerlog_crypto::RecipientPublicKey::from_bytes(&key).unwrap()
    }

    /// Sum of `/v1/…` requests the server counted so far.
    async fn requests(&self) -> u64 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let body = reqwest::get(format!("{}/metrics", self.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        body.lines()
            .filter(|l| l.starts_with("peerlog_http_requests_total{") && l.contains("route=\"/v1/"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }
}

async fn spawn(db: &str, addr: std::net::SocketAddr) -> RunningServer {
    let mut config = ServeConfig::new(db, addr);
    config.rate_limits = RateLimits::disabled();
    config.shutdown_timeout = Duration::from_secs(1);
    peerlog_server::spawn(config).await.unwrap()
}

fn secrets(home: &Path) -> Arc<FileSecretStore> {
    Arc::new(FileSecretStore::open(&home.join("secrets")).unwrap())
}

/// A 32-byte secret the app keeps in `home`'s secret store (a thief's view of the phone).
fn secret32(home: &Path, name: &str) -> [u8; 32] {
    secrets(home)
        .get(name.into())
        .unwrap()
        .unwrap()
        .try_into()
        .unwrap()
}

fn contact(date: &str, kind: ContactKind, minutes: u32) -> ContactInput {
    ContactInput::new(date, kind, minutes)
}

fn group(date: &str, kind: ContactKind, minutes: u32, participants: u32) -> ContactInput {
    ContactInput {
        participants,
        ..ContactInput::new(date, kind, minutes)
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn open(home: &Path) -> Arc<Peerlog> {
    Peerlog::open_dir(home, secrets(home), None).unwrap()
}

fn open_coordinator(home: &Path) -> Arc<Coordinator> {
    Coordinator::open(home, secrets(home), None).unwrap()
}

/// A new device in `srv.home(home)` from a peer's recovery code.
async fn recover(srv: &Server, home: &str, code: String) -> Result<Arc<Peerlog>, PeerlogError> {
    let app = open(&srv.home(home));
    app.recover_from_server(srv.url(), code).await?;
    Ok(app)
}

async fn coordinator(srv: &Server, name: &str) -> Arc<Coordinator> {
    let created = peerlog_server::create_chapter(&srv.db, "LHL", name, 7)
        .await
        .unwrap();
    let coord = open_coordinator(&srv.home(&format!("coord-{name}")));
    coord
        .enrol(srv.url(), created.coordinator_token)
        .await
        .unwrap();
    coord
}

/// A peer on a fresh home, enrolled, with the current declaration signed and synced.
async fn peer(srv: &Server, coord: &Coordinator, home: &str) -> (Arc<Peerlog>, String) {
    let inv = coord.create_invitation(7).await.unwrap();
    let app = open(&srv.home(home));
    let res = app
        .enrol(inv.invitation, Some("Kari Nordmann".into()))
        .await
        .unwrap();
    let code = res
        .recovery_code
        .expect("a fresh home gets a recovery code");
    app.sync(None).await.unwrap();
    app.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    (app, code)
}

fn ids(app: &Peerlog) -> Vec<(String, u64)> {
    let mut v: Vec<_> = app
        .list_contacts(None, None)
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.version))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walkthrough_counts_match_the_peers_own_summary() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    assert_eq!(
        coord.status().unwrap().enrolment.unwrap().role,
        AccountRole::Coordinator
    );

    // A fresh peer.
    let (kari, code) = peer(&srv, &coord, "kari").await;
    assert!(!code.is_empty());
    kari.add_contact(contact("2025-03-04", ContactKind::Visit, 60))
        .unwrap();
    kari.add_contact(contact("2025-03-04", ContactKind::Phone, 20))
        .unwrap();
    kari.add_contact(group("2025-04-10", ContactKind::ConversationGroup, 90, 5))
        .unwrap();
    let mut private = contact("2025-05-01", ContactKind::Visit, 45);
    private.private_note = Some("PRIVATE-MARKER".into());
    kari.add_contact(private).unwrap();
    kari.sign_year_report(YEAR).unwrap();

    // An offline-initialised peer with history, enrolled afterwards.
    let ola_home = srv.home("ola");
    let ola = open(&ola_home);
    ola.init("Ola Nordmann".into(), "no-bufdir-2020".into(), Locale::Nb)
        .unwrap();
    ola.sign_declaration("Ola Nordmann".into(), true, None)
        .unwrap();
    ola.add_contact(contact("2025-06-01", ContactKind::Visit, 30))
        .unwrap();
    ola.add_contact(contact("2025-06-02", ContactKind::Visit, 30))
        .unwrap();
    let inv = coord.create_invitation(3).await.unwrap();
    let res = ola.enrol(inv.invitation, None).await.unwrap();
    assert_eq!(res.recovery_code, None);
    assert_eq!(res.info.role, AccountRole::Peer);
    assert!(ola.sync_status().unwrap().pending > 0);

    let k = kari.sync(None).await.unwrap();
    assert!(k.pushed >= 5, "{k:?}");
    assert_eq!(k.rejected, 0);
    let o = ola.sync(None).await.unwrap();
    assert_eq!(o.rejected, 0);
    assert_eq!(kari.sync_status().unwrap().pending, 0);
    assert_eq!(ola.sync_status().unwrap().pending, 0);
    assert!(kari.sync_status().unwrap().last_success.is_some());

    coord.sync(None).await.unwrap();
    let report = coord.chapter_report(YEAR).unwrap();
    let kari_id = kari.profile().unwrap().peer_id;
    let ola_id = ola.profile().unwrap().peer_id;
    let mut total = 0;
    for (app, id) in [(&kari, &kari_id), (&ola, &ola_id)] {
        let own = app.year_summary(YEAR).unwrap();
        let p = report
            .peers
            .iter()
            .find(|p| p.account_id == *id)
            .expect("peer in report");
        assert_eq!(p.activity_days, own.activity_days);
        assert_eq!(p.by_category.outreach, own.by_category.outreach);
        assert_eq!(p.by_category.group, own.by_category.group);
        assert_eq!(p.by_category.course, own.by_category.course);
        assert_eq!(p.not_counted, own.not_counted_total);
        assert!(p.declaration_valid);
        total += own.activity_days;
    }
    assert_eq!(report.activity_days, total);
    assert_eq!(report.active_peers_with_declaration, 2);
    let kp = report
        .peers
        .iter()
        .find(|p| p.account_id == kari_id)
        .unwrap();
    assert_eq!(kp.name.as_deref(), Some("Kari Nordmann"));
    assert!(kp.report_signed && kp.report_valid);
    assert_eq!(kp.activity_days, 3);
    assert_eq!(kp.counted.len(), 3);

    let peers = coord.chapter_peers().await.unwrap();
    let kp = peers.iter().find(|p| p.account_id == kari_id).unwrap();
    assert_eq!(kp.devices.len(), 1);
    assert!(kp.declaration_valid);

    // The private note never left the peer's device in a form the chapter can open, and
    // no free text is in the server's database.
    let db = std::fs::read(srv.dir.path().join("server.db")).unwrap();
    assert!(!contains(&db, b"PRIVATE-MARKER"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_fingerprint_is_refused_and_nothing_is_stored() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let inv = coord.create_invitation(7).await.unwrap();
    let mut parsed: peerlog_protocol::api::Invitation = inv.invitation.parse().unwrap();
    parsed.fingerprint = "0000-0000-0000-0000-0000-0000-0000-0000".into();
    let forged = parsed.to_string();
    let home = srv.home("p");
    let app = open(&home);
    let err = app
        .enrol(forged, Some("Kari Nordmann".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "chapter_fingerprint_mismatch", "{err:?}");
    assert!(!app.is_initialised());
    assert!(app.sync_status().unwrap().enrolment.is_none());
    assert!(
        secrets(&home)
            .get("device-signing-key".into())
            .unwrap()
            .is_none()
    );
    // The invitation was not used: the real one still works.
    app.enrol(inv.invitation, Some("Kari Nordmann".into()))
        .await
        .unwrap();

    let bad = open(&srv.home("q"))
        .enrol("peerlog1:nonsense".into(), Some("X Y".into()))
        .await
        .unwrap_err();
    assert!(matches!(bad, PeerlogError::Invalid { .. }), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_one_peer_converge_and_resolve_edits_by_version() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let c1 = a
        .add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();

    // A wrong code is refused before any device is registered.
    let wrong = recover(&srv, "x", "00000-00000-00000-00000-00000".into())
        .await
        .unwrap_err();
    assert!(
        [
            "wrong_recovery_code",
            "recovery_not_found",
            "recovery_code_typo"
        ]
        .contains(&wrong.code()),
        "{wrong:?}"
    );

    let b = recover(&srv, "b", code).await.unwrap();
    assert_eq!(b.profile().unwrap().peer_id, a.profile().unwrap().peer_id);
    assert_eq!(ids(&b), ids(&a));
    assert!(b.declaration_status().unwrap().signed);

    // Both log, both sync, both see everything.
    b.add_contact(contact("2025-02-02", ContactKind::Visit, 45))
        .unwrap();
    a.add_contact(contact("2025-02-03", ContactKind::Visit, 50))
        .unwrap();
    b.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    assert_eq!(ids(&a).len(), 3);
    assert_eq!(ids(&a), ids(&b));

    // Concurrent edits of one contact: the later version wins on both.
    let mut ea = c1.to_input();
    ea.minutes = 70;
    let va = a.edit_contact(c1.id.clone(), ea).unwrap().version;
    let mut eb = c1.to_input();
    eb.minutes = 80;
    let mut vb = b.edit_contact(c1.id.clone(), eb.clone()).unwrap().version;
    // Make b's edit the later one (clocks differ), so a's push is stale.
    while vb <= va {
        vb = b.edit_contact(c1.id.clone(), eb.clone()).unwrap().version;
    }
    let winner = 80;
    b.sync(None).await.unwrap();
    a.sync(None).await.unwrap(); // stale push, then pulls b's version, which wins
    b.sync(None).await.unwrap();
    assert_eq!(a.get_contact(c1.id.clone()).unwrap().minutes, winner);
    assert_eq!(b.get_contact(c1.id.clone()).unwrap().minutes, winner);
    assert_eq!(a.get_contact(c1.id.clone()).unwrap().version, va.max(vb));
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.sync_status().unwrap().pending, 0);

    // The coordinator sees one peer with two devices and every contact once.
    coord.sync(None).await.unwrap();
    let r = coord.chapter_report(YEAR).unwrap();
    assert_eq!(r.peers.len(), 1);
    assert_eq!(r.activity_days, a.year_summary(YEAR).unwrap().activity_days);
    let peers = coord.chapter_peers().await.unwrap();
    assert_eq!(
        peers
            .iter()
            .find(|p| p.role == AccountRole::Peer)
            .unwrap()
            .devices
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_syncs_lose_and_duplicate_nothing() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    for d in 1..=28 {
        for k in [ContactKind::Visit, ContactKind::Phone] {
            a.add_contact(contact(&format!("2025-02-{d:02}"), k, 30))
                .unwrap();
        }
    }
    // Dropped mid-way (the future is cancelled at some await point).
    for ms in [1, 3, 10, 30] {
        let _ = tokio::time::timeout(Duration::from_millis(ms), a.sync(None)).await;
    }
    a.sync(None).await.unwrap();
    assert_eq!(a.sync_status().unwrap().pending, 0);

    let b = recover(&srv, "b", code).await.unwrap();
    assert_eq!(ids(&b), ids(&a));

    // Small pages, each applied with its cursor in one transaction; the pull is cut off
    // at many points and resumed.
    for d in 1..=30 {
        a.add_contact(contact(&format!("2025-04-{d:02}"), ContactKind::Visit, 30))
            .unwrap();
    }
    a.sync(None).await.unwrap();
    b.set_pull_page_size(4);
    for ms in [2, 5, 8, 12, 20, 40] {
        let _ = tokio::time::timeout(Duration::from_millis(ms), b.sync(None)).await;
    }
    let rest = b.sync(None).await.unwrap();
    assert!(rest.pulled <= 30, "{rest:?}");
    assert_eq!(ids(&b), ids(&a));
    assert_eq!(ids(&b).len(), 86);

    // The server dies while the second device pulls; nothing is lost or duplicated.
    for _ in 0..20 {
        a.add_contact(contact("2025-03-01", ContactKind::Visit, 30))
            .unwrap();
    }
    a.sync(None).await.unwrap();
    let pull = tokio::spawn({
        let b = b.clone();
        async move { b.sync(None).await }
    });
    srv.kill().await;
    let _ = pull.await.unwrap();
    // While it is down, sync fails with a network error and a backoff.
    let err = b.sync(None).await.unwrap_err();
    assert!(matches!(err, PeerlogError::Network { .. }), "{err:?}");
    let st = b.sync_status().unwrap();
    assert_eq!(st.last_error.unwrap().code, "network");
    assert!(st.retry_after.is_some());
    srv.restart().await;
    b.sync(None).await.unwrap();
    assert_eq!(ids(&b), ids(&a));
    assert_eq!(ids(&b).len(), 106);
    assert!(b.sync_status().unwrap().retry_after.is_none());

    coord.sync(None).await.unwrap();
    let r = coord.chapter_report(YEAR).unwrap();
    assert_eq!(r.activity_days, a.year_summary(YEAR).unwrap().activity_days);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_device_is_refused_and_wiped() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    let device = a.sync_status().unwrap().device_id.unwrap();
    assert!(coord.revoke_device(device.clone()).await.unwrap());
    assert!(!coord.revoke_device(device).await.unwrap());
    let err = a.sync(None).await.unwrap_err();
    assert!(matches!(err, PeerlogError::DeviceRevoked { .. }), "{err:?}");
    assert!(!a.is_initialised());
    assert!(a.sync_status().unwrap().enrolment.is_none());
    let home = srv.home("a");
    assert!(secrets(&home).get("peer-key".into()).unwrap().is_none());
    assert!(
        secrets(&home)
            .get("device-signing-key".into())
            .unwrap()
            .is_none()
    );
    // Reopening finds nothing either.
    assert!(!open(&home).is_initialised());
}

/// A hostile server on `addr`: whatever it is asked, it answers `403` with the body
/// currently in `body`.
async fn hostile(addr: std::net::SocketAddr, body: Arc<std::sync::Mutex<String>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.lock().unwrap().clone();
            tokio::spawn(async move {
                // Read the request head and its announced body, then answer and close.
                let mut seen = Vec::new();
                let mut buf = [0u8; 16 * 1024];
                loop {
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + len {
                        break;
                    }
                }
                let reply = format!(
                    "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_no_trusted_key_signed_wipes_nothing() {
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::api::{self, RevocationStatement, SignedRevocation};
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    let device = a.sync_status().unwrap().device_id.unwrap();
    let account = a.profile().unwrap().peer_id;
    let chapter_seed = secrets(&srv.home("coord-Oslo"))
        .get("chapter-signing-key".into())
        .unwrap()
        .unwrap();
    let chapter = DeviceSigningKey::from_seed(&chapter_seed.try_into().unwrap()).unwrap();
    let stranger = DeviceSigningKey::generate().unwrap();
    let body = |statement: Option<(&str, &DeviceSigningKey)>| {
        let revocation = statement.map(|(device_id, key)| {
            let statement = RevocationStatement {
                device_id: device_id.into(),
                account_id: account.clone(),
                revoked_at: 1_767_225_600,
                issuer: api::REVOKED_BY_CHAPTER.into(),
            };
            let signature = key
                .sign_document(api::REVOCATION_DOMAIN, &statement)
                .unwrap();
            Box::new(SignedRevocation {
                statement,
                signature,
            })
        });
        let e = api::ErrorBody {
            wipe: true,
            revocation,
            ..api::ErrorBody::new(api::codes::DEVICE_REVOKED, "revoked")
        };
        serde_json::to_string(&e).unwrap()
    };
    // The server (or anyone on the path) turns hostile.
    srv.kill().await;
    let reply = Arc::new(std::sync::Mutex::new(String::new()));
    hostile(srv.addr, reply.clone()).await;
    for (what, claim) in [
        ("the old reply: wipe, nothing signed", body(None)),
        (
            "signed by a key nobody trusts",
            body(Some((&device, &stranger))),
        ),
        (
            "signed by the chapter for another device",
            body(Some(("dev_other", &chapter))),
        ),
    ] {
        *reply.lock().unwrap() = claim;
        let err = a.sync(None).await.unwrap_err();
        assert_eq!(err.code(), "revoked_not_wiped", "{what}: {err:?}");
        assert!(a.is_initialised(), "{what}");
        assert_eq!(a.list_contacts(None, None).unwrap().len(), 1, "{what}");
        assert!(
            secrets(&srv.home("a"))
                .get("peer-key".into())
                .unwrap()
                .is_some(),
            "{what}"
        );
        let status = a.sync_status().unwrap();
        assert_eq!(
            status.last_error.unwrap().code,
            "revoked_not_wiped",
            "{what}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_declaration_reaches_the_peer_and_blocks_logging_until_signed() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    // Markdown the apps cannot show is refused, in the coordinator's language, and nothing
    // is published.
    for text in [
        "# T\n\n![logo](https://example.org/logo.png)",
        "# T\n\n<script>alert(1)</script>",
        "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    ] {
        let err = coord
            .publish_declaration(text.into(), Locale::Nb)
            .await
            .unwrap_err();
        match err {
            PeerlogError::Invalid {
                code, user_message, ..
            } => {
                assert_eq!(code, "unsupported_markdown", "{text}");
                // In the coordinator's language (this machine's: English), not the text's.
                assert!(
                    user_message.contains("the declaration uses"),
                    "{user_message}"
                );
            }
            e => panic!("{text}: {e:?}"),
        }
    }
    let v = coord
        .publish_declaration("# Taushetserklæring\n\nJeg lover å tie.".into(), Locale::Nb)
        .await
        .unwrap();
    assert_eq!(v, 1);
    let r = a.sync(None).await.unwrap();
    assert!(r.declaration_changed);
    let d = a.current_declaration().unwrap();
    assert_eq!(d.version, 1);
    assert!(d.text.contains("Jeg lover å tie."));
    assert!(!a.declaration_status().unwrap().signed);
    assert!(!a.sync_status().unwrap().declaration_signed);
    let err = a
        .add_contact(contact("2025-02-02", ContactKind::Visit, 60))
        .unwrap_err();
    assert!(matches!(err, PeerlogError::DeclarationRequired { .. }));
    a.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    a.add_contact(contact("2025-02-02", ContactKind::Visit, 60))
        .unwrap();
    // A second sync changes nothing; a reopened app still shows the chapter's text.
    assert!(!a.sync(None).await.unwrap().declaration_changed);
    let reopened = open(&srv.home("a"));
    assert_eq!(reopened.current_declaration().unwrap().version, 1);
    assert!(reopened.declaration_status().unwrap().signed);

    assert_eq!(
        coord
            .publish_declaration("# Ny tekst".into(), Locale::Nb)
            .await
            .unwrap(),
        2
    );
    coord.sync(None).await.unwrap();
    let peers = coord.chapter_peers().await.unwrap();
    let p = peers.iter().find(|p| p.role == AccountRole::Peer).unwrap();
    assert_eq!(p.declaration_version, Some(1));
    assert!(!p.declaration_valid, "version 2 is current now");

    // On the phone, version 2 is a re-sign (version 1 was signed), not a first signature.
    assert!(a.sync(None).await.unwrap().declaration_changed);
    let status = a.declaration_status().unwrap();
    assert_eq!((status.version, status.signed), (2, false));
    assert!(status.signed_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expense_decision_by_the_coordinator() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let e = a
        .add_expense(ExpenseInput {
            date: "2025-02-01".into(),
            kind: ExpenseKind::Travel,
            km: Some(12),
            amount_minor: None,
            description: Some("bus to the hospital".into()),
            contact_ids: vec![],
            receipt: None,
        })
        .unwrap();
    a.submit_expense(e.id.clone()).unwrap();
    let draft = a
        .add_expense(ExpenseInput {
            date: "2025-02-02".into(),
            kind: ExpenseKind::Phone,
            km: None,
            amount_minor: Some(9900),
            description: None,
            contact_ids: vec![],
            receipt: None,
        })
        .unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let list = coord.chapter_expenses().unwrap();
    assert_eq!(list.len(), 1, "drafts are not shown");
    assert_eq!(list[0].id, e.id);
    assert_eq!(list[0].status, ExpenseStatus::Submitted);
    assert_eq!(list[0].amount_minor, 12 * 350);
    assert_eq!(list[0].peer_name.as_deref(), Some("Kari Nordmann"));
    let err = coord
        .decide_expense(e.id.clone(), false, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reason_required");
    assert!(
        coord
            .decide_expense(draft.id.clone(), true, None)
            .await
            .is_err()
    );
    coord
        .decide_expense(e.id.clone(), false, Some("no receipt".into()))
        .await
        .unwrap();
    let r = coord.sync(None).await.unwrap();
    assert_eq!(r.pushed, 1);
    assert_eq!(r.rejected, 0);
    let list = coord.chapter_expenses().unwrap();
    assert_eq!(list[0].status, ExpenseStatus::Rejected);
    assert_eq!(list[0].decision_reason.as_deref(), Some("no receipt"));
    // The decision survives a restart of the coordinator's app.
    let reopened = open_coordinator(&srv.home("coord-Oslo"));
    assert_eq!(
        reopened.chapter_expenses().unwrap()[0].status,
        ExpenseStatus::Rejected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expense_decisions_reach_the_peer() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let mut ids = Vec::new();
    for km in [12, 30] {
        let e = a
            .add_expense(ExpenseInput {
                date: "2025-02-01".into(),
                kind: ExpenseKind::Travel,
                km: Some(km),
                amount_minor: None,
                description: None,
                contact_ids: vec![],
                receipt: None,
            })
            .unwrap();
        a.submit_expense(e.id.clone()).unwrap();
        ids.push(e.id);
    }
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    coord
        .decide_expense(ids[0].clone(), true, None)
        .await
        .unwrap();
    coord
        .decide_expense(ids[1].clone(), false, Some("too far".into()))
        .await
        .unwrap();
    coord.sync(None).await.unwrap();
    let r = a.sync(None).await.unwrap();
    assert_eq!(
        r.pulled, 3,
        "two decisions and the chapter's certificate of this device"
    );
    let check = |app: &Peerlog| {
        let list = app.list_expenses().unwrap();
        assert_eq!(list.len(), 2, "decisions are not expenses themselves");
        let get = |id: &str| list.iter().find(|e| e.id == id).unwrap().clone();
        assert_eq!(get(&ids[0]).status, ExpenseStatus::Approved);
        assert_eq!(get(&ids[0]).decision_reason, None);
        assert_eq!(get(&ids[1]).status, ExpenseStatus::Rejected);
        assert_eq!(get(&ids[1]).decision_reason.as_deref(), Some("too far"));
    };
    check(&a);
    // A recovered device learns the decisions too.
    let b = recover(&srv, "b", code).await.unwrap();
    check(&b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_sync_is_one_request_and_progress_is_reported() {
    #[derive(Default)]
    struct Count(std::sync::Mutex<Vec<SyncPhase>>);
    impl SyncProgress for Count {
        fn on_progress(&self, phase: SyncPhase, _: u64, _: Option<u64>) {
            self.0.lock().unwrap().push(phase);
        }
    }
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    let progress = Arc::new(Count::default());
    a.sync(Some(progress.clone())).await.unwrap();
    let phases = progress.0.lock().unwrap().clone();
    assert!(phases.contains(&SyncPhase::Push) && phases.contains(&SyncPhase::Apply));
    a.sync(None).await.unwrap();

    let before = srv.requests().await;
    let r = a.sync(None).await.unwrap();
    let after = srv.requests().await;
    assert_eq!(r, SyncReport::default());
    assert_eq!(after - before, 1, "an empty sync is one pull");
    let before = srv.requests().await;
    coord.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let mid = srv.requests().await;
    coord.sync(None).await.unwrap();
    assert_eq!(srv.requests().await - mid, 1);
    assert!(mid > before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_offline_and_not_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir.path().join("h"));
    let st = app.sync_status().unwrap();
    assert_eq!(st.device_id, None);
    assert_eq!(st.pending, 0);
    let err = app.sync(None).await.unwrap_err();
    assert_eq!(err.code(), "not_enrolled");
    app.init("Kari Nordmann".into(), "no-bufdir-2020".into(), Locale::En)
        .unwrap();
    let st = app.sync_status().unwrap();
    assert!(st.device_id.is_some() && st.enrolment.is_none() && !st.declaration_signed);
    // Unreachable server: a network error, nothing stored.
    let err = app
        .enrol(
            "peerlog1:http://127.0.0.1:9#AAECAwQFBgcICQoLDA0ODw.0000-0000".into(),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PeerlogError::Network { .. }), "{err:?}");
    assert!(app.sync_status().unwrap().enrolment.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_record_is_counted_kept_and_not_retried() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.sync(None).await.unwrap();
    let c = a
        .add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    // Break the author signature of the pending record on disk.
    {
        let db = rusqlite::Connection::open(srv.home("a").join("peerlog.db")).unwrap();
        let bytes: Vec<u8> = db
            .query_row(
                "SELECT envelope FROM records WHERE collection = 'contacts' AND id = ?1",
                [&c.id],
                |r| r.get(0),
            )
            .unwrap();
        let mut env = peerlog_protocol::Envelope::from_json_bytes(&bytes).unwrap();
        env.signature[0] ^= 1;
        db.execute(
            "UPDATE records SET envelope = ?1 WHERE collection = 'contacts' AND id = ?2",
            rusqlite::params![env.to_json_bytes().unwrap(), c.id],
        )
        .unwrap();
    }
    let r = a.sync(None).await.unwrap();
    assert_eq!(r.rejected, 1, "{r:?}");
    let st = a.sync_status().unwrap();
    assert_eq!(st.last_error.unwrap().code, "push_rejected");
    assert_eq!(st.pending, 0);
    assert!(
        st.retry_after.is_none(),
        "a refusal is not a failure to back off from"
    );
    // Not pushed again; the record stays on the device with the server's code.
    let before = srv.requests().await;
    assert_eq!(a.sync(None).await.unwrap(), SyncReport::default());
    assert_eq!(srv.requests().await - before, 1);
    let kept: i64 = rusqlite::Connection::open(srv.home("a").join("peerlog.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM records WHERE push_error = 'bad_signature'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_self_hosted_ca() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../server/tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/server.db", dir.path().display());
    let mut config = ServeConfig::new(&db, "127.0.0.1:0".parse().unwrap());
    config.rate_limits = RateLimits::disabled();
    config.tls = Some(peerlog_server::TlsFiles {
        cert: fixtures.join("server.pem"),
        key: fixtures.join("server.key"),
    });
    let server = peerlog_server::spawn(config).await.unwrap();
    let url = server.url();
    assert!(url.starts_with("https://"));
    let ca = std::fs::read_to_string(fixtures.join("ca.pem")).unwrap();
    let created = peerlog_server::create_chapter(&db, "LHL", "Bergen", 7)
        .await
        .unwrap();

    // Without the CA: the bundled roots do not know it.
    let untrusting = open_coordinator(&dir.path().join("x"));
    let err = untrusting
        .enrol(url.clone(), created.coordinator_token.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, PeerlogError::Network { .. }), "{err:?}");
    assert!(untrusting.status().unwrap().enrolment.is_none());
    drop(untrusting);
    let untrusting = open(&dir.path().join("x"));
    let refused = untrusting
        .set_extra_root_certificate("not pem".into())
        .unwrap_err();
    assert_eq!(refused.code(), "bad_certificate");
    assert_eq!(untrusting.extra_root_certificate().unwrap(), None);

    let coord = open_coordinator(&dir.path().join("coord"));
    coord.set_extra_root_certificate(ca.clone()).unwrap();
    coord
        .enrol(url.clone(), created.coordinator_token)
        .await
        .unwrap();
    let inv = coord.create_invitation(7).await.unwrap();
    assert!(inv.invitation.starts_with("peerlog1:https://"));
    let a = open(&dir.path().join("a"));
    a.set_extra_root_certificate(ca).unwrap();
    a.enrol(inv.invitation, Some("Kari Nordmann".into()))
        .await
        .unwrap();
    a.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(coord.chapter_report(YEAR).unwrap().activity_days, 1);

    // The CA is the device's setting: after the app restarts it is still trusted.
    drop(a);
    let a = open(&dir.path().join("a"));
    assert_eq!(
        a.extra_root_certificate().unwrap().as_deref(),
        Some(
            std::fs::read_to_string(fixtures.join("ca.pem"))
                .unwrap()
                .trim()
        )
    );
    a.add_contact(contact("2025-02-02", ContactKind::Visit, 30))
        .unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(a.sync_status().unwrap().pending, 0);

    // Cleared, only the bundled roots are trusted again — also after a restart.
    a.clear_extra_root_certificate().unwrap();
    assert_eq!(a.extra_root_certificate().unwrap(), None);
    a.add_contact(contact("2025-02-03", ContactKind::Visit, 30))
        .unwrap();
    let err = a.sync(None).await.unwrap_err();
    assert!(matches!(err, PeerlogError::Network { .. }), "{err:?}");
    assert!(err.is_transient());
    drop(a);
    let a = open(&dir.path().join("a"));
    assert_eq!(a.extra_root_certificate().unwrap(), None);
    assert!(matches!(
        a.sync(None).await.unwrap_err(),
        PeerlogError::Network { .. }
    ));
    server.shutdown().await;
}

// ---- a hostile peer client ----------------------------------------------------------------

/// A modified client on a peer's home: the peer's own keys, writing records straight into
/// its database so that the app's next sync pushes them (what a patched app could do).
struct Forger {
    device: peerlog_crypto::DeviceSigningKey,
    peer: peerlog_crypto::RecipientSecretKey,
    chapter: peerlog_crypto::RecipientPublicKey,
    account: String,
    db: rusqlite::Connection,
}

impl Forger {
    fn new(home: &Path) -> Self {
        let s = secrets(home);
        let seed: [u8; 32] = s
            .get(SECRET_DEVICE_KEY.into())
            .unwrap()
            .unwrap()
            .try_into()
            .unwrap();
        let peer: [u8; 32] = s
            .get("peer-key".into())
            .unwrap()
            .unwrap()
            .try_into()
            .unwrap();
        let db = rusqlite::Connection::open(home.join(DB_FILE)).unwrap();
        let (enrol, _) = peerlog_core::enrolment::Enrolment::load(&db)
            .unwrap()
            .unwrap();
        Forger {
            device: peerlog_crypto::DeviceSigningKey::from_seed(&seed).unwrap(),
            peer: peerlog_crypto::RecipientSecretKey::from_bytes(&peer),
            chapter: peerlog_crypto::RecipientPublicKey::from_bytes(
                &enrol.chapter_keys.encryption_key,
            )
            .unwrap(),
            account: enrol.account_id,
            db,
        }
    }

    /// The stored expense `id`, opened.
    fn expense(
        &self,
        id: &str,
    ) -> (
        peerlog_protocol::Envelope,
        peerlog_core::model::ExpensePayload,
    ) {
        let rec =
            peerlog_core::store::get_record(&self.db, peerlog_protocol::Collection::Expenses, id)
                .unwrap()
                .unwrap();
        let pt = peerlog_crypto::envelope::open_record(
            &rec.envelope,
            &self.peer,
            &self.device.public_key(),
        )
        .unwrap();
        (rec.envelope, serde_json::from_slice(&pt).unwrap())
    }

    /// Seals `payload` as record `id` in `expenses` for the peer and the chapter, signed by
    /// the peer's own device, and stores it as pending.
    fn write(&self, id: &str, version: u64, payload: &impl serde::Serialize) {
        self.write_in(peerlog_protocol::Collection::Expenses, id, version, payload);
    }

    /// As [`Forger::write`], in `collection`.
    fn write_in(
        &self,
        collection: peerlog_protocol::Collection,
        id: &str,
        version: u64,
        payload: &impl serde::Serialize,
    ) {
        let meta = peerlog_protocol::RecordMeta {
            id: id.to_string(),
            collection,
            version,
            author_device: self.device.device_id(),
            deleted: false,
        };
        let env = peerlog_crypto::envelope::seal_record(
            &meta,
            &peerlog_protocol::canonical::to_canonical_vec(payload).unwrap(),
            &[self.peer.public_key(), self.chapter.clone()],
            &self.device,
        )
        .unwrap();
        peerlog_core::store::put_record(&self.db, &env, true).unwrap();
    }
}

async fn submitted_expense(app: &Peerlog, km: u32) -> String {
    let e = app
        .add_expense(ExpenseInput {
            date: "2025-02-01".into(),
            kind: ExpenseKind::Travel,
            km: Some(km),
            amount_minor: None,
            description: None,
            contact_ids: vec![],
            receipt: None,
        })
        .unwrap();
    app.submit_expense(e.id.clone()).unwrap();
    e.id
}

fn status_of(app: &Peerlog, id: &str) -> ExpenseStatus {
    app.list_expenses()
        .unwrap()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap()
        .status
}

fn chapter_expense(coord: &Coordinator, id: &str) -> ChapterExpenseView {
    let e = coord
        .chapter_expenses()
        .unwrap()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap();
    ChapterExpenseView {
        status: e.status,
        amount_minor: e.amount_minor,
    }
}

#[derive(Debug, PartialEq)]
struct ChapterExpenseView {
    status: ExpenseStatus,
    amount_minor: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_cannot_approve_its_own_expense_by_its_status() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let id = submitted_expense(&a, 12).await;
    let forger = Forger::new(&srv.home("a"));
    let (env, mut p) = forger.expense(&id);
    p.status = ExpenseStatus::Approved;
    forger.write(&id, env.meta.version + 1, &p);
    assert_eq!(a.sync(None).await.unwrap().rejected, 0);
    coord.sync(None).await.unwrap();
    assert_eq!(
        chapter_expense(&coord, &id).status,
        ExpenseStatus::Submitted,
        "the peer's own 'approved' is not a decision"
    );
    assert_eq!(status_of(&a, &id), ExpenseStatus::Submitted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_made_decision_counts_nowhere() {
    use peerlog_core::certs::{self, DeviceCert, ExpenseDecision};
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let id = submitted_expense(&a, 12).await;
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    coord
        .decide_expense(id.clone(), false, Some("no receipt".into()))
        .await
        .unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(status_of(&a, &id), ExpenseStatus::Rejected);

    let forger = Forger::new(&srv.home("a"));
    let (env, _) = forger.expense(&id);
    // The coordinator's real decision, as the peer's device received it (the chapter's
    // certificate of the device came the same way and is not a decision).
    let real: ExpenseDecision =
        peerlog_core::store::all_records(&forger.db, Some(peerlog_protocol::Collection::Expenses))
            .unwrap()
            .into_iter()
            .filter(|r| r.envelope.meta.author_device != forger.device.device_id())
            .find_map(|r| {
                let real = r.envelope;
                let coord_key = peerlog_crypto::DevicePublicKey::from_bytes(
                    &peerlog_core::store::device_key(&forger.db, &real.meta.author_device)
                        .unwrap()
                        .unwrap(),
                )
                .unwrap();
                serde_json::from_slice(
                    &peerlog_crypto::envelope::open_record(&real, &forger.peer, &coord_key)
                        .unwrap(),
                )
                .ok()
            })
            .unwrap();
    // Approvals of exactly this version, signed by the peer's own device: one with a
    // certificate "from the chapter" the peer signed itself, one with the coordinator's
    // real certificate copied over.
    let self_signed = DeviceCert::issue(
        &forger.account,
        forger.device.public_key(),
        certs::ISSUER_CHAPTER,
        &forger.device,
        "2025-02-02T00:00:00Z".into(),
    )
    .unwrap();
    for (n, cert) in [self_signed, real.cert.clone()].into_iter().enumerate() {
        let decision = ExpenseDecision {
            kind: certs::DECISION_TYPE.into(),
            expense_id: id.clone(),
            expense_version: env.meta.version,
            expense_sha256: certs::expense_hash(&env).unwrap(),
            account_id: forger.account.clone(),
            approved: true,
            reason: None,
            decided_at: "2025-02-03T00:00:00Z".into(),
            cert,
        };
        forger.write(
            &uuid::Uuid::now_v7().to_string(),
            real.expense_version + 1_000_000_000 + n as u64,
            &decision,
        );
    }
    assert_eq!(a.sync(None).await.unwrap().rejected, 0);
    coord.sync(None).await.unwrap();
    assert_eq!(chapter_expense(&coord, &id).status, ExpenseStatus::Rejected);
    assert_eq!(status_of(&a, &id), ExpenseStatus::Rejected);
    // Nor on another device of the peer, which reads the decisions from the server.
    let b = recover(&srv, "b", code).await.unwrap();
    assert_eq!(status_of(&b, &id), ExpenseStatus::Rejected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_an_approved_amount_voids_the_approval() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let id = submitted_expense(&a, 12).await;
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    coord.decide_expense(id.clone(), true, None).await.unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(status_of(&a, &id), ExpenseStatus::Approved);

    // The modified client writes a new version with ten times the amount.
    let forger = Forger::new(&srv.home("a"));
    let (env, mut p) = forger.expense(&id);
    p.amount_minor *= 10;
    p.km = p.km.map(|km| km * 10);
    forger.write(&id, env.meta.version + 1, &p);
    assert_eq!(a.sync(None).await.unwrap().rejected, 0);
    coord.sync(None).await.unwrap();
    assert_eq!(
        chapter_expense(&coord, &id),
        ChapterExpenseView {
            status: ExpenseStatus::Submitted,
            amount_minor: 10 * 12 * 350,
        },
        "awaiting a new decision"
    );
    assert_eq!(status_of(&a, &id), ExpenseStatus::Submitted);
    let b = recover(&srv, "b", code).await.unwrap();
    assert_eq!(status_of(&b, &id), ExpenseStatus::Submitted);

    // A new decision on the new version counts again.
    coord.decide_expense(id.clone(), true, None).await.unwrap();
    assert_eq!(chapter_expense(&coord, &id).status, ExpenseStatus::Approved);
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(status_of(&a, &id), ExpenseStatus::Approved);
}

/// A receipt of `bytes` bytes the core accepts as a JPEG (its magic bytes, then filler).
fn jpeg(bytes: usize, seed: u8) -> Receipt {
    let mut data = vec![0xFF, 0xD8, 0xFF];
    data.extend((0..bytes.saturating_sub(3)).map(|i| seed.wrapping_add(i as u8)));
    Receipt {
        mime_type: "image/jpeg".into(),
        data,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_receipts_never_stall_sync() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    // Five receipts of 4 MiB: together well past the server's 16 MiB body limit.
    let mut expense_ids = Vec::new();
    for i in 0..5u8 {
        let e = a
            .add_expense(ExpenseInput {
                date: format!("2025-03-{:02}", i + 1),
                kind: ExpenseKind::Ticket,
                km: None,
                amount_minor: Some(10_000 + u64::from(i)),
                description: Some(format!("train {i}")),
                contact_ids: vec![],
                receipt: Some(jpeg(4 * 1024 * 1024, i)),
            })
            .unwrap();
        a.submit_expense(e.id.clone()).unwrap();
        expense_ids.push(e.id);
    }
    for day in 1..=3 {
        a.add_contact(contact(
            &format!("2025-03-{day:02}"),
            ContactKind::Visit,
            60,
        ))
        .unwrap();
    }
    let r = a.sync(None).await.unwrap();
    assert_eq!(r.rejected, 0, "{r:?}");
    assert!(r.pushed >= 8, "every expense and contact went up: {r:?}");
    let st = a.sync_status().unwrap();
    assert_eq!(st.pending, 0);
    assert!(st.last_error.is_none(), "{:?}", st.last_error);

    coord.sync(None).await.unwrap();
    let mut listed: Vec<_> = coord
        .chapter_expenses()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    listed.sort();
    expense_ids.sort();
    assert_eq!(listed, expense_ids, "each expense once");
    // Nothing is left to push.
    let again = a.sync(None).await.unwrap();
    assert_eq!((again.pushed, again.rejected), (0, 0));
}

/// A proxy on `addr` to the server at `backend` that reads requests up to `limit` bytes of
/// body and refuses larger ones with `413 payload_too_large`, as a server with a smaller
/// body limit (or a reverse proxy in front of it) would.
async fn small_limit_proxy(addr: std::net::SocketAddr, backend: String, limit: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let client = reqwest::Client::new();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (client, backend) = (client.clone(), backend.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 64 * 1024];
                let (head, body) = loop {
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&seen[..end]).into_owned();
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + len {
                        break (head, seen[end + 4..end + 4 + len].to_vec());
                    }
                };
                let mut lines = head.lines();
                let mut first = lines.next().unwrap_or("").split(' ');
                let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
                let (status, reply) = if body.len() > limit {
                    let e = peerlog_protocol::api::ErrorBody::new(
                        peerlog_protocol::api::codes::PAYLOAD_TOO_LARGE,
                        "too large for this proxy",
                    );
                    (413, serde_json::to_vec(&e).unwrap())
                } else {
                    let mut req =
                        client.request(method.parse().unwrap(), format!("{backend}{path}"));
                    for l in lines {
                        if let Some((k, v)) = l.split_once(':') {
                            let k = k.trim().to_ascii_lowercase();
                            if k == "authorization" || k == "content-type" {
                                req = req.header(k, v.trim());
                            }
                        }
                    }
                    let resp = req.body(body).send().await.unwrap();
                    let status = resp.status().as_u16();
                    (status, resp.bytes().await.unwrap().to_vec())
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    reply.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&reply).await;
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_refused_as_too_large_blocks_nothing_else() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    // From now on the devices reach the server through a 4 MiB body limit.
    srv.kill().await;
    let backend = spawn(&srv.db, "127.0.0.1:0".parse().unwrap()).await;
    small_limit_proxy(
        srv.addr,
        format!("http://{}", backend.addr()),
        4 * 1024 * 1024,
    )
    .await;

    // Three ~1.8 MiB envelopes share one batch (over the proxy's limit: split and
    // retried); one ~5.3 MiB envelope cannot pass at all.
    let mut small = Vec::new();
    for i in 0..4u8 {
        let size = if i == 3 { 3 } else { 1 } * 1024 * 1024;
        let e = a
            .add_expense(ExpenseInput {
                date: format!("2025-04-{:02}", i + 1),
                kind: ExpenseKind::Other,
                km: None,
                amount_minor: Some(5_000),
                description: None,
                contact_ids: vec![],
                receipt: Some(jpeg(size, i)),
            })
            .unwrap();
        a.submit_expense(e.id.clone()).unwrap();
        if i < 3 {
            small.push(e.id);
        }
    }
    a.add_contact(contact("2025-04-05", ContactKind::Visit, 60))
        .unwrap();
    let r = a.sync(None).await.unwrap();
    assert_eq!(r.rejected, 1, "{r:?}");
    // The sync went on to its pull (it returned); everything else went up: three
    // expenses, the contact and the declaration signature.
    assert_eq!(r.pushed, 5, "{r:?}");
    let st = a.sync_status().unwrap();
    assert_eq!(st.pending, 0);
    assert_eq!(st.last_error.unwrap().code, "push_rejected");
    let kept: i64 = rusqlite::Connection::open(srv.home("a").join("peerlog.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM records WHERE push_error = 'payload_too_large'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 1, "the refused record stays on the device");
    assert_eq!(a.list_expenses().unwrap().len(), 4);

    coord.sync(None).await.unwrap();
    let mut listed: Vec<_> = coord
        .chapter_expenses()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    listed.sort();
    small.sort();
    assert_eq!(listed, small);
    // Not retried in a loop: the next sync pushes nothing.
    let again = a.sync(None).await.unwrap();
    assert_eq!((again.pushed, again.rejected), (0, 0));
}

/// A phone is lost and its recovery code may be known to whoever has it: the coordinator
/// locks the account (the phone wipes itself, the code recovers nothing), lifts the lock
/// when the peer has a new phone, and the peer replaces the code from there: the old one
/// is worthless from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_account_cannot_be_recovered_and_a_replaced_code_is_worthless() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (lost, code) = peer(&srv, &coord, "lost").await;
    lost.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    lost.sync(None).await.unwrap();
    let account = lost.profile().unwrap().peer_id;
    assert_eq!(coord.lock_account(account.clone()).await.unwrap(), 1);
    let peers = coord.chapter_peers().await.unwrap();
    let listed = peers.iter().find(|p| p.account_id == account).unwrap();
    assert!(listed.locked_at.is_some());
    assert!(listed.devices.iter().all(|d| d.revoked_at.is_some()));
    // The lost phone, at its next contact, wipes itself on the chapter's signed statement.
    assert_eq!(lost.sync(None).await.unwrap_err().code(), "device_revoked");
    assert!(!lost.is_initialised());
    // Whoever has the code finds a locked account and gets no device.
    let thief = recover(&srv, "thief", code.clone()).await.unwrap_err();
    assert_eq!(thief.code(), "account_locked", "{thief:?}");
    assert!(!open(&srv.home("thief")).is_initialised());
    // The coordinator lifts the lock; the peer recovers on the new phone and replaces the code.
    coord.unlock_account(account.clone()).await.unwrap();
    let new_phone = recover(&srv, "new-phone", code.clone()).await.unwrap();
    assert_eq!(new_phone.list_contacts(None, None).unwrap().len(), 1);
    let new_code = new_phone.rotate_recovery_code().await.unwrap();
    assert_ne!(new_code, code);
    assert_eq!(new_phone.recovery_code().unwrap(), new_code);
    let old = recover(&srv, "old-code", code).await.unwrap_err();
    assert_eq!(old.code(), "recovery_not_found", "{old:?}");
    let again = recover(&srv, "newer-phone", new_code).await.unwrap();
    assert_eq!(again.list_contacts(None, None).unwrap().len(), 1);
    assert_eq!(again.profile().unwrap().peer_id, account);
}

/// A hostile server (its database, here) serves a newer version of a peer's contact that
/// the peer never wrote: the bytes altered, or signed by another key. The coordinator
/// verifies before it stores, so the contact it had stays and still counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_server_altered_never_replaces_the_verified_one() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let id = a
        .add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap()
        .id;
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let before = coord.chapter_report(YEAR).unwrap();
    assert_eq!(before.activity_days, 1);
    srv.kill().await;
    let stored = srv.stored("contacts", &id);
    let chapter_key = srv.chapter_key();
    let stranger = peerlog_crypto::DeviceSigningKey::generate().unwrap();
    type Forge<'a> = Box<dyn Fn(&mut peerlog_protocol::Envelope) + 'a>;
    let forgeries: [(&str, Forge); 3] = [
        (
            "the ciphertext altered",
            Box::new(|env| env.ciphertext[0] ^= 1),
        ),
        (
            "a signature that is not the author's",
            Box::new(|env| env.signature = [7; 64]),
        ),
        (
            "written by a device the chapter does not know",
            Box::new(|env| {
                let mut meta = env.meta.clone();
                meta.author_device = stranger.device_id();
                *env = peerlog_crypto::envelope::seal_record(
                    &meta,
                    br#"{"date":"2025-02-01"}"#,
                    std::slice::from_ref(&chapter_key),
                    &stranger,
                )
                .unwrap();
            }),
        ),
    ];
    for (n, (what, forge)) in (2u64..).zip(forgeries) {
        let mut env = stored.clone();
        env.meta.version += n;
        forge(&mut env);
        srv.serve_instead(&env);
        srv.restart().await;
        coord.sync(None).await.unwrap();
        srv.kill().await;
        let after = coord.chapter_report(YEAR).unwrap();
        assert_eq!(after.activity_days, 1, "{what}");
        assert_eq!(after.peers, before.peers, "{what}");
    }
}

/// A peer's second phone is stolen and revoked. Its key can sign, and a hostile server
/// could serve what the thief signs after the revocation: the peer's other phone learns
/// the chapter's signed revocation from its pulls and refuses those versions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sibling_devices_writes_after_its_revocation_are_refused() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let stolen = recover(&srv, "stolen", code).await.unwrap();
    stolen
        .sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    let id = stolen
        .add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap()
        .id;
    stolen.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(a.get_contact(id.clone()).unwrap().minutes, 60);
    let stolen_id = stolen.sync_status().unwrap().device_id.unwrap();
    assert!(coord.revoke_device(stolen_id.clone()).await.unwrap());
    // The thief's key, taken before the phone ever hears of the revocation.
    let thief = peerlog_crypto::DeviceSigningKey::from_seed(&secret32(
        &srv.home("stolen"),
        SECRET_DEVICE_KEY,
    ))
    .unwrap();
    let peer_key =
        peerlog_crypto::RecipientSecretKey::from_bytes(&secret32(&srv.home("a"), "peer-key"));
    srv.kill().await;
    let old = srv.stored("contacts", &id);
    let pt = peerlog_crypto::envelope::open_record(&old, &peer_key, &thief.public_key()).unwrap();
    let mut payload: serde_json::Value = serde_json::from_slice(&pt).unwrap();
    payload["minutes"] = 999.into();
    let mut meta = old.meta.clone();
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
    meta.version = peerlog_protocol::Hlc::next(meta.version, now_ms + 2_000);
    let forged = peerlog_crypto::envelope::seal_record(
        &meta,
        &serde_json::to_vec(&payload).unwrap(),
        &[peer_key.public_key(), srv.chapter_key()],
        &thief,
    )
    .unwrap();
    srv.serve_instead(&forged);
    srv.restart().await;
    a.sync(None).await.unwrap();
    assert_eq!(a.get_contact(id).unwrap().minutes, 60);
}

fn travel(date: &str) -> ExpenseInput {
    ExpenseInput {
        date: date.into(),
        kind: ExpenseKind::Travel,
        km: Some(12),
        amount_minor: None,
        description: None,
        contact_ids: vec![],
        receipt: None,
    }
}

/// Sets the peer key the server lists for `account` (what a hostile server would do to
/// read what the chapter sends that peer).
fn swap_peer_key(srv: &Server, account: &str, key: &[u8; 32]) {
    let n = srv
        .database()
        .execute(
            "UPDATE accounts SET peer_key = ?2 WHERE id = ?1",
            rusqlite::params![account, &key[..]],
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// A hostile server lists a key of its own for a peer, hoping the coordinator addresses
/// decisions to it. The peer proved its keys with the invitation's secret, which the
/// server never saw: once proven the keys are pinned and the swap changes nothing; a swap
/// before the coordinator first checks the peer shows as disputed, and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_keys_the_server_swaps_are_never_used() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let e = a.add_expense(travel("2025-02-01")).unwrap();
    a.submit_expense(e.id.clone()).unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let proven = |coord: &Coordinator, account: &str| {
        let peers = futures_lite_block(coord.chapter_peers()).unwrap();
        peers
            .into_iter()
            .find(|p| p.account_id == account)
            .unwrap()
            .key_proof
    };
    let a_id = a.profile().unwrap().peer_id;
    assert_eq!(proven(&coord, &a_id), peerlog_coordinator::KeyProof::Proven);
    // After the proof: the server swaps the key; the decision still reaches the peer.
    let attacker = peerlog_crypto::RecipientSecretKey::generate().unwrap();
    srv.kill().await;
    swap_peer_key(&srv, &a_id, attacker.public_key().as_bytes());
    srv.restart().await;
    coord
        .decide_expense(e.id.clone(), true, None)
        .await
        .unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(proven(&coord, &a_id), peerlog_coordinator::KeyProof::Proven);
    // The decision is sealed for the key the peer proved, not the one the server lists
    // (the server can still withhold it, as it can withhold anything).
    let real =
        peerlog_crypto::RecipientSecretKey::from_bytes(&secret32(&srv.home("a"), "peer-key"))
            .public_key();
    let db = srv.database();
    let coord_device = coord.status().unwrap().device_id.unwrap();
    let decision: Vec<u8> = db
        .query_row(
            "SELECT envelope FROM records WHERE collection = 'expenses' AND author_device = ?1",
            [&coord_device],
            |r| r.get(0),
        )
        .unwrap();
    let kids: Vec<String> = peerlog_protocol::Envelope::from_json_bytes(&decision)
        .unwrap()
        .recipients
        .into_iter()
        .map(|r| r.kid)
        .collect();
    assert!(kids.contains(&real.key_id()), "{kids:?}");
    assert!(!kids.contains(&attacker.public_key().key_id()), "{kids:?}");
    // Before the proof: a new peer's key is swapped before the coordinator ever checks it.
    let (b, _) = peer(&srv, &coord, "b").await;
    let f = b.add_expense(travel("2025-02-02")).unwrap();
    b.submit_expense(f.id.clone()).unwrap();
    b.sync(None).await.unwrap();
    let b_id = b.profile().unwrap().peer_id;
    srv.kill().await;
    swap_peer_key(&srv, &b_id, attacker.public_key().as_bytes());
    srv.restart().await;
    coord.sync(None).await.unwrap();
    assert_eq!(
        proven(&coord, &b_id),
        peerlog_coordinator::KeyProof::Disputed
    );
    // Its records are not read (its devices are not vouched for), so there is nothing to
    // decide and nothing is sealed for the server's key.
    assert!(
        coord
            .chapter_expenses()
            .unwrap()
            .iter()
            .all(|x| x.id != f.id)
    );
    assert!(
        coord
            .decide_expense(f.id.clone(), true, None)
            .await
            .is_err()
    );
    let report = coord.chapter_report(YEAR).unwrap();
    assert!(
        report
            .peers
            .iter()
            .all(|p| p.account_id != b_id || p.activity_days == 0),
        "nothing of a disputed peer is counted"
    );
}

fn futures_lite_block<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

/// Signed files from a device the chapter enrolled say so, with the chapter key's
/// fingerprint; files signed by any other key say they are not certified — also when a
/// forger grafts a real certificate onto a file signed with their own key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_files_name_the_chapter_only_from_an_enrolled_device() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Bergen").await;
    let (kari, _) = peer(&srv, &coord, "kari").await;
    kari.add_contact(contact("2025-03-04", ContactKind::Visit, 60))
        .unwrap();
    // Before the chapter has certified this device: not certified, and said so.
    let early = kari.sign_year_report(YEAR).unwrap();
    assert_eq!(early.verification.authorship, Authorship::Uncertified);

    kari.sync(None).await.unwrap();
    coord.sync(None).await.unwrap(); // learns Kari's device, certifies it, pushes
    kari.sync(None).await.unwrap(); // receives the certificate
    let fingerprint = kari
        .sync_status()
        .unwrap()
        .enrolment
        .unwrap()
        .chapter_fingerprint;
    let signed = kari.sign_year_report(YEAR).unwrap();
    let expected = Authorship::EnrolledDevice {
        organisation: "LHL".into(),
        chapter: "Bergen".into(),
        chapter_fingerprint: fingerprint.clone(),
        account_id: kari.profile().unwrap().peer_id,
    };
    assert_eq!(signed.verification.authorship, expected);
    for file in [signed.contents.clone(), signed.html.clone()] {
        let v = verify_report_file(file.into_bytes()).unwrap();
        assert_eq!(v.authorship, expected);
    }
    assert_eq!(
        describe_authorship(expected.clone(), Locale::En),
        format!("signed by an enrolled device of LHL / Bergen (chapter key {fingerprint})")
    );
    assert!(signed.html.contains(&fingerprint));
    // The declaration, signed before the certificate came, gets it on its copy.
    let copy = kari.export_signed_declaration().unwrap();
    assert_eq!(verify_declaration_html(copy).unwrap().authorship, expected);

    // The coordinator checks the report against the chapter's own keys.
    kari.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let report = coord.chapter_report(YEAR).unwrap();
    let kp = &report.peers[0];
    assert!(kp.report_valid && kp.report_chapter_verified, "{kp:?}");

    // A device no chapter enrolled: its own key, said plainly.
    let offline = open(&srv.home("offline"));
    offline
        .init("Kari Nordmann".into(), "no-bufdir-2020".into(), Locale::En)
        .unwrap();
    offline
        .sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    offline
        .add_contact(contact("2025-03-04", ContactKind::Visit, 60))
        .unwrap();
    let own = offline.sign_year_report(YEAR).unwrap();
    assert_eq!(own.verification.authorship, Authorship::Uncertified);
    assert!(own.html.contains("signed by a key no chapter certified"));
    // Kari's real certificate grafted onto it: still not certified.
    let kari_file: serde_json::Value = serde_json::from_str(&signed.contents).unwrap();
    let mut forged: serde_json::Value = serde_json::from_str(&own.contents).unwrap();
    forged["certificate"] = kari_file["certificate"].clone();
    forged["report"]["peer_id"] = kari_file["report"]["peer_id"].clone();
    let err = verify_report_file(serde_json::to_vec(&forged).unwrap());
    assert!(err.is_err(), "a changed account id breaks the signature");
    forged["report"]["peer_id"] = serde_json::from_str::<serde_json::Value>(&own.contents).unwrap()
        ["report"]["peer_id"]
        .clone();
    let v = verify_report_file(serde_json::to_vec(&forged).unwrap()).unwrap();
    assert_eq!(v.authorship, Authorship::Uncertified);
}

/// What the console reads beyond the CLI's report: a peer's contacts with why each counts
/// (never a private note), months, open invitations, receipts, the published declaration,
/// and the accounts as last known without asking the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_views_of_the_chapter() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    assert!(coord.open_invitations().unwrap().is_empty());
    let (kari, _) = peer(&srv, &coord, "kari").await;
    let open = coord.open_invitations().unwrap();
    assert_eq!(open.len(), 1, "the one made for Kari, until it expires");
    let second = coord.create_invitation(2).await.unwrap();
    assert_eq!(coord.open_invitations().unwrap()[0], second, "newest first");

    kari.add_contact(contact("2025-03-04", ContactKind::Visit, 60))
        .unwrap();
    kari.add_contact(contact("2025-03-05", ContactKind::Phone, 20))
        .unwrap();
    let mut private = group("2025-04-10", ContactKind::ConversationGroup, 90, 5);
    private.private_note = Some("PRIVATE-MARKER".into());
    private.private_ref = Some("PRIVATE-REF".into());
    kari.add_contact(private).unwrap();
    let receipt = jpeg(64, 1);
    let e = kari
        .add_expense(ExpenseInput {
            date: "2025-03-04".into(),
            kind: ExpenseKind::Ticket,
            km: None,
            amount_minor: Some(4500),
            description: None,
            contact_ids: vec![],
            receipt: Some(receipt.clone()),
        })
        .unwrap();
    kari.submit_expense(e.id.clone()).unwrap();
    kari.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();

    let account = coord
        .known_peers()
        .unwrap()
        .into_iter()
        .find(|p| p.role == AccountRole::Peer)
        .unwrap()
        .account_id;
    let contacts = coord.peer_contacts(&account, YEAR).unwrap();
    let seen: Vec<(&str, bool, Option<&str>)> = contacts
        .iter()
        .map(|c| (c.date.as_str(), c.counts, c.category.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("2025-03-04", true, Some("outreach")),
            ("2025-03-05", false, None),
            ("2025-04-10", true, Some("group")),
        ]
    );
    assert!(
        !contacts[1].reason.is_empty(),
        "why the phone call does not count"
    );
    let all = serde_json::to_string(&contacts).unwrap();
    assert!(!all.contains("PRIVATE"));
    assert!(coord.peer_contacts(&account, 2024).unwrap().is_empty());

    let report = coord.chapter_report(YEAR).unwrap();
    assert_eq!(report.by_month.len(), 12);
    assert_eq!(
        (report.by_month[2].outreach, report.by_month[2].not_counted),
        (1, 1)
    );
    assert_eq!(report.by_month[3].group, 1);
    let months: u32 = report
        .by_month
        .iter()
        .map(|m| m.outreach + m.group + m.course)
        .sum();
    assert_eq!(months, report.activity_days);

    let expense = &coord.chapter_expenses().unwrap()[0];
    assert_eq!(expense.receipt_type.as_deref(), Some("image/jpeg"));
    assert_eq!(coord.expense_receipt(&e.id).unwrap(), Some(receipt));
    assert_eq!(coord.expense_receipt("no-such-id").unwrap(), None);

    assert_eq!(coord.published_declaration().unwrap(), None);
    let v = coord
        .publish_declaration("# Erklæring".into(), Locale::Nb)
        .await
        .unwrap();
    let p = coord.published_declaration().unwrap().unwrap();
    assert_eq!(
        (p.version, p.locale, p.text.as_str()),
        (v, Locale::Nb, "# Erklæring")
    );
    let empty = coord.check_declaration_text("  \n").unwrap_err();
    assert_eq!(empty.code(), "text_required");

    // Offline, the accounts are still known, as of the last listing.
    srv.kill().await;
    let peers = coord.known_peers().unwrap();
    assert_eq!(peers.len(), 2, "the coordinator and Kari");
    assert!(coord.chapter_peers().await.is_err());
}

/// The peer revokes a lost phone from their other phone, with the account key: the lost
/// phone wipes itself at its next contact, and the revoking phone lists it as revoked.
/// A phone cannot revoke itself (erasing is for that).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_revokes_their_lost_phone_from_another() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (lost, code) = peer(&srv, &coord, "lost").await;
    lost.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    lost.sync(None).await.unwrap();
    let other = recover(&srv, "other", code).await.unwrap();
    let lost_id = lost.sync_status().unwrap().device_id.unwrap();
    let mine = other.my_devices().unwrap();
    assert!(mine[0].this_device, "{mine:?}");
    assert!(mine.iter().any(|d| d.device_id == lost_id && !d.revoked));
    let own = mine[0].device_id.clone();
    assert_eq!(
        other.revoke_my_device(own).await.unwrap_err().code(),
        "revoke_this_device"
    );
    assert!(other.revoke_my_device(lost_id.clone()).await.unwrap());
    assert!(!other.revoke_my_device(lost_id.clone()).await.unwrap());
    assert!(
        other
            .my_devices()
            .unwrap()
            .iter()
            .any(|d| d.device_id == lost_id && d.revoked)
    );
    assert_eq!(lost.sync(None).await.unwrap_err().code(), "device_revoked");
    assert!(!lost.is_initialised());
    // The other phone keeps everything.
    other.sync(None).await.unwrap();
    assert_eq!(other.list_contacts(None, None).unwrap().len(), 1);
}

fn account_of(app: &Peerlog) -> String {
    app.sync_status().unwrap().enrolment.unwrap().account_id
}

fn in_days(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn certified(peers: &[peerlog_coordinator::ChapterPeer], account: &str) -> bool {
    peers
        .iter()
        .find(|p| p.account_id == account)
        .unwrap()
        .certified
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_reaches_the_peer_and_certifies_them() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let (b, _) = peer(&srv, &coord, "b").await;
    let (ida, idb) = (account_of(&a), account_of(&b));
    coord.sync(None).await.unwrap();
    assert!(!certified(&coord.chapter_peers().await.unwrap(), &ida));
    let before = a.training().unwrap();
    assert!(!before.certified && before.records.is_empty());

    // Bad input of every kind: refused, nothing written.
    let bad = [
        (ida.clone(), "", "2025-03-01", None),
        (ida.clone(), "Kurs", "2025-02-30", None),
        (ida.clone(), "Kurs", &in_days(3), None),
        (ida.clone(), "Kurs", "2025-03-01", Some("2025-02-01")),
        ("no-such-account".to_string(), "Kurs", "2025-03-01", None),
    ];
    for (account, course, date, until) in bad {
        let e = coord
            .add_training(account, course.into(), date.into(), until.map(String::from))
            .await
            .unwrap_err();
        assert!(e.is_user_error(), "{e:?}");
    }
    assert!(coord.training_list().unwrap().is_empty());

    // A course that ends within the reminder window.
    let until = in_days(20);
    coord
        .add_training(
            ida.clone(),
            "Likepersonskurs".into(),
            "2025-03-01".into(),
            Some(until.clone()),
        )
        .await
        .unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    let t = a.training().unwrap();
    assert_eq!(t.records.len(), 1);
    assert_eq!(t.records[0].course, "Likepersonskurs");
    assert!(t.certified && t.reminder_due);
    assert_eq!(t.valid_until.as_deref(), Some(until.as_str()));
    assert!(t.message.contains(&until), "{}", t.message);
    coord.sync(None).await.unwrap();
    let peers = coord.chapter_peers().await.unwrap();
    assert!(certified(&peers, &ida) && !certified(&peers, &idb));
    let list = coord.training_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].peer_name.as_deref(), Some("Kari Nordmann"));
    // The other peer sees nothing of it.
    b.sync(None).await.unwrap();
    assert!(b.training().unwrap().records.is_empty());
    // A new device of the peer gets it from the server.
    let a2 = recover(&srv, "a2", code).await.unwrap();
    assert_eq!(a2.training().unwrap().records.len(), 1);
}

/// A modified app certifies its own peer: a training record signed by the peer's device
/// with a "chapter" certificate it made itself, or with the coordinator's real one copied
/// from another record. Neither the peer's devices nor the coordinator count it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_cannot_certify_itself() {
    use peerlog_core::certs::{self, DeviceCert};
    use peerlog_core::training::{TRAINING_TYPE, TrainingRecord};
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let (b, code_b) = peer(&srv, &coord, "b").await;
    let idb = account_of(&b);
    coord.sync(None).await.unwrap();
    // The coordinator certifies a; its certificate of the coordinator's machine reaches a.
    coord
        .add_training(account_of(&a), "Kurs".into(), "2025-03-01".into(), None)
        .await
        .unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert!(a.training().unwrap().certified);
    let real_cert = {
        let forger_a = Forger::new(&srv.home("a"));
        peerlog_core::store::all_records(&forger_a.db, Some(peerlog_protocol::Collection::Expenses))
            .unwrap()
            .into_iter()
            .filter(|r| r.envelope.meta.author_device != forger_a.device.device_id())
            .find_map(|r| {
                let key = peerlog_crypto::DevicePublicKey::from_bytes(
                    &peerlog_core::store::device_key(&forger_a.db, &r.envelope.meta.author_device)
                        .unwrap()
                        .unwrap(),
                )
                .unwrap();
                let pt = peerlog_crypto::envelope::open_record(&r.envelope, &forger_a.peer, &key)
                    .ok()?;
                serde_json::from_slice::<TrainingRecord>(&pt).ok()
            })
            .unwrap()
            .cert
    };

    let forger = Forger::new(&srv.home("b"));
    let self_signed = DeviceCert::issue(
        &forger.account,
        forger.device.public_key(),
        certs::ISSUER_CHAPTER,
        &forger.device,
        "2025-02-02T00:00:00Z".into(),
    )
    .unwrap();
    for (n, cert) in [self_signed, real_cert].into_iter().enumerate() {
        let record = TrainingRecord {
            kind: TRAINING_TYPE.into(),
            account_id: forger.account.clone(),
            course: "Forged".into(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            valid_until: None,
            issued_at: "2025-02-02T00:00:00Z".into(),
            cert,
        };
        forger.write(&uuid::Uuid::now_v7().to_string(), 1_000 + n as u64, &record);
    }
    assert_eq!(b.sync(None).await.unwrap().rejected, 0);
    coord.sync(None).await.unwrap();
    assert!(!certified(&coord.chapter_peers().await.unwrap(), &idb));
    assert!(
        coord
            .training_list()
            .unwrap()
            .iter()
            .all(|t| t.course != "Forged")
    );
    assert_eq!(coord.chapter_report(2025).unwrap().certified_peers, 1);
    let t = b.training().unwrap();
    assert!(!t.certified && t.records.is_empty(), "{t:?}");
    // Nor on another device of the peer, which reads them from the server.
    let b2 = recover(&srv, "b2", code_b).await.unwrap();
    assert!(b2.training().unwrap().records.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chapter_settings_reach_every_peer_and_flag_uncertified_contacts() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-03-03", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(a.chapter_settings().unwrap(), ChapterSettings::default());
    let report = coord.chapter_report(2025).unwrap();
    assert_eq!(report.peers[0].uncertified_contacts, 1);
    assert!(!report.peers[0].flagged && !report.flag_uncertified);

    let on = ChapterSettings {
        themes: true,
        flag_uncertified: true,
    };
    coord.set_chapter_settings(on).unwrap();
    assert_eq!(coord.chapter_settings().unwrap(), on);
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    assert_eq!(a.chapter_settings().unwrap(), on);
    let report = coord.chapter_report(2025).unwrap();
    assert!(report.peers[0].flagged && report.flag_uncertified);
    assert_eq!(report.activity_days, 1, "flagged contacts still count");

    // A peer who joins later gets the settings at the coordinator's next sync after
    // the peer's first record for the chapter (the signed declaration).
    let (b, _) = peer(&srv, &coord, "b").await;
    b.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    assert_eq!(b.chapter_settings().unwrap(), on);
    // Switched off again.
    coord
        .set_chapter_settings(ChapterSettings::default())
        .unwrap();
    coord.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    assert_eq!(b.chapter_settings().unwrap(), ChapterSettings::default());
}

/// Moves a stored record below every device's cursor: a server that never serves it again.
fn withhold(srv: &Server, collection: &str, id: &str) {
    let n = srv
        .database()
        .execute(
            "UPDATE records SET seq = -1 WHERE collection = ?1 AND id = ?2",
            [collection, id],
        )
        .unwrap();
    assert_eq!(n, 1);
}

/// Serves a withheld record again, as new.
fn serve_again(srv: &Server, collection: &str, id: &str) {
    let db = srv.database();
    let seq: i64 = db
        .query_row("SELECT max(seq) + 1 FROM records", [], |r| r.get(0))
        .unwrap();
    db.execute(
        "UPDATE records SET seq = ?3 WHERE collection = ?1 AND id = ?2",
        rusqlite::params![collection, id, seq],
    )
    .unwrap();
}

/// A hostile server keeps a peer's deletion from the peer's other phone, which would keep
/// showing (and counting) a contact the peer deleted. The account's signed head, pushed
/// with the deletion, no longer matches what that phone pulled: the sync says so, and the
/// phone keeps everything it has. Once the server serves the deletion, all is well again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_the_server_withholds_from_another_phone_is_detected() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    let id = a
        .add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap()
        .id;
    a.add_contact(contact("2025-02-02", ContactKind::Visit, 30))
        .unwrap();
    a.sync(None).await.unwrap();
    let b = recover(&srv, "b", code).await.unwrap();
    assert_eq!(ids(&b), ids(&a));
    a.delete_contact(id.clone()).unwrap();
    a.sync(None).await.unwrap();

    srv.kill().await;
    withhold(&srv, "contacts", &id);
    srv.restart().await;
    let e = b.sync(None).await.unwrap_err();
    assert_eq!(e.code(), "server_inconsistent", "{e:?}");
    let status = b.sync_status().unwrap();
    assert_eq!(status.last_error.unwrap().code, "server_inconsistent");
    assert!(b.get_contact(id.clone()).is_ok(), "nothing is deleted on b");
    assert_eq!(ids(&b).len(), 2);
    // b can still log; its own writes wait rather than go over a head that is not true.
    b.add_contact(contact("2025-02-03", ContactKind::Visit, 45))
        .unwrap();
    assert!(b.sync(None).await.is_err());

    srv.kill().await;
    serve_again(&srv, "contacts", &id);
    srv.restart().await;
    b.sync(None).await.unwrap();
    assert!(b.get_contact(id.clone()).is_err(), "the deletion arrived");
    assert_eq!(b.sync_status().unwrap().pending, 0);
    a.sync(None).await.unwrap();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(ids(&a).len(), 2);
}

/// A hostile (or carelessly restored) server goes back to an older copy of its database:
/// a phone that saw a newer head of its account notices, and keeps what it has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rolled_back_to_an_older_copy_is_detected() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    let b = recover(&srv, "b", code).await.unwrap();
    srv.kill().await;
    let old = srv.home("old.db");
    srv.database()
        .execute("VACUUM INTO ?1", [old.to_str().unwrap()])
        .unwrap();
    srv.restart().await;
    a.add_contact(contact("2025-02-02", ContactKind::Visit, 30))
        .unwrap();
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    assert_eq!(ids(&b), ids(&a));

    srv.kill().await;
    let db = srv.db.trim_start_matches("sqlite://").to_owned();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{ext}"));
    }
    std::fs::copy(&old, &db).unwrap();
    srv.restart().await;
    let e = b.sync(None).await.unwrap_err();
    assert_eq!(e.code(), "server_inconsistent", "{e:?}");
    assert_eq!(ids(&b).len(), 2, "b keeps both contacts");
}

fn records_of(coord: &Coordinator, account: &str) -> peerlog_coordinator::heads::RecordsCheck {
    futures_lite_block(coord.chapter_peers())
        .unwrap()
        .into_iter()
        .find(|p| p.account_id == account)
        .unwrap()
        .records
}

/// A hostile server keeps a peer's newest contact from the coordinator, lowering the
/// chapter's figures. The peer's signed head covers the records sealed for the chapter:
/// the coordinator sees that its copy is short and says so for that peer; once the server
/// serves the contact, the check passes and the figure is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_the_server_keeps_from_the_coordinator_are_flagged() {
    let mut srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, _) = peer(&srv, &coord, "a").await;
    let account = account_of(&a);
    a.add_contact(contact("2025-02-01", ContactKind::Visit, 60))
        .unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    use peerlog_coordinator::heads::RecordsCheck;
    assert_eq!(records_of(&coord, &account), RecordsCheck::Complete);
    let id = a
        .add_contact(contact("2025-02-02", ContactKind::Visit, 30))
        .unwrap()
        .id;
    a.sync(None).await.unwrap();

    srv.kill().await;
    withhold(&srv, "contacts", &id);
    srv.restart().await;
    coord.sync(None).await.unwrap();
    assert_eq!(coord.chapter_report(YEAR).unwrap().activity_days, 1);
    assert_eq!(records_of(&coord, &account), RecordsCheck::Incomplete);
    // The peer's own phone is not fooled either way: the server holds the contact.
    a.sync(None).await.unwrap();

    srv.kill().await;
    serve_again(&srv, "contacts", &id);
    srv.restart().await;
    coord.sync(None).await.unwrap();
    assert_eq!(records_of(&coord, &account), RecordsCheck::Complete);
    assert_eq!(coord.chapter_report(YEAR).unwrap().activity_days, 2);
}

/// A record version a minute ahead of every clock here (so it is the newest).
fn ahead_of_now() -> u64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    (ms + 60_000) * 1000
}

/// A contact with recovery themes.
fn with_themes(date: &str, themes: &[&str]) -> ContactInput {
    ContactInput {
        themes: themes.iter().map(|t| t.to_string()).collect(),
        ..contact(date, ContactKind::Phone, 20)
    }
}

/// The coordinator's chapter with the themes question on, and peers a and b who have it.
async fn themes_chapter(srv: &Server) -> (Arc<Coordinator>, Arc<Peerlog>, Arc<Peerlog>) {
    let coord = coordinator(srv, "Oslo").await;
    let (a, _) = peer(srv, &coord, "a").await;
    let (b, _) = peer(srv, &coord, "b").await;
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    coord
        .set_chapter_settings(ChapterSettings {
            themes: true,
            flag_uncertified: false,
        })
        .unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    assert!(a.themes_question().unwrap().shown);
    (coord, a, b)
}

fn theme_counts(
    account: &str,
    year: i32,
    counts: &[(&str, u64)],
) -> peerlog_core::theme_counts::ThemeCounts {
    peerlog_core::theme_counts::ThemeCounts {
        kind: peerlog_core::theme_counts::THEME_COUNTS_TYPE.into(),
        account_id: account.into(),
        year,
        counts: counts.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coordinator_gets_theme_counts_and_never_a_contacts_themes() {
    let srv = Server::start().await;
    let (coord, a, b) = themes_chapter(&srv).await;
    let one = a
        .add_contact(with_themes("2025-03-03", &["hope", "connectedness"]))
        .unwrap();
    a.add_contact(with_themes("2025-04-04", &["hope"])).unwrap();
    a.add_contact(contact("2025-04-05", ContactKind::Visit, 60))
        .unwrap();
    b.add_contact(with_themes("2025-05-05", &["identity", "hope"]))
        .unwrap();
    assert_eq!(
        a.get_contact(one.id.clone()).unwrap().themes,
        ["connectedness", "hope"]
    );
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let report = coord.chapter_report(YEAR).unwrap();
    let n = |t: &str| report.themes.get(t).copied();
    assert_eq!(
        (n("hope"), n("connectedness"), n("identity"), n("meaning")),
        (Some(3), Some(1), Some(1), Some(0))
    );
    assert!(coord.chapter_report(YEAR - 1).unwrap().themes.is_empty());

    // Everything the coordinator's machine can open: no record names a contact's themes.
    let home = srv.home("coord-Oslo");
    let chapter = peerlog_crypto::RecipientSecretKey::from_bytes(&secret32(&home, "chapter-key"));
    let db = rusqlite::Connection::open(home.join(DB_FILE)).unwrap();
    let own = peerlog_crypto::DeviceSigningKey::from_seed(&secret32(&home, SECRET_DEVICE_KEY))
        .unwrap()
        .public_key();
    let author = |id: &str| match peerlog_core::store::sync::chapter_device(&db, id).unwrap() {
        Some(d) => peerlog_crypto::DevicePublicKey::from_bytes(&d.public_key).unwrap(),
        None => own.clone(),
    };
    let mut opened = 0;
    for collection in peerlog_protocol::Collection::ALL {
        let mut envs = peerlog_core::store::sync::chapter_records(&db, collection).unwrap();
        envs.extend(
            peerlog_core::store::all_records(&db, Some(collection))
                .unwrap()
                .into_iter()
                .map(|r| r.envelope),
        );
        for env in envs {
            let key = author(&env.meta.author_device);
            let Ok(pt) = peerlog_crypto::envelope::open_record(&env, &chapter, &key) else {
                continue;
            };
            opened += 1;
            let v: serde_json::Value = serde_json::from_slice(&pt).unwrap();
            let text = v.to_string();
            if v["type"] == peerlog_core::theme_counts::THEME_COUNTS_TYPE {
                // Counts only: no date, no contact id.
                let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
                assert_eq!(keys, ["account_id", "counts", "type", "year"], "{text}");
                assert!(!text.contains(&one.id));
                continue;
            }
            for theme in peerlog_core::themes::THEME_IDS {
                assert!(!text.contains(theme), "{collection:?} {text}");
            }
        }
    }
    assert!(opened > 8, "the coordinator opened {opened} records");

    // Editing and deleting change the counts at the next sync.
    a.edit_contact(one.id.clone(), with_themes("2025-03-03", &["meaning"]))
        .unwrap();
    b.delete_contact(b.list_contacts(None, None).unwrap()[0].id.clone())
        .unwrap();
    a.sync(None).await.unwrap();
    b.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let report = coord.chapter_report(YEAR).unwrap();
    let n = |t: &str| report.themes.get(t).copied();
    assert_eq!(
        (n("hope"), n("connectedness"), n("identity"), n("meaning")),
        (Some(1), Some(0), Some(0), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn theme_counts_forged_for_another_peer_are_not_counted() {
    let srv = Server::start().await;
    let (coord, a, b) = themes_chapter(&srv).await;
    a.add_contact(with_themes("2025-03-03", &["hope"])).unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(coord.chapter_report(YEAR).unwrap().themes["hope"], 1);

    // Peer b writes counts naming a, newer than a's own.
    let ida = account_of(&a);
    let forger = Forger::new(&srv.home("b"));
    let forged = theme_counts(&ida, YEAR, &[("hope", 500), ("meaning", 500)]);
    let version = ahead_of_now();
    forger.write_in(
        peerlog_protocol::Collection::Reports,
        &uuid::Uuid::now_v7().to_string(),
        version,
        &forged,
    );
    drop(forger);
    assert_eq!(b.sync(None).await.unwrap().rejected, 0);
    coord.sync(None).await.unwrap();
    let themes = coord.chapter_report(YEAR).unwrap().themes;
    assert_eq!((themes["hope"], themes["meaning"]), (1, 0), "{themes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn theme_counts_written_by_the_chapters_machine_for_a_peer_are_not_counted() {
    let srv = Server::start().await;
    let (coord, a, _b) = themes_chapter(&srv).await;
    a.add_contact(with_themes("2025-03-03", &["hope"])).unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();

    // The coordinator's machine (certified by the chapter) writes counts for a, sealed
    // for the chapter and a, and pushes them.
    let ida = account_of(&a);
    let home = srv.home("coord-Oslo");
    let device =
        peerlog_crypto::DeviceSigningKey::from_seed(&secret32(&home, SECRET_DEVICE_KEY)).unwrap();
    let db = rusqlite::Connection::open(home.join(DB_FILE)).unwrap();
    let peer_key = {
        let forger = Forger::new(&srv.home("a"));
        forger.peer.public_key()
    };
    let meta = peerlog_protocol::RecordMeta {
        id: uuid::Uuid::now_v7().to_string(),
        collection: peerlog_protocol::Collection::Reports,
        version: ahead_of_now(),
        author_device: device.device_id(),
        deleted: false,
    };
    let env = peerlog_crypto::envelope::seal_record(
        &meta,
        &peerlog_protocol::canonical::to_canonical_vec(&theme_counts(&ida, YEAR, &[("hope", 700)]))
            .unwrap(),
        &[peer_key, srv.chapter_key()],
        &device,
    )
    .unwrap();
    peerlog_core::store::put_record(&db, &env, true).unwrap();
    drop(db);
    coord.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(coord.chapter_report(YEAR).unwrap().themes["hope"], 1);
    // Nor does a's device take it as its own.
    a.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    assert_eq!(coord.chapter_report(YEAR).unwrap().themes["hope"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn theme_counts_add_up_a_peers_contacts_from_all_their_devices() {
    let srv = Server::start().await;
    let coord = coordinator(&srv, "Oslo").await;
    let (a, code) = peer(&srv, &coord, "a").await;
    a.sync(None).await.unwrap();
    coord
        .set_chapter_settings(ChapterSettings {
            themes: true,
            flag_uncertified: false,
        })
        .unwrap();
    coord.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    a.add_contact(with_themes("2025-03-03", &["hope"])).unwrap();
    a.sync(None).await.unwrap();

    // The peer's second phone logs a contact of its own.
    let a2 = recover(&srv, "a2", code).await.unwrap();
    a2.sync(None).await.unwrap();
    assert!(a2.themes_question().unwrap().shown);
    a2.add_contact(with_themes("2025-04-04", &["meaning"]))
        .unwrap();
    a2.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let themes = coord.chapter_report(YEAR).unwrap().themes;
    assert_eq!((themes["hope"], themes["meaning"]), (1, 1), "{themes:?}");

    // The first phone logs one before it has seen the second's: its counts miss that
    // contact for one sync, and include it from the next (recounted before every sync).
    a.add_contact(with_themes("2025-05-05", &["identity"]))
        .unwrap();
    a.sync(None).await.unwrap();
    a.sync(None).await.unwrap();
    coord.sync(None).await.unwrap();
    let themes = coord.chapter_report(YEAR).unwrap().themes;
    assert_eq!(
        (themes["hope"], themes["meaning"], themes["identity"]),
        (1, 1, 1),
        "{themes:?}"
    );
}
