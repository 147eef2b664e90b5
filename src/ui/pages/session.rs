//! One call as it happens and afterwards: metadata, the live transcript,
//! the approval card when the assistant waits for the user, then the
//! summary and the extracted facts.

use crate::api::calls::{DecideApproval, get_session};
use crate::domain::enums::{DataType, Sentiment, SessionStatus, Speaker};
use crate::domain::events::ServerEvent;
use crate::domain::session::{Approval, ExtractedData, Segment, SessionDetail, Transcript};
use crate::ui::browser;
use crate::ui::components::badges::SessionBadge;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::live::{self, Live, Refresh};
use crate::ui::route::{id_param, record_for_id};
use crate::ui::style::{ALERT, BUTTON, CARD, DANGER, LINK, MUTED, SECONDARY};
use crate::ui::time::{Time, duration, offset};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

fn is_live(status: SessionStatus) -> bool {
    matches!(status, SessionStatus::Initiated | SessionStatus::Ringing | SessionStatus::Connected)
}

/// The stored segments plus those heard live since, once each, in order.
pub fn merge_segments(stored: &[Segment], heard: &[Segment]) -> Vec<Segment> {
    let mut all: Vec<Segment> = stored.to_vec();
    for s in heard {
        if !all.iter().any(|x| x.id == s.id) {
            all.push(s.clone());
        }
    }
    all.sort_by_key(|s| s.timestamp_ms);
    all
}

#[component]
pub fn SessionPage() -> impl IntoView {
    let id = id_param();
    let heard = RwSignal::new(Vec::<Segment>::new());
    let refresh = live::refresh_on(move |event| match event {
        ServerEvent::SessionStatus { call_session_id, .. }
        | ServerEvent::ApprovalRequested { call_session_id, .. }
        | ServerEvent::ApprovalResolved { call_session_id, .. }
        | ServerEvent::CallProcessed { call_session_id, .. } => Some(*call_session_id) == id.get_untracked(),
        _ => false,
    });
    live::on_event(move |event| {
        if let ServerEvent::SegmentAppended { call_session_id, segment_id, speaker, content, timestamp_ms, .. } = event
            && Some(*call_session_id) == id.get_untracked()
        {
            let segment = Segment {
                id: *segment_id,
                speaker: *speaker,
                content: content.clone(),
                timestamp_ms: *timestamp_ms,
                confidence: None,
            };
            heard.update(|h| h.push(segment));
        }
    });
    let detail = record_for_id(id, refresh, "Call session", get_session);
    view! {
        <Loading fallback=|| view! { <p class="text-slate-500">"Loading the call…"</p> }>
            {
                // Rebuilt only when the call itself changed (not after a refetch that found it as it was).
                let shown = Memo::new(move |_| detail.get());
                move || shown.get().map(|found| match found {
                    Err(e) => load_failure(e, "follow this call", Some(("Call not found", "It may have been deleted with its task, or it belongs to another account."))),
                    Ok(d) => view! { <SessionView detail=d heard refresh/> }.into_any(),
                })
            }
        </Loading>
    }
}

#[component]
fn SessionView(detail: SessionDetail, heard: RwSignal<Vec<Segment>>, refresh: Refresh) -> impl IntoView {
    let s = detail.session.clone();
    let live_now = is_live(s.status);
    let stored = detail.segments.clone();
    let segments = Memo::new(move |_| merge_segments(&stored, &heard.read()));
    // The transcript record exists from the start; its summary only after processing.
    let summary = detail.transcript.clone().filter(|t| t.ai_summary.is_some());
    let processing = s.status == SessionStatus::Completed && summary.is_none();
    let title = detail.task_title.clone();
    view! {
        <leptos_meta::Title text=format!("Call: {}", detail.task_title.clone())/>
        <nav aria-label="Breadcrumb" class=MUTED>
            <a href="/tasks" class=LINK>"Tasks"</a> " / "
            <a href=format!("/tasks/{}", s.call_task_id) class=LINK>{title.clone()}</a> " / call"
        </nav>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">{detail.task_title.clone()}</h1>
            <span id="session-status"><SessionBadge status=s.status/></span>
            {live_now.then(|| view! { <LiveIndicator/> })}
        </div>
        <Metadata detail=detail.clone()/>
        {detail.approval.clone().map(|a| view! { <ApprovalCard approval=a session_id=s.id refresh/> })}
        <section class=format!("mt-6 {CARD}") aria-labelledby="transcript-title">
            <h2 id="transcript-title" class="text-lg font-semibold">"Transcript"</h2>
            <TranscriptLog segments live_now/>
        </section>
        {processing.then(|| view! { <p class=format!("mt-6 {MUTED}") id="processing">"The call has ended; writing the summary…"</p> })}
        {summary.map(|t| view! { <SummaryCard transcript=t/> })}
        {(!detail.extracted_data.is_empty()).then(|| view! { <Facts items=detail.extracted_data.clone()/> })}
    }
}

#[component]
fn LiveIndicator() -> impl IntoView {
    let live = expect_context::<Live>();
    view! {
        <span class="inline-flex items-center gap-1.5 text-sm font-medium text-emerald-800 dark:text-emerald-300" id="live-indicator">
            <span aria-hidden="true" class="h-2 w-2 animate-pulse rounded-full bg-emerald-500"></span>
            {move || if live.connected.get() { "Live" } else { "Connecting…" }}
        </span>
    }
}

#[component]
fn Metadata(detail: SessionDetail) -> impl IntoView {
    let s = detail.session;
    let term = "text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
    view! {
        <dl class=format!("mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4 {CARD}")>
            <div><dt class=term>"Number called"</dt><dd>{s.phone_number_called.clone().unwrap_or_else(|| "—".into())}</dd></div>
            <div><dt class=term>"Started"</dt><dd><Time at=s.started_at/></dd></div>
            <div><dt class=term>"Ended"</dt><dd>{match s.ended_at { Some(at) => view! { <Time at/> }.into_any(), None => "Not yet".into_any() }}</dd></div>
            <div><dt class=term>"Duration"</dt><dd>{s.duration_seconds.map(|d| duration(d.into())).unwrap_or_else(|| "—".into())}</dd></div>
            {s.failure_reason.map(|r| view! {
                <div class="sm:col-span-2 lg:col-span-4"><dt class=term>"Why it failed"</dt><dd id="failure-reason">{r.as_str()}</dd></div>
            })}
            {(s.retry_count > 0).then(|| view! { <div><dt class=term>"Attempt"</dt><dd>{s.retry_count + 1}</dd></div> })}
            <div class="sm:col-span-2 lg:col-span-4"><dt class=term>"Cost"</dt><dd id="call-cost">{s.cost_text.clone()}</dd></div>
            {s.recording_url.map(|src| view! {
                <div class="sm:col-span-2 lg:col-span-4"><dt class=term>"Recording"</dt>
                    <dd><audio id="call-recording" controls preload="none" src=src class="mt-1 w-full">"Your browser cannot play the recording."</audio></dd></div>
            })}
        </dl>
    }
}

/// Seconds left until `deadline`, never negative.
pub fn seconds_left(deadline: DateTime<Utc>, now_ms: i64) -> i64 {
    ((deadline.timestamp_millis() - now_ms).max(0) + 999) / 1000
}

#[component]
fn ApprovalCard(approval: Approval, session_id: Uuid, refresh: Refresh) -> impl IntoView {
    let decide = ServerAction::<DecideApproval>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = decide.value().get() {
            refresh.bump();
        }
    });
    let amount = crate::domain::money::display(approval.amount, &approval.currency);
    let limit = crate::domain::money::display(approval.limit, &approval.currency);
    let now = RwSignal::new(browser::now_ms());
    browser::every(std::time::Duration::from_millis(500), move || now.set(browser::now_ms()));
    let expires = approval.expires_at;
    let left = move || seconds_left(expires, now.get());
    let pending = approval.decision.is_none() && !approval.timed_out;
    let outcome = match (approval.decision, approval.timed_out) {
        (Some(true), _) => format!("You approved {amount}."),
        (Some(false), _) => format!("You declined {amount}; the assistant said no politely."),
        (None, true) => format!("Nobody answered in time, so {amount} was not agreed to."),
        (None, false) => String::new(),
    };
    view! {
        <section id="approval" aria-labelledby="approval-title"
            class=if pending { "mt-6 rounded-xl border-2 border-amber-400 bg-amber-50 p-5 shadow-sm dark:border-amber-600 dark:bg-amber-950" } else { "mt-6 rounded-xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900" }>
            <h2 id="approval-title" class="text-lg font-semibold">
                {if pending { "The business quoted more than your limit" } else { "Price approval" }}
            </h2>
            <p class="mt-2"><span class="text-2xl font-semibold" id="approval-amount">{amount.clone()}</span> " quoted; your limit is " <span class="font-semibold" id="approval-limit">{limit}</span> "."</p>
            <p class=format!("mt-1 {MUTED}")>{approval.reason.clone()}</p>
            {if pending {
                view! {
                    <p class="mt-2 text-sm font-medium" role="timer" aria-live="off" id="approval-countdown">
                        {move || match left() { 0 => "Time is up…".to_owned(), s => format!("The assistant is holding the line: {s} s left to decide.") }}
                    </p>
                    <div class="mt-4 flex flex-wrap gap-2">
                        <button type="button" class=BUTTON id="approve" disabled=move || decide.pending().get() || left() == 0
                            on:click=move |_| { decide.dispatch(DecideApproval { id: session_id, approve: true }); }>
                            {format!("Approve {amount}")}
                        </button>
                        <button type="button" class=DANGER id="reject" disabled=move || decide.pending().get() || left() == 0
                            on:click=move |_| { decide.dispatch(DecideApproval { id: session_id, approve: false }); }>
                            "Reject"
                        </button>
                    </div>
                }.into_any()
            } else {
                view! { <p class="mt-2 font-medium" id="approval-outcome">{outcome}</p> }.into_any()
            }}
            {move || decide.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
        </section>
    }
}

#[component]
fn TranscriptLog(segments: Memo<Vec<Segment>>, live_now: bool) -> impl IntoView {
    let log = NodeRef::<leptos::html::Div>::new();
    // Follows new lines while the reader is at the bottom; stops once they scroll up.
    let stick = RwSignal::new(true);
    Effect::new(move |_| {
        let _ = segments.read().len();
        if stick.get_untracked() {
            browser::scroll_to_end(log, true);
        }
    });
    let on_scroll = move |_| {
        if let Some(at_end) = browser::is_scrolled_to_end(log) {
            stick.set(at_end);
        }
    };
    let jump = move |_| {
        stick.set(true);
        browser::scroll_to_end(log, false);
    };
    view! {
        <div node_ref=log on:scroll=on_scroll id="transcript" role="log" aria-live="polite" aria-label="Call transcript" tabindex="0"
            class="mt-3 max-h-[60vh] min-h-24 space-y-3 overflow-y-auto rounded-lg bg-slate-50 p-3 dark:bg-slate-950">
            // Lines are appended in time order, so rebuilding the list in place (a line's
            // text updated where it changed, new lines added at the end) does what a keyed
            // list would here, with less code in the browser bundle.
            {move || segments.get().into_iter().map(|segment| view! { <SegmentLine segment/> }).collect_view()}
            {move || segments.read().is_empty().then(|| view! {
                <p class=MUTED>{if live_now { "Waiting for someone to speak…" } else { "Nothing was said on this call." }}</p>
            })}
        </div>
        {move || (!stick.get()).then(|| view! {
            <button type="button" class=format!("mt-2 {SECONDARY}") on:click=jump>"Jump to the latest line"</button>
        })}
    }
}

#[component]
fn SegmentLine(segment: Segment) -> impl IntoView {
    let (who, bubble) = match segment.speaker {
        Speaker::Assistant => ("Assistant", "bg-indigo-100 text-indigo-950 dark:bg-indigo-950 dark:text-indigo-50"),
        Speaker::Human => {
            ("Business", "bg-white text-slate-900 ring-1 ring-slate-200 dark:bg-slate-800 dark:text-slate-50 dark:ring-slate-700")
        }
        Speaker::System => ("System", "bg-transparent italic text-slate-600 dark:text-slate-300"),
    };
    view! {
        <div class="segment flex flex-col rounded-lg target:ring-2 target:ring-amber-400" data-speaker=segment.speaker.as_str()
            id=format!("segment-{}", segment.id)>
            <div class="text-xs text-slate-600 dark:text-slate-300">
                <span class="font-semibold">{who}</span> " · " <span>{offset(segment.timestamp_ms)}</span>
            </div>
            <p class=format!("mt-0.5 max-w-prose rounded-lg px-3 py-2 {bubble}")>{segment.content}</p>
        </div>
    }
}

#[component]
fn SummaryCard(transcript: Transcript) -> impl IntoView {
    let achieved = transcript.goal_achieved;
    let sentiment = transcript.sentiment_overall.map(|s| match s {
        Sentiment::Positive => "Positive",
        Sentiment::Neutral => "Neutral",
        Sentiment::Negative => "Negative",
    });
    let follow_ups = transcript.follow_up_tasks.clone().unwrap_or_default();
    view! {
        <section class=format!("mt-6 {CARD}") aria-labelledby="summary-title" id="summary">
            <div class="flex flex-wrap items-center gap-2">
                <h2 id="summary-title" class="text-lg font-semibold">"Summary"</h2>
                {achieved.map(|ok| view! {
                    <span id="goal-achieved" class=if ok { "rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100" } else { "rounded-full bg-red-100 px-2.5 py-0.5 text-xs font-semibold text-red-900 dark:bg-red-900 dark:text-red-100" }>
                        {if ok { "Goal achieved" } else { "Goal not achieved" }}
                    </span>
                })}
                {sentiment.map(|s| view! { <span class="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-semibold text-slate-800 dark:bg-slate-800 dark:text-slate-100">{format!("Tone: {s}")}</span> })}
            </div>
            <p class="mt-3" id="summary-text">{transcript.ai_summary.clone().unwrap_or_else(|| "No summary.".into())}</p>
            {(transcript.follow_up_required || !follow_ups.is_empty()).then(|| view! {
                <div class="mt-4">
                    <h3 class="text-sm font-semibold">"Follow-ups"</h3>
                    <ul class="mt-1 list-disc pl-5">{follow_ups.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                </div>
            })}
        </section>
    }
}

fn text_of(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

#[component]
fn Facts(items: Vec<ExtractedData>) -> impl IntoView {
    view! {
        <section class="mt-6" aria-labelledby="facts-title">
            <h2 id="facts-title" class="text-lg font-semibold">"What was agreed"</h2>
            <ul class="mt-3 grid gap-3 sm:grid-cols-2" id="facts">
                {items.into_iter().map(|item| view! { <li><Fact item/></li> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Fact(item: ExtractedData) -> impl IntoView {
    let v = &item.extracted_value;
    let (label, body): (&str, AnyView) = match item.data_type {
        DataType::Price => {
            let amount = v.get("amount").and_then(|a| a.as_f64());
            let currency = text_of(v, "currency").unwrap_or_else(|| "USD".into());
            let details = text_of(v, "details");
            (
                "Price",
                view! {
                    <p class="text-2xl font-semibold">{amount.map(|a| crate::domain::money::display(a, &currency)).unwrap_or_else(|| "—".into())}</p>
                    {details.map(|d| view! { <p class=MUTED>{d}</p> })}
                }
                .into_any(),
            )
        }
        DataType::Appointment => {
            let date = text_of(v, "date");
            let time = text_of(v, "time");
            let confirmation = text_of(v, "confirmationNumber");
            // The server writes the `.ics` (a plain link downloads it, no script needed).
            let ics = date.as_deref().filter(|d| looks_like_a_date(d)).map(|_| format!("/api/appointments/{}.ics", item.id));
            (
                "Appointment",
                view! {
                    <p class="text-xl font-semibold">{date.clone().unwrap_or_default()}{time.map(|t| format!(" at {t}"))}</p>
                    {confirmation.map(|c| view! { <p class=MUTED>{format!("Confirmation {c}")}</p> })}
                    {ics.map(|href| view! {
                        <a href=href download="appointment.ics" rel="external" class=format!("mt-3 {SECONDARY}") id="add-to-calendar">"Add to calendar (.ics)"</a>
                    })}
                }
                .into_any(),
            )
        }
        DataType::ConfirmationNumber => {
            let value = text_of(v, "value").unwrap_or_default();
            ("Confirmation number", view! { <CopyValue value/> }.into_any())
        }
        DataType::Name => {
            let role = text_of(v, "role").map(|r| format!(" ({r})"));
            ("Spoke with", view! { <p class="text-lg font-semibold">{text_of(v, "value")}{role}</p> }.into_any())
        }
        DataType::BusinessName => ("Business", view! { <p class="text-lg font-semibold">{text_of(v, "value")}</p> }.into_any()),
        DataType::Hours => ("Hours", view! { <p>{text_of(v, "text")}</p> }.into_any()),
        DataType::Instructions => ("Instructions", view! { <p>{text_of(v, "text")}</p> }.into_any()),
        DataType::Other => (
            "Other",
            view! { <p>{text_of(v, "text").or_else(|| text_of(v, "value")).unwrap_or_else(|| v.to_string())}</p> }.into_any(),
        ),
    };
    // The line it was said on (the page scrolls to it and marks it), or
    // word that no line says it: a fact to check before relying on it.
    let source = match item.segment_ids.first() {
        Some(line) => view! { <a href=format!("#segment-{line}") rel="external" class=LINK>"Where it was said"</a> }.into_any(),
        None => view! { <span class=MUTED>"Not found in the transcript"</span> }.into_any(),
    };
    view! {
        <article class=format!("h-full {CARD}") data-type=item.data_type.as_str()>
            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</h3>
            <div class="mt-1">{body}</div>
            <p class="mt-2 text-sm">
                {item.confirmed.then(|| view! { <span class="font-medium text-emerald-800 dark:text-emerald-300" data-confirmed="">"✓ Confirmed on the call · "</span> })}
                {source}
            </p>
        </article>
    }
}

/// `2026-12-01`: a day the server can write an `.ics` for.
fn looks_like_a_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[component]
fn CopyValue(value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        browser::copy_text(&text);
        copied.set(true);
    };
    view! {
        <div class="flex flex-wrap items-center gap-3">
            <p class="font-mono text-xl font-semibold" id="confirmation-value">{value}</p>
            <button type="button" class=SECONDARY on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            <span class="sr-only" aria-live="polite">{move || if copied.get() { "Copied to the clipboard" } else { "" }}</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(id: u128, at: i32) -> Segment {
        Segment { id: Uuid::from_u128(id), speaker: Speaker::Human, content: String::new(), timestamp_ms: at, confidence: None }
    }

    #[test]
    fn live_segments_join_the_stored_ones_once_and_in_order() {
        let merged = merge_segments(&[seg(1, 0), seg(2, 500)], &[seg(2, 500), seg(3, 900), seg(4, 100)]);
        let ids: Vec<u128> = merged.iter().map(|s| s.id.as_u128()).collect();
        assert_eq!(ids, [1, 4, 2, 3]);
    }

    #[test]
    fn the_countdown_rounds_up_and_stops_at_zero() {
        let deadline = DateTime::from_timestamp_millis(10_000).unwrap();
        assert_eq!(seconds_left(deadline, 0), 10);
        assert_eq!(seconds_left(deadline, 9_001), 1);
        assert_eq!(seconds_left(deadline, 10_000), 0);
        assert_eq!(seconds_left(deadline, 50_000), 0);
    }
}
