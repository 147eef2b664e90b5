//! Insights: how the user's calls went over a period. The report (charts as
//! SVG with tables of the same numbers) is rendered by the server; the page
//! holds only the period form, so it works without JavaScript and adds
//! almost nothing to the browser bundle.

use crate::api::insights::insights_report;
use crate::domain::error::ErrorCode;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::components::page_header::PageHeader;
use crate::ui::style::{ALERT, INPUT, SECONDARY};
use crate::ui::viewer::{AuthVersion, Viewer, when_signed_in};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InsightsPage() -> impl IntoView {
    let auth = expect_context::<AuthVersion>();
    let viewer = expect_context::<Viewer>();
    let query = use_query_map();
    let report = Resource::new(
        move || (query.read().get("from"), query.read().get("to"), auth.0.get()),
        move |(from, to, _)| async move { when_signed_in(viewer, move || insights_report(from, to)).await },
    );
    view! {
        <PageHeader title="Insights" lead="How your calls went: success, why some did not, retries, time on hold, spending and approvals."/>
        <Loading fallback=|| view! { <p class="mt-6 text-slate-500">"Counting your calls…"</p> }>
            {move || report.get().map(|found| match found {
                // A period that cannot be shown: say why, and offer the form again.
                Err(e) if e.code == ErrorCode::ValidationError => {
                    let q = query.read_untracked();
                    let (from, to) = (q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default());
                    view! { {period(from, to)} <p role="alert" class=ALERT>{e.message}</p> }.into_any()
                }
                Err(e) => load_failure(e, "see how your calls went", None),
                Ok((from, to, html)) => view! { {period(from, to)} <div id="insights-report" inner_html=html></div> }.into_any(),
            })}
        </Loading>
    }
}

/// The period form: a plain GET form, so the address carries the period and
/// the server renders it whether or not the page is hydrated.
fn period(from: String, to: String) -> impl IntoView {
    view! {
        <form method="get" action="/insights" class="mt-6 flex flex-wrap items-end gap-3" id="insights-period">
            <label class="flex flex-col text-sm">"From"<input type="date" name="from" value=from class=INPUT required/></label>
            <label class="flex flex-col text-sm">"To"<input type="date" name="to" value=to class=INPUT required/></label>
            <button type="submit" class=SECONDARY>"Show"</button>
        </form>
    }
}
