//! "I need to talk" on the console: the open requests, first on the Overview, and the
//! "mark as followed up" action (a CSRF-checked POST).

use super::{NoFields, St, core, core_error, local_time};
use crate::AppState;
use crate::security::CsrfForm;
use crate::texts::Texts;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use peerlog_core::PeerlogError;

/// One open request as the Overview lists it.
#[derive(Debug, Clone)]
pub struct DebriefRow {
    pub id: String,
    pub peer: String,
    pub when: &'static str,
    pub created: String,
    pub message: String,
}

/// The chapter's open requests, the most urgent first.
pub(super) fn open_rows(st: &AppState) -> Result<Vec<DebriefRow>, PeerlogError> {
    let t = Texts(st.locale);
    Ok(st
        .coord
        .chapter_debriefs()?
        .into_iter()
        .filter(|d| d.is_open())
        .map(|d| DebriefRow {
            peer: d
                .peer_name
                .clone()
                .unwrap_or_else(|| t.no_name_yet().into()),
            when: d.when.label(st.locale),
            created: local_time(Some(&d.created_at), ""),
            message: d.message.unwrap_or_default(),
            id: d.id,
        })
        .collect())
}

pub(super) async fn mark_done(
    axum::extract::State(st): St,
    Path(id): Path<String>,
    f: CsrfForm<NoFields>,
) -> Response {
    let t = Texts(st.locale);
    match core(&st.coord, move |c| async move {
        c.mark_debrief_followed_up(id).await
    })
    .await
    {
        Ok(()) => {
            st.set_flash(&f.who.id, t.debrief_marked().into());
            Redirect::to("/").into_response()
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}
