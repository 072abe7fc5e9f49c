//! The pages: one handler per route, each reading from [`Coordinator`] (the same functions
//! the CLI uses, so every number agrees with `peerlog coordinator report`) and rendering
//! an askama template. Forms post back, then redirect (a flash message says what happened);
//! a refused form is shown again with the core's message at the field and nothing changed.

use crate::security::{CsrfForm, SignedIn};
use crate::texts::{Texts, fill, month_name};
use crate::{AppState, Progress, lock};
use askama::Template;
use axum::Router;
use axum::extract::{Extension, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use peerlog_coordinator::files::ReportFormat;
use peerlog_coordinator::{
    ChapterPeer, ChapterReport, Coordinator, INVITATION_DAYS, STALE_DAYS, stale_devices,
};
use peerlog_core::{AccountRole, ExpenseStatus, Locale, PeerlogError, format_amount};
use std::collections::HashMap;
use std::sync::Arc;

mod debriefs;
mod rollup;

type St = State<Arc<AppState>>;

/// Every route of the console.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/sync", post(sync_now))
        .route("/sync/status", get(sync_status))
        .route("/peers", get(peers))
        .route("/peers/{account}", get(peer))
        .route(
            "/peers/{account}/devices/{device}/revoke",
            get(revoke_confirm).post(revoke),
        )
        .route("/invite", get(invite).post(create_invitation))
        .route("/expenses", get(expenses))
        .route("/expenses/{id}/receipt", get(receipt))
        .route("/expenses/{id}/approve", post(approve))
        .route("/expenses/{id}/reject", post(reject))
        .route("/declaration", get(declaration))
        .route("/declaration/preview", post(declaration_preview))
        .route("/declaration/publish", post(declaration_publish))
        .route("/report", get(report))
        .route("/report/{year}/{file}", get(report_file))
        .route("/report/submit", post(rollup::submit))
        .route(
            "/training",
            get(crate::training::training).post(crate::training::add_training),
        )
        .route("/training/settings", post(crate::training::save_settings))
        .route("/debriefs/{id}/done", post(debriefs::mark_done))
        .route("/assets/{file}", get(crate::assets::asset))
        .route("/favicon.ico", get(crate::assets::favicon))
        .fallback(not_found)
        // A declaration (64 KiB at most) in a form, with room for the form's own bytes.
        .layer(axum::extract::DefaultBodyLimit::max(512 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security::gate,
        ))
        .with_state(state)
}

// ---- page chrome --------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub t: Texts,
    pub lang: &'static str,
    pub title: String,
    pub chapter: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

impl Chrome {
    /// `text` with its `{}` replaced by `arg`, for templates.
    pub fn fill<T: std::fmt::Display + ?Sized>(&self, text: &str, arg: &T) -> String {
        fill(text, &[&arg.to_string()])
    }

    /// "N devices not seen for D days", with the console's threshold.
    pub fn not_seen(&self, devices: &usize) -> String {
        fill(
            self.t.devices_not_seen(),
            &[&devices.to_string(), &STALE_DAYS.to_string()],
        )
    }

    /// The invitation lifetimes the server accepts, for the form's label.
    pub fn valid_days(&self) -> String {
        fill(
            self.t.valid_days(),
            &[
                &INVITATION_DAYS.start().to_string(),
                &INVITATION_DAYS.end().to_string(),
            ],
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    None,
    Overview,
    Peers,
    Invite,
    Expenses,
    Declaration,
    Report,
    Training,
}

pub(crate) fn chrome(st: &AppState, who: Option<&SignedIn>, nav: Nav, title: String) -> Chrome {
    let t = Texts(st.locale);
    let items = [
        ("/", t.nav_overview(), Nav::Overview),
        ("/peers", t.nav_peers(), Nav::Peers),
        ("/invite", t.nav_invite(), Nav::Invite),
        ("/expenses", t.nav_expenses(), Nav::Expenses),
        ("/declaration", t.nav_declaration(), Nav::Declaration),
        ("/report", t.nav_report(), Nav::Report),
        ("/training", t.nav_training(), Nav::Training),
    ];
    let chapter = who
        .and_then(|_| st.coord.status().ok())
        .and_then(|s| s.enrolment)
        .map(|e| format!("{} · {}", e.organisation, e.chapter))
        .unwrap_or_default();
    Chrome {
        t,
        lang: st.locale.as_str(),
        title,
        chapter,
        csrf: who.map(|w| w.session.csrf.clone()).unwrap_or_default(),
        nav: if who.is_some() {
            items
                .into_iter()
                .map(|(href, label, n)| NavItem {
                    href,
                    label,
                    current: n == nav,
                })
                .collect()
        } else {
            Vec::new()
        },
        flash: who.and_then(|w| st.take_flash(&w.id)),
    }
}

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
}

fn error_page(
    st: &AppState,
    who: Option<&SignedIn>,
    status: StatusCode,
    message: &str,
) -> Response {
    let t = Texts(st.locale);
    let page = ErrorPage {
        c: chrome(st, who, Nav::None, t.error_title().into()),
        message: message.into(),
    };
    render(status, &page)
}

/// A core error as a page: the core's message, in the user's language.
pub(crate) fn core_error(st: &AppState, who: &SignedIn, e: &PeerlogError) -> Response {
    let status = match e {
        PeerlogError::NotFound { .. } => StatusCode::NOT_FOUND,
        PeerlogError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        e if e.is_user_error() => StatusCode::CONFLICT,
        _ => StatusCode::BAD_GATEWAY,
    };
    error_page(st, Some(who), status, e.message())
}

async fn not_found(State(st): St, who: Option<Extension<SignedIn>>) -> Response {
    let who = who.map(|w| w.0);
    error_page(
        &st,
        who.as_ref(),
        StatusCode::NOT_FOUND,
        Texts(st.locale).not_found(),
    )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    used: bool,
}

/// The page for a browser that is not signed in.
pub fn login_page(st: &AppState, used: bool) -> Response {
    let t = Texts(st.locale);
    let page = LoginPage {
        c: chrome(st, None, Nav::None, t.login_title().into()),
        used,
    };
    render(StatusCode::UNAUTHORIZED, &page)
}

/// The message of the first refused field named `field`, if the error is one.
pub(crate) fn field_error(e: &PeerlogError, field: &str) -> Option<String> {
    match e {
        PeerlogError::Invalid { fields, .. } => fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.clone())
            .or_else(|| Some(e.message().to_string())),
        _ => None,
    }
}

// ---- the core, off the request's thread ------------------------------------------------------

/// Runs an async call of the core on a blocking thread of the runtime: its futures need
/// not be `Send`, and a slow server never holds up the console's own threads.
pub(crate) async fn core<T, F, Fut>(coord: &Arc<Coordinator>, f: F) -> Result<T, PeerlogError>
where
    T: Send + 'static,
    F: FnOnce(Arc<Coordinator>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, PeerlogError>>,
{
    let c = coord.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(c)))
        .await
        .unwrap_or_else(|_| {
            Err(PeerlogError::Storage {
                code: "internal".into(),
                user_message: "internal error".into(),
            })
        })
}

// ---- shared bits ----------------------------------------------------------------------------

#[derive(Debug, serde::Deserialize)]
struct YearQuery {
    year: Option<String>,
}

fn this_year() -> i32 {
    chrono::Datelike::year(&chrono::Local::now())
}

/// The year asked for, within reason; else this year.
fn year_of(q: &YearQuery) -> i32 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(this_year)
}

#[derive(Debug, Clone)]
pub struct YearOption {
    pub year: i32,
    pub selected: bool,
}

fn years(selected: i32) -> Vec<YearOption> {
    let now = this_year();
    let mut ys: Vec<i32> = (now - 9..=now).rev().collect();
    if !ys.contains(&selected) {
        ys.push(selected);
        ys.sort_unstable_by(|a, b| b.cmp(a));
    }
    ys.into_iter()
        .map(|year| YearOption {
            year,
            selected: year == selected,
        })
        .collect()
}

/// An RFC 3339 time as this machine's local date and time.
fn local_time(t: Option<&str>, never: &str) -> String {
    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| never.to_string())
}

/// Names of the domain's values in the user's language, from the core's vocabulary.
struct Labels(HashMap<String, String>);

impl Labels {
    fn new(locale: Locale) -> Self {
        let v = peerlog_core::vocabulary(locale);
        let mut m = HashMap::new();
        for k in v.contact_kinds {
            m.insert(format!("contact:{}", k.code), k.label);
        }
        for c in v.categories {
            m.insert(format!("category:{}", c.code), c.label);
        }
        for k in v.expense_kinds {
            m.insert(format!("expense:{}", k.code), k.label);
        }
        for s in v.expense_statuses {
            m.insert(format!("status:{}", s.code), s.label);
        }
        Labels(m)
    }

    fn get(&self, space: &str, code: &str) -> String {
        self.0
            .get(&format!("{space}:{code}"))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct CategoryFigure {
    pub testid: &'static str,
    pub label: String,
    pub value: u32,
    pub last: u32,
}

fn categories(labels: &Labels, r: &ChapterReport, last: &ChapterReport) -> Vec<CategoryFigure> {
    vec![
        CategoryFigure {
            testid: "category-outreach",
            label: labels.get("category", "outreach"),
            value: r.by_category.outreach,
            last: last.by_category.outreach,
        },
        CategoryFigure {
            testid: "category-group",
            label: labels.get("category", "group"),
            value: r.by_category.group,
            last: last.by_category.group,
        },
        CategoryFigure {
            testid: "category-course",
            label: labels.get("category", "course"),
            value: r.by_category.course,
            last: last.by_category.course,
        },
    ]
}

/// The chapter's peers: from the server, or as last known when it cannot be reached.
async fn peers_now(st: &AppState) -> Result<(Vec<ChapterPeer>, bool), PeerlogError> {
    match core(&st.coord, |c| async move { c.chapter_peers().await }).await {
        Ok(p) => Ok((p, false)),
        Err(PeerlogError::Network { .. }) | Err(PeerlogError::Server { .. }) => {
            Ok((st.coord.known_peers()?, true))
        }
        Err(e) => Err(e),
    }
}

/// "version 3 signed" / "must sign again" / "not signed" / the coordinator's role.
fn declaration_text(t: Texts, p: &ChapterPeer) -> (String, bool) {
    if p.role != AccountRole::Peer {
        return (t.holds_keys().into(), true);
    }
    match (p.declaration_version, p.declaration_valid) {
        (Some(v), true) => (fill(t.version_signed(), &[&v.to_string()]), true),
        (Some(v), false) => (fill(t.version_old(), &[&v.to_string()]), false),
        (None, _) => (t.not_signed().into(), false),
    }
}

fn peer_name(t: Texts, p: &ChapterPeer) -> String {
    p.name.clone().unwrap_or_else(|| t.no_name_yet().into())
}

// ---- Overview -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct MonthRow {
    pub name: &'static str,
    pub this: u32,
    pub last: u32,
}

#[derive(Debug, Clone)]
pub struct Attention {
    pub text: String,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    c: Chrome,
    year: i32,
    last_year: i32,
    years: Vec<YearOption>,
    report: ChapterReport,
    last: ChapterReport,
    categories: Vec<CategoryFigure>,
    chart: String,
    months: Vec<MonthRow>,
    active_peers: u32,
    peers_total: usize,
    signed_current: usize,
    last_sync: String,
    attention: Vec<Attention>,
    sync_running: bool,
    sync_text: String,
    /// Open "I need to talk" requests: shown first.
    debriefs: Vec<debriefs::DebriefRow>,
}

/// The chapter's report for `year` and the year before, for the side-by-side figures.
fn this_and_last_year(
    st: &AppState,
    year: i32,
) -> Result<(ChapterReport, ChapterReport), PeerlogError> {
    Ok((
        st.coord.chapter_report(year)?,
        st.coord.chapter_report(year - 1)?,
    ))
}

async fn overview(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Query(q): Query<YearQuery>,
) -> Response {
    let t = Texts(st.locale);
    let year = year_of(&q);
    let (report, last) = match this_and_last_year(&st, year) {
        Ok(both) => both,
        Err(e) => return core_error(&st, &who, &e),
    };
    let peers = match st.coord.known_peers() {
        Ok(p) => p,
        Err(e) => return core_error(&st, &who, &e),
    };
    let expenses = match st.coord.chapter_expenses() {
        Ok(e) => e,
        Err(e) => return core_error(&st, &who, &e),
    };
    let open_debriefs = match debriefs::open_rows(&st) {
        Ok(d) => d,
        Err(e) => return core_error(&st, &who, &e),
    };
    let status = st.coord.status().ok();
    let labels = Labels::new(st.locale);
    let only_peers: Vec<&ChapterPeer> = peers
        .iter()
        .filter(|p| p.role == AccountRole::Peer)
        .collect();
    let must_sign = only_peers.iter().filter(|p| !p.declaration_valid).count();
    let waiting = expenses
        .iter()
        .filter(|e| e.status == ExpenseStatus::Submitted)
        .count();
    let stale = stale_devices(&peers, chrono::Utc::now(), STALE_DAYS).len();
    let mut attention = Vec::new();
    if waiting > 0 {
        attention.push(Attention {
            text: fill(t.expenses_waiting(), &[&waiting.to_string()]),
            href: "/expenses",
        });
    }
    if must_sign > 0 {
        attention.push(Attention {
            text: fill(t.peers_must_sign(), &[&must_sign.to_string()]),
            href: "/declaration",
        });
    }
    let incomplete = only_peers
        .iter()
        .filter(|p| p.records == peerlog_coordinator::heads::RecordsCheck::Incomplete)
        .count();
    if incomplete > 0 {
        attention.push(Attention {
            text: fill(t.records_incomplete(), &[&incomplete.to_string()]),
            href: "/peers",
        });
    }
    if stale > 0 {
        attention.push(Attention {
            text: fill(
                t.devices_not_seen(),
                &[&stale.to_string(), &STALE_DAYS.to_string()],
            ),
            href: "/peers",
        });
    }
    let months = (1..=12)
        .map(|m| {
            let total = |r: &ChapterReport| {
                r.by_month
                    .iter()
                    .find(|x| x.month == m)
                    .map(|x| x.outreach + x.group + x.course)
                    .unwrap_or(0)
            };
            MonthRow {
                name: month_name(st.locale, m),
                this: total(&report),
                last: total(&last),
            }
        })
        .collect();
    let sync = lock(&st.sync).clone();
    let page = OverviewPage {
        c: chrome(
            &st,
            Some(&who),
            Nav::Overview,
            fill(t.overview_title(), &[&year.to_string()]),
        ),
        year,
        last_year: year - 1,
        years: years(year),
        categories: categories(&labels, &report, &last),
        chart: crate::chart::months_svg(t, year, &report.by_month, &last.by_month),
        months,
        active_peers: report
            .peers
            .iter()
            .filter(|p| p.activity_days + p.not_counted > 0)
            .count() as u32,
        peers_total: only_peers.len(),
        signed_current: only_peers.len() - must_sign,
        last_sync: local_time(
            status.as_ref().and_then(|s| s.last_success.as_deref()),
            t.never(),
        ),
        attention,
        sync_running: sync.running,
        sync_text: sync_line(t, &sync),
        debriefs: open_debriefs,
        report,
        last,
    };
    render(StatusCode::OK, &page)
}

// ---- Sync -----------------------------------------------------------------------------------

/// A form with nothing but its CSRF token (which `CsrfForm` reads).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct NoFields {}

fn sync_line(t: Texts, s: &crate::SyncState) -> String {
    if s.running {
        let phase = match s.phase {
            Some("login") => t.phase_login(),
            Some("push") => t.phase_push(),
            Some("pull") => t.phase_pull(),
            Some("apply") => t.phase_apply(),
            _ => return t.sync_running().into(),
        };
        match s.total {
            Some(total) => format!("{} {phase} {}/{total}", t.sync_running(), s.done),
            None if s.done > 0 => format!("{} {phase} {}", t.sync_running(), s.done),
            None => format!("{} {phase}", t.sync_running()),
        }
    } else {
        s.outcome.clone().unwrap_or_default()
    }
}

/// Starts a sync unless one runs; returns the generation that its end will reach.
fn start_sync(st: &Arc<AppState>) -> u64 {
    let mut s = lock(&st.sync);
    if s.running {
        return s.generation + 1;
    }
    s.running = true;
    s.phase = None;
    s.done = 0;
    s.total = None;
    let target = s.generation + 1;
    drop(s);
    let st2 = st.clone();
    tokio::spawn(async move {
        let progress: Arc<dyn peerlog_core::SyncProgress> = Arc::new(Progress(st2.sync.clone()));
        let out = core(
            &st2.coord,
            move |c| async move { c.sync(Some(progress)).await },
        )
        .await;
        let t = Texts(st2.locale);
        let mut s = lock(&st2.sync);
        s.running = false;
        s.failed = out.is_err();
        s.outcome = Some(match &out {
            Ok(r) => crate::sync_outcome(t, r),
            Err(e) => fill(t.sync_failed(), &[e.message()]),
        });
        s.generation += 1;
    });
    target
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.starts_with("application/json"))
}

async fn sync_now(State(st): St, headers: HeaderMap, f: CsrfForm<NoFields>) -> Response {
    let target = start_sync(&st);
    if wants_json(&headers) {
        return (
            StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({ "generation": target })),
        )
            .into_response();
    }
    // Without script: wait for the sync, then show the Overview with its outcome.
    loop {
        let s = lock(&st.sync).clone();
        if !s.running && s.generation >= target {
            st.set_flash(&f.who.id, s.outcome.unwrap_or_default());
            return Redirect::to("/").into_response();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn sync_status(State(st): St) -> Response {
    let t = Texts(st.locale);
    let s = lock(&st.sync).clone();
    axum::Json(serde_json::json!({
        "running": s.running,
        "generation": s.generation,
        "failed": s.failed,
        "text": sync_line(t, &s),
    }))
    .into_response()
}

// ---- Peers ----------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PeerRow {
    pub account_id: String,
    pub name: String,
    pub declaration: String,
    pub declaration_ok: bool,
    pub last_sync: String,
    pub devices: usize,
    /// Devices not seen for 30 days.
    pub stale: usize,
    pub days: u32,
    pub certified: bool,
}

#[derive(Template)]
#[template(path = "peers.html")]
struct PeersPage {
    c: Chrome,
    year: i32,
    rows: Vec<PeerRow>,
    offline: bool,
}

async fn peers(State(st): St, Extension(who): Extension<SignedIn>) -> Response {
    let t = Texts(st.locale);
    let year = this_year();
    let (list, offline) = match peers_now(&st).await {
        Ok(x) => x,
        Err(e) => return core_error(&st, &who, &e),
    };
    let report = match st.coord.chapter_report(year) {
        Ok(r) => r,
        Err(e) => return core_error(&st, &who, &e),
    };
    let stale = stale_devices(&list, chrono::Utc::now(), STALE_DAYS);
    let mut rows: Vec<PeerRow> = list
        .iter()
        .filter(|p| p.role == AccountRole::Peer)
        .map(|p| {
            let (declaration, declaration_ok) = declaration_text(t, p);
            PeerRow {
                account_id: p.account_id.clone(),
                name: peer_name(t, p),
                declaration,
                declaration_ok,
                last_sync: local_time(p.last_sync.as_deref(), t.never()),
                devices: p.devices.iter().filter(|d| d.revoked_at.is_none()).count(),
                stale: stale
                    .iter()
                    .filter(|(s, _)| s.account_id == p.account_id)
                    .count(),
                days: report
                    .peers
                    .iter()
                    .find(|r| r.account_id == p.account_id)
                    .map(|r| r.activity_days)
                    .unwrap_or(0),
                certified: p.certified,
            }
        })
        .collect();
    rows.sort_by_key(|a| a.name.to_lowercase());
    let page = PeersPage {
        c: chrome(&st, Some(&who), Nav::Peers, t.peers_title().into()),
        year,
        rows,
        offline,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Clone)]
pub struct ContactRow {
    pub date: String,
    pub kind: String,
    pub minutes: u32,
    pub participants: u32,
    pub counts: bool,
    pub verdict: String,
}

#[derive(Debug, Clone)]
pub struct MonthGroup {
    pub name: String,
    pub contacts: Vec<ContactRow>,
}

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub enrolled: String,
    pub last_seen: String,
    pub revoked: Option<String>,
    pub revoke_href: String,
}

#[derive(Template)]
#[template(path = "peer.html")]
struct PeerPage {
    c: Chrome,
    declaration: String,
    years: Vec<YearOption>,
    days: u32,
    months: Vec<MonthGroup>,
    devices: Vec<DeviceRow>,
    offline: bool,
}

async fn peer(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Path(account): Path<String>,
    Query(q): Query<YearQuery>,
) -> Response {
    let t = Texts(st.locale);
    let year = year_of(&q);
    let (list, offline) = match peers_now(&st).await {
        Ok(x) => x,
        Err(e) => return core_error(&st, &who, &e),
    };
    let Some(p) = list
        .iter()
        .find(|p| p.account_id == account && p.role == AccountRole::Peer)
    else {
        return error_page(&st, Some(&who), StatusCode::NOT_FOUND, t.not_found());
    };
    let contacts = match st.coord.peer_contacts(&account, year) {
        Ok(c) => c,
        Err(e) => return core_error(&st, &who, &e),
    };
    let labels = Labels::new(st.locale);
    let mut months: Vec<MonthGroup> = Vec::new();
    for c in &contacts {
        let m: u32 = c.date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
        let name = format!(
            "{} {}",
            month_name(st.locale, m),
            &c.date[..4.min(c.date.len())]
        );
        if months.last().is_none_or(|g| g.name != name) {
            months.push(MonthGroup {
                name,
                contacts: Vec::new(),
            });
        }
        let verdict = match &c.category {
            Some(cat) if c.counts => fill(t.yes_as(), &[&labels.get("category", cat)]),
            // The core's reason already says that it does not count, and why.
            _ => c.reason.clone(),
        };
        if let Some(g) = months.last_mut() {
            g.contacts.push(ContactRow {
                date: c.date.clone(),
                kind: labels.get("contact", &c.kind),
                minutes: c.minutes,
                participants: c.participants,
                counts: c.counts,
                verdict,
            });
        }
    }
    let days = contacts.iter().filter(|c| c.counts).count() as u32;
    let page = PeerPage {
        c: chrome(
            &st,
            Some(&who),
            Nav::Peers,
            fill(t.peer_title(), &[&peer_name(t, p)]),
        ),
        declaration: declaration_text(t, p).0,
        years: years(year),
        days,
        months,
        devices: p
            .devices
            .iter()
            .map(|d| DeviceRow {
                id: d.device_id.clone(),
                enrolled: local_time(Some(&d.created_at), t.never()),
                last_seen: local_time(d.last_seen.as_deref(), t.never()),
                revoked: d
                    .revoked_at
                    .as_deref()
                    .map(|r| fill(t.revoked(), &[&local_time(Some(r), t.never())])),
                revoke_href: format!("/peers/{}/devices/{}/revoke", p.account_id, d.device_id),
            })
            .collect(),
        offline,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "revoke.html")]
struct RevokePage {
    c: Chrome,
    explain: String,
    action: String,
    back: String,
}

async fn revoke_confirm(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Path((account, device)): Path<(String, String)>,
) -> Response {
    let t = Texts(st.locale);
    let page = RevokePage {
        c: chrome(&st, Some(&who), Nav::Peers, t.revoke_title().into()),
        explain: fill(t.revoke_explain(), &[&device]),
        action: format!("/peers/{account}/devices/{device}/revoke"),
        back: format!("/peers/{account}"),
    };
    render(StatusCode::OK, &page)
}

async fn revoke(
    State(st): St,
    Path((account, device)): Path<(String, String)>,
    f: CsrfForm<NoFields>,
) -> Response {
    let t = Texts(st.locale);
    match core(
        &st.coord,
        move |c| async move { c.revoke_device(device).await },
    )
    .await
    {
        Ok(newly) => {
            st.set_flash(
                &f.who.id,
                if newly {
                    t.revoked_done()
                } else {
                    t.revoked_already()
                }
                .into(),
            );
            Redirect::to(&format!("/peers/{account}")).into_response()
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}

// ---- Invite ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub index: usize,
    pub text: String,
    pub expires: String,
    pub shown: bool,
}

#[derive(Debug, Clone)]
pub struct ShownInvitation {
    pub text: String,
    pub expires: String,
    pub qr: String,
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    c: Chrome,
    shown: Option<ShownInvitation>,
    open: Vec<InvitationRow>,
    days: String,
    days_error: Option<String>,
    /// The invitation lifetimes the server accepts, in days.
    min_days: u32,
    max_days: u32,
}

#[derive(Debug, serde::Deserialize)]
struct ShowQuery {
    show: Option<usize>,
}

fn invite_page(
    st: &AppState,
    who: &SignedIn,
    show: usize,
    days: String,
    days_error: Option<String>,
) -> Response {
    let t = Texts(st.locale);
    let open = match st.coord.open_invitations() {
        Ok(o) => o,
        Err(e) => return core_error(st, who, &e),
    };
    let shown = open.get(show).map(|i| ShownInvitation {
        text: i.invitation.clone(),
        expires: fill(t.expires(), &[&local_time(Some(&i.expires_at), "")]),
        qr: crate::chart::qr_svg(&i.invitation, t.invitation_qr()).unwrap_or_default(),
    });
    let page = InvitePage {
        c: chrome(st, Some(who), Nav::Invite, t.invite_title().into()),
        shown,
        open: open
            .iter()
            .enumerate()
            .map(|(index, i)| InvitationRow {
                index,
                text: i.invitation.clone(),
                expires: local_time(Some(&i.expires_at), ""),
                shown: index == show,
            })
            .collect(),
        days,
        days_error: days_error.clone(),
        min_days: *INVITATION_DAYS.start(),
        max_days: *INVITATION_DAYS.end(),
    };
    render(
        if days_error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    )
}

async fn invite(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Query(q): Query<ShowQuery>,
) -> Response {
    invite_page(&st, &who, q.show.unwrap_or(0), "7".into(), None)
}

#[derive(Debug, serde::Deserialize)]
struct InviteForm {
    #[serde(default)]
    days: String,
}

async fn create_invitation(State(st): St, f: CsrfForm<InviteForm>) -> Response {
    let t = Texts(st.locale);
    let days = match f.form.days.trim().parse::<u32>() {
        Ok(d) if INVITATION_DAYS.contains(&d) => d,
        _ => {
            return invite_page(
                &st,
                &f.who,
                usize::MAX,
                f.form.days.clone(),
                Some(fill(
                    t.valid_days_error(),
                    &[
                        &INVITATION_DAYS.start().to_string(),
                        &INVITATION_DAYS.end().to_string(),
                    ],
                )),
            );
        }
    };
    match core(&st.coord, move |c| async move {
        c.create_invitation(days).await
    })
    .await
    {
        Ok(_) => {
            st.set_flash(&f.who.id, t.invitation_made().into());
            Redirect::to("/invite").into_response()
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}

// ---- Expenses -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub href: String,
    pub image: bool,
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct ExpenseRow {
    pub id: String,
    pub peer: String,
    pub date: String,
    pub kind: String,
    pub amount: String,
    pub description: String,
    pub status: String,
    pub reason: String,
    pub receipt: Option<ReceiptView>,
    pub error: Option<String>,
    pub reason_value: String,
}

#[derive(Template)]
#[template(path = "expenses.html")]
struct ExpensesPage {
    c: Chrome,
    waiting: Vec<ExpenseRow>,
    decided: Vec<ExpenseRow>,
}

fn expenses_page(st: &AppState, who: &SignedIn, error: Option<(&str, String, String)>) -> Response {
    let t = Texts(st.locale);
    let list = match st.coord.chapter_expenses() {
        Ok(l) => l,
        Err(e) => return core_error(st, who, &e),
    };
    let labels = Labels::new(st.locale);
    let (mut waiting, mut decided) = (Vec::new(), Vec::new());
    for e in list {
        let (err, reason_value) = match &error {
            Some((id, msg, value)) if *id == e.id => (Some(msg.clone()), value.clone()),
            _ => (None, String::new()),
        };
        let row = ExpenseRow {
            peer: e.peer_name.clone().unwrap_or_else(|| e.account_id.clone()),
            date: e.date.clone(),
            kind: labels.get("expense", &e.kind),
            amount: format_amount(e.amount_minor.unsigned_abs(), e.currency.clone(), st.locale),
            description: e.description.clone().unwrap_or_default(),
            status: labels.get("status", e.status.as_str()),
            reason: e.decision_reason.clone().unwrap_or_default(),
            receipt: e.receipt_type.as_ref().map(|m| ReceiptView {
                href: format!("/expenses/{}/receipt", e.id),
                image: m == "image/jpeg" || m == "image/png",
                kind: m.rsplit('/').next().unwrap_or(m).to_uppercase(),
            }),
            error: err,
            reason_value,
            id: e.id,
        };
        if e.status == ExpenseStatus::Submitted {
            waiting.push(row);
        } else {
            decided.push(row);
        }
    }
    let page = ExpensesPage {
        c: chrome(st, Some(who), Nav::Expenses, t.expenses_title().into()),
        waiting,
        decided,
    };
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    )
}

async fn expenses(State(st): St, Extension(who): Extension<SignedIn>) -> Response {
    expenses_page(&st, &who, None)
}

/// Receipt types shown by the browser itself; anything else is offered as a download.
const INLINE_RECEIPTS: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

async fn receipt(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Path(id): Path<String>,
) -> Response {
    match st.coord.expense_receipt(&id) {
        Ok(Some(r)) => {
            let inline = INLINE_RECEIPTS.contains(&r.mime_type.as_str());
            let media = if inline {
                r.mime_type.as_str()
            } else {
                "application/octet-stream"
            };
            let disposition = if inline {
                "inline".to_string()
            } else {
                format!(
                    "attachment; filename=\"receipt-{}\"",
                    id.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                )
            };
            (
                [
                    (header::CONTENT_TYPE, media.to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "private, max-age=300".to_string()),
                ],
                r.data,
            )
                .into_response()
        }
        Ok(None) => error_page(
            &st,
            Some(&who),
            StatusCode::NOT_FOUND,
            Texts(st.locale).not_found(),
        ),
        Err(e) => core_error(&st, &who, &e),
    }
}

#[derive(Debug, serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    reason: String,
}

async fn decide(st: Arc<AppState>, id: String, approve: bool, f: CsrfForm<DecideForm>) -> Response {
    let t = Texts(st.locale);
    let reason = Some(f.form.reason.clone()).filter(|r| !r.trim().is_empty());
    let id2 = id.clone();
    match core(&st.coord, move |c| async move {
        c.decide_expense(id2, approve, reason).await
    })
    .await
    {
        Ok(()) => {
            st.set_flash(
                &f.who.id,
                if approve {
                    t.decided_approved()
                } else {
                    t.decided_rejected()
                }
                .into(),
            );
            Redirect::to("/expenses").into_response()
        }
        Err(e) => match field_error(&e, "reason") {
            Some(msg) => expenses_page(&st, &f.who, Some((&id, msg, f.form.reason.clone()))),
            None => core_error(&st, &f.who, &e),
        },
    }
}

async fn approve(State(st): St, Path(id): Path<String>, f: CsrfForm<DecideForm>) -> Response {
    decide(st, id, true, f).await
}

async fn reject(State(st): St, Path(id): Path<String>, f: CsrfForm<DecideForm>) -> Response {
    decide(st, id, false, f).await
}

// ---- Declaration ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct SignerRow {
    pub name: String,
    pub text: String,
    pub ok: bool,
}

#[derive(Debug, Clone)]
pub struct LocaleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn locale_options(selected: Locale) -> Vec<LocaleOption> {
    [
        (Locale::Nb, "Norsk bokmål"),
        (Locale::Da, "Dansk"),
        (Locale::En, "English"),
    ]
    .into_iter()
    .map(|(l, label)| LocaleOption {
        code: l.as_str(),
        label,
        selected: l == selected,
    })
    .collect()
}

#[derive(Template)]
#[template(path = "declaration.html")]
struct DeclarationPage {
    c: Chrome,
    current: Option<String>,
    current_html: String,
    signers: Vec<SignerRow>,
    locales: Vec<LocaleOption>,
    text: String,
    text_error: Option<String>,
    offline: bool,
}

async fn declaration_page(
    st: &AppState,
    who: &SignedIn,
    text: String,
    locale: Locale,
    text_error: Option<String>,
) -> Response {
    let t = Texts(st.locale);
    let published = match st.coord.published_declaration() {
        Ok(p) => p,
        Err(e) => return core_error(st, who, &e),
    };
    let (peers, offline) = match peers_now(st).await {
        Ok(x) => x,
        Err(e) => return core_error(st, who, &e),
    };
    let (current, current_html) = match &published {
        Some(p) => (
            Some(fill(
                t.current_version(),
                &[
                    &p.version.to_string(),
                    &local_time(Some(&p.published_at), ""),
                ],
            )),
            peerlog_core::declaration::markdown_to_html(&p.text),
        ),
        None => (
            None,
            peerlog_core::declaration::markdown_to_html(
                &peerlog_core::declaration::builtin(st.locale).text,
            ),
        ),
    };
    let mut signers: Vec<SignerRow> = peers
        .iter()
        .filter(|p| p.role == AccountRole::Peer)
        .map(|p| {
            let (text, ok) = declaration_text(t, p);
            SignerRow {
                name: peer_name(t, p),
                text,
                ok,
            }
        })
        .collect();
    signers.sort_by_key(|a| a.name.to_lowercase());
    let page = DeclarationPage {
        c: chrome(
            st,
            Some(who),
            Nav::Declaration,
            t.declaration_title().into(),
        ),
        current,
        current_html,
        signers,
        locales: locale_options(locale),
        text,
        text_error: text_error.clone(),
        offline,
    };
    render(
        if text_error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    )
}

async fn declaration(State(st): St, Extension(who): Extension<SignedIn>) -> Response {
    declaration_page(&st, &who, String::new(), st.locale, None).await
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    c: Chrome,
    html: String,
    text: String,
    locale: &'static str,
    locale_label: &'static str,
}

/// The preview form: multipart (a text area and an optional Markdown file).
async fn declaration_preview(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    mut form: Multipart,
) -> Response {
    let t = Texts(st.locale);
    let (mut csrf, mut text, mut file, mut locale) =
        (String::new(), String::new(), Vec::new(), st.locale);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let Ok(bytes) = field.bytes().await else {
                    return error_page(&st, Some(&who), StatusCode::BAD_REQUEST, t.forbidden());
                };
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                    "text" => text = String::from_utf8_lossy(&bytes).into_owned(),
                    "file" => file = bytes.to_vec(),
                    "locale" => {
                        locale = String::from_utf8_lossy(&bytes).parse().unwrap_or(st.locale)
                    }
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(&st, Some(&who), StatusCode::BAD_REQUEST, t.forbidden()),
        }
    }
    if !crate::security::same(csrf.as_bytes(), who.session.csrf.as_bytes()) {
        return (StatusCode::FORBIDDEN, t.forbidden()).into_response();
    }
    if !file.is_empty() {
        match String::from_utf8(file) {
            Ok(s) => text = s,
            Err(_) => {
                return declaration_page(&st, &who, text, locale, Some(t.file_not_text().into()))
                    .await;
            }
        }
    }
    let text = text.replace("\r\n", "\n");
    if let Err(e) = st.coord.check_declaration_text(&text) {
        let msg = field_error(&e, "text").unwrap_or_else(|| e.message().to_string());
        return declaration_page(&st, &who, text, locale, Some(msg)).await;
    }
    let page = PreviewPage {
        c: chrome(&st, Some(&who), Nav::Declaration, t.preview_title().into()),
        html: peerlog_core::declaration::markdown_to_html(&text),
        text,
        locale: locale.as_str(),
        locale_label: locale_options(locale)
            .into_iter()
            .find(|l| l.selected)
            .map(|l| l.label)
            .unwrap_or_default(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, serde::Deserialize)]
struct PublishForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    locale: String,
}

async fn declaration_publish(State(st): St, f: CsrfForm<PublishForm>) -> Response {
    let t = Texts(st.locale);
    let locale: Locale = f.form.locale.parse().unwrap_or(st.locale);
    let text = f.form.text.replace("\r\n", "\n");
    let text2 = text.clone();
    match core(&st.coord, move |c| async move {
        c.publish_declaration(text2, locale).await
    })
    .await
    {
        Ok(version) => {
            st.set_flash(&f.who.id, fill(t.published_done(), &[&version.to_string()]));
            Redirect::to("/declaration").into_response()
        }
        Err(e) => match field_error(&e, "text") {
            Some(msg) => declaration_page(&st, &f.who, text, locale, Some(msg)).await,
            None => core_error(&st, &f.who, &e),
        },
    }
}

// ---- Report ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ReportPeerRow {
    pub name: String,
    pub days: u32,
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
    pub not_counted: u32,
    pub declaration: String,
    pub declaration_ok: bool,
    pub signed: String,
    pub signed_ok: bool,
}

#[derive(Debug, Clone)]
pub struct Download {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    years: Vec<YearOption>,
    report: ChapterReport,
    categories: Vec<CategoryFigure>,
    rules: String,
    rows: Vec<ReportPeerRow>,
    downloads: Vec<Download>,
    year: i32,
    /// Shown when peers sent counts or the chapter asks the question.
    show_themes: bool,
    themes: Vec<ThemeFigure>,
}

/// One recovery theme's count on the Report page.
#[derive(Debug, Clone)]
struct ThemeFigure {
    id: String,
    name: String,
    explanation: String,
    count: u64,
}

async fn report(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Query(q): Query<YearQuery>,
) -> Response {
    let t = Texts(st.locale);
    let year = year_of(&q);
    let (report, last) = match this_and_last_year(&st, year) {
        Ok(both) => both,
        Err(e) => return core_error(&st, &who, &e),
    };
    let labels = Labels::new(st.locale);
    let mut rows: Vec<ReportPeerRow> = report
        .peers
        .iter()
        .map(|p| {
            let (declaration, declaration_ok) = match (p.declaration_version, p.declaration_valid) {
                (Some(v), true) => (fill(t.version_signed(), &[&v.to_string()]), true),
                (Some(v), false) => (fill(t.version_old(), &[&v.to_string()]), false),
                (None, _) => (t.not_signed().to_string(), false),
            };
            let (signed, signed_ok) = match (p.report_signed, p.report_valid) {
                (true, true) => (t.report_verifies(), true),
                (true, false) => (t.report_fails(), false),
                (false, _) => (t.report_missing(), false),
            };
            ReportPeerRow {
                name: p.name.clone().unwrap_or_else(|| t.no_name_yet().into()),
                days: p.activity_days,
                outreach: p.by_category.outreach,
                group: p.by_category.group,
                course: p.by_category.course,
                not_counted: p.not_counted,
                declaration,
                declaration_ok,
                signed: signed.into(),
                signed_ok,
            }
        })
        .collect();
    rows.sort_by_key(|a| a.name.to_lowercase());
    let asked = match st.coord.chapter_settings() {
        Ok(s) => s.themes,
        Err(e) => return core_error(&st, &who, &e),
    };
    let show_themes = asked || !report.themes.is_empty();
    let themes = peerlog_core::themes::recovery_themes(st.locale)
        .into_iter()
        .map(|th| ThemeFigure {
            count: report.themes.get(&th.id).copied().unwrap_or(0),
            id: th.id,
            name: th.name,
            explanation: th.explanation,
        })
        .collect();
    let downloads = [ReportFormat::Csv, ReportFormat::Xlsx, ReportFormat::Json]
        .into_iter()
        .map(|f| Download {
            href: format!("/report/{year}/peerlog-report-{year}.{}", f.extension()),
            label: fill(t.download_as(), &[&f.extension().to_uppercase()]),
        })
        .collect();
    let page = ReportPage {
        c: chrome(
            &st,
            Some(&who),
            Nav::Report,
            fill(t.report_title(), &[&year.to_string()]),
        ),
        years: years(year),
        categories: categories(&labels, &report, &last),
        rules: fill(t.rules(), &[&report.rule_set]),
        rows,
        downloads,
        show_themes,
        themes,
        report,
        year,
    };
    render(StatusCode::OK, &page)
}

async fn report_file(
    State(st): St,
    Extension(who): Extension<SignedIn>,
    Path((year, file)): Path<(i32, String)>,
) -> Response {
    let t = Texts(st.locale);
    let format = match file.rsplit('.').next() {
        Some("csv") => ReportFormat::Csv,
        Some("xlsx") => ReportFormat::Xlsx,
        Some("json") => ReportFormat::Json,
        _ => return error_page(&st, Some(&who), StatusCode::NOT_FOUND, t.not_found()),
    };
    if !(2000..=2100).contains(&year) {
        return error_page(&st, Some(&who), StatusCode::NOT_FOUND, t.not_found());
    }
    let bytes = match st
        .coord
        .chapter_report(year)
        .and_then(|r| st.coord.report_file(&r, format))
    {
        Ok(b) => b,
        Err(e) => return core_error(&st, &who, &e),
    };
    (
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"peerlog-report-{year}.{}\"",
                    format.extension()
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}
