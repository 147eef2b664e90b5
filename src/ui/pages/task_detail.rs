//! One call task: what was asked, the plan, what is still missing (the
//! clarification flow), the controls, and every call made for it.

use crate::api::tasks::{DeleteTask, UpdateTask, get_task};
use crate::domain::enums::{Priority, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::plan::AiPlan;
use crate::domain::task::{CallSessionSummary, CallTask, TaskPatch, still_missing};
use crate::ui::components::badges::{SessionBadge, StatusBadge};
use crate::ui::components::call_actions::CallActions;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::live::{self, Refresh};
use crate::ui::route::{id_param, record_for_id};
use crate::ui::style::{ALERT, BUTTON, CARD, DANGER, INPUT, LINK, MUTED, SECONDARY, words};
use crate::ui::time::{Time, duration, from_local_input, to_local_input};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::{Map, Value};
use std::collections::HashMap;

#[component]
pub fn TaskDetailPage() -> impl IntoView {
    let id = id_param();
    let calls = CallActions::for_page();
    let delete = ServerAction::<DeleteTask>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = delete.value().get() {
            navigate("/tasks", Default::default());
        }
    });
    let refresh = live::refresh_on(move |event| match event {
        ServerEvent::TaskStatus { call_task_id, .. }
        | ServerEvent::TaskDeleted { call_task_id }
        | ServerEvent::SessionStatus { call_task_id, .. }
        | ServerEvent::CallProcessed { call_task_id, .. } => Some(*call_task_id) == id.get_untracked(),
        _ => false,
    });
    let drafts = Drafts::default();
    let task = record_for_id(id, refresh, "Call task", get_task);
    view! {
        <Loading fallback=|| view! { <p class="text-slate-500">"Loading the task…"</p> }>
            {
                // Rebuilt only when the task itself changed: a refetch after a
                // reconnect or an event that left it as it was changes nothing.
                let shown = Memo::new(move |_| task.get());
                move || shown.get().map(|found| match found {
                    Err(e) => load_failure(e, "see this task", Some(("Task not found", "It may have been deleted, or it belongs to another account."))),
                    Ok((task, sessions, cost)) => view! { <TaskView task sessions cost refresh calls delete drafts/> }.into_any(),
                })
            }
        </Loading>
    }
}

#[component]
fn TaskView(
    task: CallTask,
    sessions: Vec<CallSessionSummary>,
    cost: String,
    refresh: Refresh,
    calls: CallActions,
    delete: ServerAction<DeleteTask>,
    drafts: Drafts,
) -> impl IntoView {
    let clarifications = task.user_clarifications.clone().unwrap_or_default();
    let missing = task
        .ai_plan
        .as_ref()
        .map(|plan| still_missing(plan, task.target_phone_number.is_some(), &clarifications))
        .unwrap_or_default();
    let needs_details = !missing.is_empty() && task.status.is_open();
    view! {
        <leptos_meta::Title text=task.title.clone()/>
        <nav aria-label="Breadcrumb" class=MUTED><a href="/tasks" class=LINK>"Tasks"</a> " / this task"</nav>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">{task.title.clone()}</h1>
            <StatusBadge status=task.status/>
        </div>
        <p class="mt-2 max-w-3xl text-slate-700 dark:text-slate-200">"“" {task.raw_instruction.clone()} "”"</p>
        <Overview task=task.clone() cost/>
        {needs_details.then(|| view! { <Clarify task=task.clone() missing=missing.clone() refresh drafts/> })}
        <Controls task=task.clone() ready=!needs_details refresh calls delete/>
        {task.ai_plan.clone().map(|plan| view! { <PlanCard plan/> })}
        <History sessions/>
    }
}

#[component]
fn Overview(task: CallTask, cost: String) -> impl IntoView {
    let row = "flex flex-col gap-0.5";
    let term = "text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
    view! {
        <dl class=format!("mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4 {CARD}")>
            <div class=row><dt class=term>"Priority"</dt><dd>{words(task.priority.as_str())}</dd></div>
            <div class=row><dt class=term>"Phone number"</dt><dd>{task.target_phone_number.clone().unwrap_or_else(|| "Not known yet".into())}</dd></div>
            <div class=row><dt class=term>"Created"</dt><dd><Time at=task.created_at/></dd></div>
            <div class=row><dt class=term>"Updated"</dt><dd><Time at=task.updated_at/></dd></div>
            <div class=format!("{row} sm:col-span-2 lg:col-span-4")><dt class=term>"Cost so far"</dt><dd id="task-cost">{cost}</dd></div>
            {task.scheduled_for.map(|at| view! {
                <div class=row><dt class=term>"Scheduled for"</dt><dd><Time at/></dd></div>
            })}
        </dl>
    }
}

/// What a missing item is called, and how to hint at it.
fn label_for(plan: Option<&AiPlan>, key: &str) -> (String, Option<String>) {
    match plan.and_then(|p| p.missing_info_details.iter().find(|m| m.key == key)) {
        Some(m) => (m.label.clone(), m.hint.clone()),
        None if key == "target_phone_number" => ("Phone number to call".into(), Some("For example (415) 555-0100".into())),
        None => (words(key), None),
    }
}

/// What the reader has typed into the clarification fields, kept by the
/// page: a live update that rebuilds the form must not lose it.
#[derive(Clone, Copy)]
struct Drafts(StoredValue<HashMap<String, ArcRwSignal<String>>>);

impl Default for Drafts {
    fn default() -> Self {
        Drafts(StoredValue::new(HashMap::new()))
    }
}

impl Drafts {
    /// The text typed for `key` so far (empty at first).
    fn field(self, key: &str) -> ArcRwSignal<String> {
        self.0
            .try_update_value(|all| all.entry(key.to_owned()).or_insert_with(|| ArcRwSignal::new(String::new())).clone())
            .unwrap_or_else(|| ArcRwSignal::new(String::new()))
    }

    /// Forgets everything typed (once it is saved).
    fn clear(self) {
        self.0.update_value(|all| all.clear());
    }
}

/// Seed flow 2: every missing item is a labelled field; once all are
/// filled the task is ready to call.
#[component]
fn Clarify(task: CallTask, missing: Vec<String>, refresh: Refresh, drafts: Drafts) -> impl IntoView {
    let update = ServerAction::<UpdateTask>::new();
    let values: Vec<(String, ArcRwSignal<String>)> = missing.iter().map(|k| (k.clone(), drafts.field(k))).collect();
    let id = task.id;
    let fields = values.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut patch = TaskPatch::default();
        let mut answers = Map::new();
        for (key, value) in &fields {
            let text = value.get_untracked().trim().to_owned();
            if text.is_empty() {
                continue;
            }
            if key == "target_phone_number" {
                patch.target_phone_number = Some(Some(text));
            } else {
                answers.insert(key.clone(), Value::String(text));
            }
        }
        if !answers.is_empty() {
            patch.user_clarifications = Some(answers);
        }
        update.dispatch(UpdateTask { id, patch });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            drafts.clear();
            refresh.bump();
        }
    });
    let error = move || update.value().get().and_then(Result::err);
    let plan = task.ai_plan.clone();
    view! {
        <section class=format!("mt-6 border-amber-300 dark:border-amber-700 {CARD}") aria-labelledby="clarify-title" id="clarify">
            <h2 id="clarify-title" class="text-lg font-semibold">"Callwright needs a few details before calling"</h2>
            <p class=MUTED>"Answer what you can; the task is ready to call once everything is filled in."</p>
            <form on:submit=submit class="mt-4 grid gap-4 sm:grid-cols-2" novalidate>
                {values.into_iter().map(|(key, value)| {
                    let (label, hint) = label_for(plan.as_ref(), &key);
                    let input_id = format!("clarify-{key}");
                    let hint_id = format!("{input_id}-hint");
                    let key_for_error = key.clone();
                    let invalid = move || error().and_then(|e| e.field).is_some_and(|f| f == key_for_error);
                    let kind = if key == "target_phone_number" { "tel" } else { "text" };
                    let shown = value.clone();
                    view! {
                        <div>
                            <label class="block text-sm font-medium" for=input_id.clone()>{label}</label>
                            <input id=input_id class=INPUT type=kind name=key.clone() maxlength="500"
                                aria-describedby=hint.is_some().then(|| hint_id.clone())
                                aria-invalid=move || invalid().to_string()
                                prop:value=move || shown.get()
                                on:input=move |ev| value.set(event_target_value(&ev))/>
                            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500 dark:text-slate-400">{h}</p> })}
                        </div>
                    }
                }).collect_view()}
                <div class="sm:col-span-2">
                    <button type="submit" class=BUTTON disabled=move || update.pending().get()>
                        {move || if update.pending().get() { "Saving…" } else { "Save details" }}
                    </button>
                </div>
            </form>
            {move || error().map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
        </section>
    }
}

#[component]
fn Controls(
    task: CallTask,
    ready: bool,
    refresh: Refresh,
    calls: CallActions,
    delete: ServerAction<DeleteTask>,
) -> impl IntoView {
    let id = task.id;
    let status = task.status;
    let update = ServerAction::<UpdateTask>::new();
    let confirming = RwSignal::new(false);
    let editing = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            editing.set(false);
            refresh.bump();
        }
    });
    let busy = move || calls.pending() || update.pending().get() || delete.pending().get();
    let error = move || {
        calls
            .error()
            .or_else(|| update.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    };
    let can_call = ready && matches!(status, TaskStatus::ReadyToCall | TaskStatus::Failed | TaskStatus::Completed);
    let can_rehearse = !matches!(status, TaskStatus::Cancelled | TaskStatus::InProgress);
    let call_label = if matches!(status, TaskStatus::Failed | TaskStatus::Completed) { "Call again" } else { "Start call" };
    view! {
        <section class=format!("mt-6 {CARD}") aria-label="Actions">
            <div class="flex flex-wrap gap-2">
                {can_call.then(|| view! {
                    <button type="button" class=BUTTON id="start-call" disabled=busy on:click=move |_| calls.start(id)>
                        {move || if calls.calling() { "Calling…" } else { call_label }}
                    </button>
                })}
                {can_rehearse.then(|| view! {
                    <button type="button" class=SECONDARY id="rehearse-call" disabled=busy
                        title="Practise the call on the built-in sandbox: nobody real is called"
                        on:click=move |_| calls.rehearse(id)>
                        "Rehearse in sandbox"
                    </button>
                })}
                {status.is_open().then(|| view! {
                    <button type="button" class=SECONDARY aria-expanded=move || editing.get().to_string() aria-controls="edit-task"
                        on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                })}
                {(status.is_open()).then(|| view! {
                    <button type="button" class=SECONDARY id="cancel-task" disabled=busy on:click=move |_| {
                        update.dispatch(UpdateTask { id, patch: TaskPatch::cancel() });
                    }>"Cancel task"</button>
                })}
                <button type="button" class=DANGER aria-expanded=move || confirming.get().to_string() aria-controls="confirm-delete"
                    on:click=move |_| confirming.set(true)>"Delete"</button>
            </div>
            {(!ready && status.is_open()).then(|| view! { <p class=format!("mt-3 {MUTED}")>"Fill in the details above to call."</p> })}
            {move || confirming.get().then(|| view! {
                <div id="confirm-delete" role="alertdialog" aria-labelledby="confirm-delete-text" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 dark:border-red-900 dark:bg-red-950">
                    <p id="confirm-delete-text" class="text-sm text-red-900 dark:text-red-100">"Delete this task, its calls, transcripts and results for good?"</p>
                    <div class="mt-2 flex gap-2">
                        <button type="button" class=DANGER id="confirm-delete-yes" disabled=busy
                            on:click=move |_| { delete.dispatch(DeleteTask { id, purge: true }); }>"Yes, delete"</button>
                        <button type="button" class=SECONDARY on:click=move |_| confirming.set(false)>"Keep it"</button>
                    </div>
                </div>
            })}
            {move || editing.get().then(|| view! { <EditTask task=task.clone() update/> })}
            {move || error().map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
            // The budget is spent: the user decides, as with a price past the limit.
            {move || (calls.over_budget() && can_call).then(|| view! {
                <button type="button" class=format!("mt-3 {BUTTON}") id="call-over-budget" disabled=busy
                    on:click=move |_| calls.start_over_budget(id)>"Call anyway"</button>
            })}
        </section>
    }
}

#[component]
fn EditTask(task: CallTask, update: ServerAction<UpdateTask>) -> impl IntoView {
    let title = RwSignal::new(task.title.clone());
    let priority = RwSignal::new(task.priority);
    let phone = RwSignal::new(task.target_phone_number.clone().unwrap_or_default());
    let when = RwSignal::new(task.scheduled_for.map(to_local_input).unwrap_or_default());
    let id = task.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let phone = phone.get_untracked().trim().to_owned();
        let patch = TaskPatch {
            title: Some(title.get_untracked()),
            priority: Some(priority.get_untracked()),
            target_phone_number: Some((!phone.is_empty()).then_some(phone)),
            scheduled_for: Some(from_local_input(&when.get_untracked())),
            ..Default::default()
        };
        update.dispatch(UpdateTask { id, patch });
    };
    view! {
        <form id="edit-task" on:submit=submit class="mt-4 grid gap-4 sm:grid-cols-2">
            <div class="sm:col-span-2">
                <label class="block text-sm font-medium" for="edit-title">"Title"</label>
                <input id="edit-title" class=INPUT required maxlength="200" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            </div>
            <div>
                <label class="block text-sm font-medium" for="edit-priority">"Priority"</label>
                <select id="edit-priority" class=INPUT on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<Priority>() { priority.set(p) } }>
                    {[Priority::Low, Priority::Normal, Priority::High, Priority::Urgent].into_iter().map(|p| view! {
                        <option value=p.as_str() selected=move || priority.get() == p>{words(p.as_str())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label class="block text-sm font-medium" for="edit-phone">"Phone number"</label>
                <input id="edit-phone" class=INPUT type="tel" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
            </div>
            <div>
                <label class="block text-sm font-medium" for="edit-when">"Call at (leave empty to call when you start it)"</label>
                <input id="edit-when" class=INPUT type="datetime-local" prop:value=move || when.get() on:input=move |ev| when.set(event_target_value(&ev))/>
            </div>
            <div class="flex items-end">
                <button type="submit" class=BUTTON disabled=move || update.pending().get()>"Save changes"</button>
            </div>
        </form>
    }
}

#[component]
fn PlanCard(plan: AiPlan) -> impl IntoView {
    let heading = "text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
    let limit = plan.hard_constraints.max_price.map(|max| {
        let per = plan.hard_constraints.per.clone().map(|p| format!(" per {p}")).unwrap_or_default();
        format!(
            "Never agree to more than {}{per}",
            crate::domain::money::display(max, plan.hard_constraints.currency.as_deref().unwrap_or("USD"))
        )
    });
    let preferences: Vec<(String, String)> = plan
        .soft_preferences
        .iter()
        .map(|(k, v)| (words(k), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
        .collect();
    view! {
        <section class=format!("mt-6 {CARD}") aria-labelledby="plan-title" id="plan">
            <h2 id="plan-title" class="text-lg font-semibold">"The plan"</h2>
            <p class="mt-2">{plan.goal.clone()}</p>
            <div class="mt-4 grid gap-6 md:grid-cols-2">
                <div>
                    <h3 class=heading>"Steps"</h3>
                    <ol class="mt-2 list-decimal space-y-1 pl-5">{plan.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ol>
                </div>
                <div>
                    <h3 class=heading>"Questions to ask"</h3>
                    {if plan.questions_to_ask.is_empty() {
                        view! { <p class=format!("mt-2 {MUTED}")>"None."</p> }.into_any()
                    } else {
                        view! { <ul class="mt-2 list-disc space-y-1 pl-5">{plan.questions_to_ask.iter().map(|q| view! { <li>{q.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                </div>
                <div>
                    <h3 class=heading>"Limits"</h3>
                    <p class="mt-2" id="plan-limit">{limit.unwrap_or_else(|| "No price limit was given.".into())}</p>
                </div>
                {(!preferences.is_empty()).then(|| view! {
                    <div>
                        <h3 class=heading>"Preferences"</h3>
                        <ul class="mt-2 space-y-1">{preferences.into_iter().map(|(k, v)| view! { <li><span class="font-medium">{k}": "</span>{v}</li> }).collect_view()}</ul>
                    </div>
                })}
            </div>
        </section>
    }
}

#[component]
fn History(sessions: Vec<CallSessionSummary>) -> impl IntoView {
    view! {
        <section class="mt-6" aria-labelledby="history-title">
            <h2 id="history-title" class="text-lg font-semibold">"Calls"</h2>
            {if sessions.is_empty() {
                view! { <p class=format!("mt-2 {MUTED}")>"No calls yet. Start the call or rehearse it in the sandbox first."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" id="call-history">
                        {sessions.into_iter().map(|s| view! {
                            <li class="flex flex-wrap items-center justify-between gap-2 px-4 py-3">
                                <div class="flex flex-col">
                                    <a href=format!("/calls/{}", s.id) class=LINK><Time at=s.started_at/></a>
                                    <span class=MUTED>
                                        {s.phone_number_called.clone().unwrap_or_default()}
                                        {s.duration_seconds.map(|d| format!(" · {}", duration(d.into())))}
                                        {s.failure_reason.map(|r| format!(" · {r}"))}
                                    </span>
                                </div>
                                <SessionBadge status=s.status/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
