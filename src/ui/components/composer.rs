//! The composer: describe a call in a sentence; Callwright previews the
//! plan as you type, then plans it for real and says what it still needs.
//! Works as a plain form without JavaScript.

use crate::api::contacts::list_contacts;
use crate::api::tasks::{CreateTask, PlanPreview, PreviewPlan};
use crate::domain::enums::TaskStatus;
use crate::ui::components::badges::StatusBadge;
use crate::ui::components::feedback::Loading;
use crate::ui::debounce::Debounce;
use crate::ui::post_form::dispatch_on_submit;
use crate::ui::style::{ALERT, BUTTON, INPUT, LINK, MUTED};
use crate::ui::time::from_local_input;
use crate::ui::viewer::{AuthVersion, SignedIn, Viewer, when_signed_in};
use crate::ui::voice::VoiceButton;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Instructions shorter than this are not worth previewing yet.
const PREVIEW_MIN_CHARS: usize = 12;

#[component]
pub fn Composer() -> impl IntoView {
    let create = ServerAction::<CreateTask>::new();
    let preview = ServerAction::<PreviewPlan>::new();
    let viewer = expect_context::<Viewer>();
    let auth = expect_context::<AuthVersion>();
    let signed_in = expect_context::<SignedIn>().0;
    let text = RwSignal::new(String::new());
    let when_local = RwSignal::new(String::new());
    let typing = Debounce::for_component();
    // What the shown preview is of: the same words are not asked for again.
    let previewed = StoredValue::new(String::new());
    // The plan preview follows the text after a pause in typing.
    let schedule_preview = move || {
        typing.schedule(450, move || {
            // The page may have been left meanwhile.
            let (Some(raw), Some(true)) = (text.try_get_untracked(), signed_in.try_get_untracked()) else { return };
            let words = raw.trim().to_owned();
            // (Unless asking failed: then the same words are worth another try.)
            let failed = preview.value().try_get_untracked().flatten().is_some_and(|r| r.is_err());
            if words.chars().count() >= PREVIEW_MIN_CHARS && (failed || previewed.try_get_value().is_some_and(|p| p != words)) {
                previewed.set_value(words);
                preview.dispatch(PreviewPlan { raw_instruction: raw });
            }
        });
    };
    let dictated = Callback::new(move |words: String| {
        text.update(|t| {
            if !t.is_empty() && !t.ends_with(' ') {
                t.push(' ');
            }
            t.push_str(words.trim());
        });
        schedule_preview();
    });
    let contacts = Resource::new(
        move || auth.0.get(),
        move |_| async move { when_signed_in(viewer, || list_contacts(None)).await.unwrap_or_default() },
    );
    let label = "block text-sm font-medium";
    view! {
        <section class="mt-8 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900" aria-labelledby="composer-title">
            <h2 id="composer-title" class="text-lg font-semibold">"What should Callwright do?"</h2>
            <form method="post" action=CreateTask::url() on:submit=dispatch_on_submit(create, |field| {
                // Empty fields mean "not given"; the server function parses the rest.
                let given = |name: &str| Some(field(name)).filter(|v| !v.trim().is_empty());
                CreateTask {
                    raw_instruction: field("raw_instruction"),
                    priority: given("priority").and_then(|p| p.parse().ok()),
                    target_phone_number: given("target_phone_number"),
                    contact_id: given("contact_id"),
                    scheduled_for: given("scheduled_for"),
                    max_price: given("max_price"),
                }
            })>
                <div class="mt-2 flex items-center justify-between gap-2">
                    <label class="text-sm text-slate-600 dark:text-slate-300" for="instruction">"Describe the call: who, what for, and any limit."</label>
                    <VoiceButton on_text=dictated/>
                </div>
                <textarea id="instruction" name="raw_instruction" rows="3" required maxlength="2000" class=INPUT
                    placeholder="Call my dentist at 415-555-0199 and book a cleaning next week under $100"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        // A new instruction: the previous result gives way to the live preview.
                        if create.value().get_untracked().is_some() { create.value().set(None); }
                        schedule_preview();
                    }></textarea>
                <details class="mt-3 rounded-md border border-slate-200 px-3 py-2 dark:border-slate-700">
                    <summary class="cursor-pointer text-sm font-medium">"Optional: number, contact, price limit, time, priority"</summary>
                    <div class="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
                        <div>
                            <label class=label for="composer-phone">"Phone number"</label>
                            <input id="composer-phone" name="target_phone_number" type="tel" class=INPUT placeholder="(415) 555-0199" autocomplete="off"/>
                        </div>
                        <div>
                            <label class=label for="composer-contact">"Contact"</label>
                            <Loading fallback=|| view! { <select id="composer-contact" class=INPUT disabled><option>"Loading…"</option></select> }>
                                <select id="composer-contact" name="contact_id" class=INPUT>
                                    <option value="">"None"</option>
                                    {move || contacts.get().map(|list| list.into_iter().map(|c| {
                                        let label = match &c.company_name { Some(co) => format!("{} ({co})", c.name), None => c.name.clone() };
                                        view! { <option value=c.id.to_string()>{label}</option> }
                                    }).collect_view())}
                                </select>
                            </Loading>
                        </div>
                        <div>
                            <label class=label for="composer-max">"Price limit ($)"</label>
                            <input id="composer-max" name="max_price" type="text" inputmode="decimal" class=INPUT placeholder="100"/>
                        </div>
                        <div>
                            <label class=label for="composer-when">"Call at"</label>
                            <input id="composer-when" type="datetime-local" class=INPUT prop:value=move || when_local.get()
                                on:input=move |ev| when_local.set(event_target_value(&ev))/>
                            // The instant in UTC, computed from the reader's local time.
                            <input type="hidden" name="scheduled_for"
                                prop:value=move || from_local_input(&when_local.get()).map(|at| at.to_rfc3339()).unwrap_or_default()/>
                        </div>
                        <div>
                            <label class=label for="composer-priority">"Priority"</label>
                            <select id="composer-priority" name="priority" class=INPUT>
                                <option value="low">"Low"</option>
                                <option value="normal" selected>"Normal"</option>
                                <option value="high">"High"</option>
                                <option value="urgent">"Urgent"</option>
                            </select>
                        </div>
                    </div>
                </details>
                <button type="submit" id="plan-call" disabled=move || create.pending().get() class=format!("mt-4 {BUTTON}")>
                    {move || if create.pending().get() { "Planning…" } else { "Plan the call" }}
                </button>
            </form>
            {move || match create.value().get() {
                Some(Ok(created)) => view! { <Created task=created.task/> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class=ALERT id="composer-error">{e.message}</p> }.into_any(),
                None => view! { <Preview preview/> }.into_any(),
            }}
        </section>
    }
}

/// What the planner makes of the text so far (nothing is stored).
#[component]
fn Preview(preview: ServerAction<PreviewPlan>) -> impl IntoView {
    view! {
        <div aria-live="polite" id="plan-preview" class="mt-4">
            {move || preview.value().get().map(|found| match found {
                Ok(p) => view! { <PreviewCard p/> }.into_any(),
                Err(e) => view! { <p class="text-sm text-red-800 dark:text-red-200">{e.message}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn PreviewCard(p: PlanPreview) -> impl IntoView {
    let missing: Vec<String> = p.plan.missing_info_details.iter().map(|m| m.label.clone()).collect();
    // What the user should know before the call (card numbers left out, a language the engine cannot speak).
    let notes: Vec<String> = p.risk.concerns.iter().filter(|c| !c.blocking).map(|c| c.message.clone()).collect();
    let limit = p
        .plan
        .hard_constraints
        .max_price
        .map(|m| crate::domain::money::display(m, p.plan.hard_constraints.currency.as_deref().unwrap_or("USD")));
    if p.risk.blocked {
        let reasons: Vec<String> = p.risk.concerns.iter().filter(|c| c.blocking).map(|c| c.message.clone()).collect();
        return view! {
            <div class="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100" id="preview-blocked">
                <p class="font-semibold">"Callwright will not make this call."</p>
                <ul class="mt-1 list-disc pl-5">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="rounded-lg bg-slate-50 p-3 text-sm dark:bg-slate-800">
            <p class="text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">"Preview"</p>
            <p class="mt-1 font-medium">{p.plan.goal.clone()}</p>
            <p class=MUTED>
                {p.plan.target_phone_number.clone().map(|n| format!("Calls {n}. ")).unwrap_or_default()}
                {limit.map(|l| format!("Never above {l}. ")).unwrap_or_default()}
            </p>
            {(!missing.is_empty()).then(|| view! { <p class="mt-1">"Still needed: " {missing.join(", ")}</p> })}
            {notes.into_iter().map(|n| view! { <p class="mt-1 text-amber-800 dark:text-amber-200">{n}</p> }).collect_view()}
        </div>
    }
    .into_any()
}

/// The task just planned, and where to go next.
#[component]
fn Created(task: crate::domain::task::CallTask) -> impl IntoView {
    let missing: Vec<String> =
        task.ai_plan.as_ref().map(|p| p.missing_info_details.iter().map(|m| m.label.clone()).collect()).unwrap_or_default();
    let next = match task.status {
        TaskStatus::WaitingForUser => "Answer the questions",
        TaskStatus::ReadyToCall => "Open it to start the call",
        _ => "Open the task",
    };
    view! {
        <div class="mt-6 rounded-xl bg-slate-50 p-4 dark:bg-slate-800" id="composer-result" aria-live="polite">
            <div class="flex flex-wrap items-center gap-2">
                <span class="font-semibold">{task.title.clone()}</span>
                <StatusBadge status=task.status/>
            </div>
            {task.ai_plan.as_ref().map(|p| view! { <p class="mt-2 text-sm text-slate-700 dark:text-slate-200">{p.goal.clone()}</p> })}
            {(!missing.is_empty()).then(|| view! {
                <div class="mt-3">
                    <p class="text-sm font-medium">"Before calling, Callwright needs:"</p>
                    <ul class="mt-1 list-disc pl-5 text-sm">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })}
            <div class="mt-4 flex flex-wrap items-center gap-4">
                <a href=format!("/tasks/{}", task.id) class=BUTTON id="open-task">{next}</a>
                <a href="/tasks" class=LINK>"See all your tasks"</a>
            </div>
        </div>
    }
}
