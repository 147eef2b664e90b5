//! Pages the server renders whole, with no browser code of their own:
//! `/insights` (charts as SVG beside tables of the same numbers) and
//! `/search` (what the user's calls said). Each is a plain GET form over
//! its report, framed like every page ([`crate::app::Rendered`]); they cost
//! the browser bundle nothing and work the same without JavaScript. The
//! hydrated app links to them with `rel="external"`.

use crate::app::{Rendered, rendered_shell};
use crate::domain::error::ErrorCode;
use crate::domain::url::percent_encode;
use crate::server::accounts::{CurrentUser, auth::authenticate};
use crate::server::error::{ApiError, ApiResult};
use crate::server::insights::{self, report};
use crate::server::markup::escape;
use crate::server::search;
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use leptos::prelude::provide_context;
use std::collections::HashMap;

/// `GET /insights?from=&to=`: how the user's calls went over a period.
pub async fn insights(State(state): State<AppState>, req: Request) -> Response {
    let user = match signed_in(&state, &req).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let q = query(&req);
    let (from, to) = (q.get("from").map(String::as_str).unwrap_or(""), q.get("to").map(String::as_str).unwrap_or(""));
    let shown = async { insights::insights(&state, &user, day("from", from)?, day("to", to)?).await }.await;
    let (html, status) = match shown {
        Ok(i) => (format!("{}{}", report::period_form(&i.from, &i.to), report::render(&i)), StatusCode::OK),
        Err(e) => (format!("{}{}", report::period_form(from, to), report::refusal(&e.message)), status_of(&e)),
    };
    let lead = "How your calls went: success, why some did not, retries, time on hold, spending and approvals.";
    render(state, Rendered { title: "Insights", lead, html }, req, status).await
}

/// `GET /search?q=`: where the user's calls said the words (their lines,
/// summaries and facts), each a link to its place on the call's page.
pub async fn search(State(state): State<AppState>, req: Request) -> Response {
    let user = match signed_in(&state, &req).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let q = query(&req).remove("q").unwrap_or_default();
    let mut html = format!(
        r#"<form method="get" action="/search" role="search" class="mt-6 flex flex-wrap items-end gap-3" id="search-calls-form"><label class="flex min-w-[14rem] flex-1 flex-col text-sm">Words said on your calls<input type="search" name="q" value="{}" class="cw-input" maxlength="200" required></label><button type="submit" class="cw-secondary">Search</button></form>"#,
        escape(&q)
    );
    let mut status = StatusCode::OK;
    if !q.trim().is_empty() {
        match search::search(&state, &user, &q, None).await {
            Ok(hits) => html.push_str(&search::render_hits(&hits)),
            Err(e) => {
                status = status_of(&e);
                html.push_str(&report::refusal(&e.message));
            }
        }
    }
    let lead = "Find what a business told you: the lines your calls said, their summaries and what was agreed.";
    render(state, Rendered { title: "Search your calls", lead, html }, req, status).await
}

/// The signed-in user, or the way to sign in and come back here. (What it
/// needs of the request is taken before it waits: a request is not `Sync`.)
fn signed_in<'a>(state: &'a AppState, req: &Request) -> impl Future<Output = Result<CurrentUser, Response>> + Send + use<'a> {
    let (method, headers) = (req.method().clone(), req.headers().clone());
    let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();
    async move {
        match authenticate(state, &method, &headers).await {
            Ok(user) => Ok(user),
            Err(e) if e.code == ErrorCode::Unauthorized => {
                let to = format!("/signin?next={}", percent_encode(&here, "/"));
                Err((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The query's fields; the first of each name counts.
fn query(req: &Request) -> HashMap<String, String> {
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(req.uri()).map(|q| q.0).unwrap_or_default();
    let mut fields = HashMap::new();
    for (k, v) in pairs {
        fields.entry(k).or_insert(v);
    }
    fields
}

/// A day as the period form writes it (`YYYY-MM-DD`); empty is the default.
fn day(field: &str, value: &str) -> ApiResult<Option<NaiveDate>> {
    match value.trim() {
        "" => Ok(None),
        v => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::validation(field, format!("{field} must be a day written YYYY-MM-DD."))),
    }
}

fn status_of(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `page` in the frame of every page, answered with `status`.
async fn render(state: AppState, page: Rendered, req: Request<Body>, status: StatusCode) -> Response {
    let context = move || {
        provide_context(state.clone());
        provide_context(page.clone());
    };
    let mut response = leptos_axum::render_app_async_with_context(context, rendered_shell)(req).await;
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_read_or_refused_by_name() {
        assert_eq!(day("from", "").unwrap(), None);
        assert_eq!(day("from", " 2026-03-01 ").unwrap(), NaiveDate::from_ymd_opt(2026, 3, 1));
        for bad in ["2026-02-30", "03/01/2026", "tomorrow", "2026-3-1x", "２０２６-03-01"] {
            let e = day("to", bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("to"), "{bad}");
        }
    }
}
