//! The Training page: the chapter's course records (who is certified until when), a form
//! to record a completed course, and the chapter's settings (the recovery-themes question,
//! flagging contacts by peers without a valid certificate). Everything goes through
//! `Coordinator`, as the CLI's `coordinator training` and `coordinator settings` do.

use crate::AppState;
use crate::pages::{Chrome, Nav, chrome, core, core_error, field_error, render};
use crate::security::{CsrfForm, SignedIn};
use crate::texts::Texts;
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use peerlog_coordinator::ChapterSettings;
use peerlog_core::AccountRole;
use std::sync::Arc;

type St = State<Arc<AppState>>;

#[derive(Debug, Clone)]
pub struct CourseRow {
    pub name: String,
    pub course: String,
    pub date: String,
    pub valid_until: String,
    pub valid: bool,
}

#[derive(Debug, Clone)]
pub struct PeerOption {
    pub account_id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TrainingForm {
    #[serde(default)]
    peer: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    valid_until: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SettingsForm {
    /// Checkbox: present when on.
    #[serde(default)]
    themes: Option<String>,
    #[serde(default)]
    flag_uncertified: Option<String>,
}

/// Field errors of a refused course form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub peer: Option<String>,
    pub course: Option<String>,
    pub date: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage {
    c: Chrome,
    rows: Vec<CourseRow>,
    peers: Vec<PeerOption>,
    form: TrainingForm,
    errors: FormErrors,
    settings: ChapterSettings,
}

fn page(
    st: &AppState,
    who: &SignedIn,
    form: TrainingForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = Texts(st.locale);
    let list = match st.coord.training_list() {
        Ok(l) => l,
        Err(e) => return core_error(st, who, &e),
    };
    let settings = match st.coord.chapter_settings() {
        Ok(s) => s,
        Err(e) => return core_error(st, who, &e),
    };
    let peers = st.coord.known_peers().unwrap_or_default();
    let name_of = |account: &str| {
        peers
            .iter()
            .find(|p| p.account_id == account)
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| t.no_name_yet().into())
    };
    let rows = list
        .iter()
        .map(|r| CourseRow {
            name: r
                .peer_name
                .clone()
                .unwrap_or_else(|| name_of(&r.account_id)),
            course: r.course.clone(),
            date: r.date.clone(),
            valid_until: r
                .valid_until
                .clone()
                .unwrap_or_else(|| t.no_expiry().into()),
            valid: r.valid,
        })
        .collect();
    let mut options: Vec<PeerOption> = peers
        .iter()
        .filter(|p| p.role == AccountRole::Peer)
        .map(|p| PeerOption {
            account_id: p.account_id.clone(),
            name: p.name.clone().unwrap_or_else(|| p.account_id.clone()),
            selected: p.account_id == form.peer,
        })
        .collect();
    options.sort_by_key(|o| o.name.to_lowercase());
    let p = TrainingPage {
        c: chrome(st, Some(who), Nav::Training, t.training_title().into()),
        rows,
        peers: options,
        form,
        errors,
        settings,
    };
    render(status, &p)
}

/// `GET /training`.
pub async fn training(State(st): St, Extension(who): Extension<SignedIn>) -> Response {
    page(
        &st,
        &who,
        TrainingForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /training`: records a course.
pub async fn add_training(State(st): St, f: CsrfForm<TrainingForm>) -> Response {
    let t = Texts(st.locale);
    let form = f.form.clone();
    let until = Some(form.valid_until.clone()).filter(|u| !u.trim().is_empty());
    let (peer, course, date) = (form.peer.clone(), form.course.clone(), form.date.clone());
    match core(&st.coord, move |c| async move {
        c.add_training(peer, course, date, until).await
    })
    .await
    {
        Ok(_) => {
            st.set_flash(&f.who.id, t.course_recorded().into());
            Redirect::to("/training").into_response()
        }
        Err(e @ peerlog_core::PeerlogError::Invalid { .. }) => {
            let errors = FormErrors {
                peer: None,
                course: field_error(&e, "course").filter(|_| has_field(&e, "course")),
                date: field_error(&e, "date").filter(|_| has_field(&e, "date")),
                valid_until: field_error(&e, "valid_until")
                    .filter(|_| has_field(&e, "valid_until")),
            };
            page(&st, &f.who, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(peerlog_core::PeerlogError::NotFound { .. }) => {
            let errors = FormErrors {
                peer: Some(t.choose_peer().into()),
                ..FormErrors::default()
            };
            page(&st, &f.who, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}

fn has_field(e: &peerlog_core::PeerlogError, field: &str) -> bool {
    matches!(e, peerlog_core::PeerlogError::Invalid { fields, .. } if fields.iter().any(|f| f.field == field))
}

/// `POST /training/settings`: the chapter's settings.
pub async fn save_settings(State(st): St, f: CsrfForm<SettingsForm>) -> Response {
    let t = Texts(st.locale);
    let settings = ChapterSettings {
        themes: f.form.themes.is_some(),
        flag_uncertified: f.form.flag_uncertified.is_some(),
    };
    match st.coord.set_chapter_settings(settings) {
        Ok(()) => {
            st.set_flash(&f.who.id, t.settings_saved().into());
            Redirect::to("/training").into_response()
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}
