//! "Submit to the organisation" on the Report page: the chapter's year as counts only,
//! signed with the chapter key and sent to the organisation's server (the national
//! roll-up, ADR 0020) — the same call as `peerlog coordinator submit`. A CSRF-checked POST.

use super::{St, core, core_error, error_page};
use crate::security::CsrfForm;
use crate::texts::{Texts, fill};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    year: String,
}

pub(super) async fn submit(axum::extract::State(st): St, f: CsrfForm<SubmitForm>) -> Response {
    let t = Texts(st.locale);
    let Some(year) = f
        .form
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        return error_page(
            &st,
            Some(&f.who),
            StatusCode::UNPROCESSABLE_ENTITY,
            t.rollup_bad_year(),
        );
    };
    match core(
        &st.coord,
        move |c| async move { c.submit_rollup(year).await },
    )
    .await
    {
        Ok(s) => {
            let text = if s.replaced {
                t.rollup_replaced()
            } else {
                t.rollup_submitted()
            };
            let message = fill(
                text,
                &[&year.to_string(), &s.document.activity_days.to_string()],
            );
            st.set_flash(&f.who.id, message);
            Redirect::to(&format!("/report?year={year}")).into_response()
        }
        Err(e) => core_error(&st, &f.who, &e),
    }
}
