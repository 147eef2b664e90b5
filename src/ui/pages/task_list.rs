//! The task list: every call the user asked for, filtered, sorted and
//! searched through the address bar (so it works as a plain form without
//! JavaScript and every view can be bookmarked), with quick actions.

use crate::api::tasks::{DeleteTask, UpdateTask, list_tasks};
use crate::domain::enums::{Priority, TaskSort, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::task::{MAX_LIST_LIMIT, TaskListItem, TaskPatch};
use crate::domain::url::percent_encode;
use crate::ui::browser;
use crate::ui::components::badges::StatusBadge;
use crate::ui::components::call_actions::CallActions;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::components::page_header::PageHeader;
use crate::ui::live::{self, Refresh};
use crate::ui::post_form::on_submit_with_fields;
use crate::ui::style::{ALERT, CARD, DANGER, INPUT, LINK, MUTED, SECONDARY, words};
use crate::ui::time::Time;
use crate::ui::viewer::{AuthVersion, Viewer, when_signed_in};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The list's filters as they stand in the address bar.
#[derive(Debug, Clone, PartialEq, Default)]
struct Filters {
    status: Option<TaskStatus>,
    priority: Option<Priority>,
    sort: TaskSort,
    q: String,
    cursor: Option<String>,
    /// Tasks per page; `None` for the default.
    limit: Option<u32>,
}

impl Filters {
    /// The filters a query names (the address bar's, or a submitted filter
    /// form's); what is missing or unreadable is left at its default.
    fn read(get: impl Fn(&str) -> Option<String>) -> Filters {
        Filters {
            status: get("status").and_then(|s| s.parse().ok()),
            priority: get("priority").and_then(|s| s.parse().ok()),
            sort: get("sort").and_then(|s| s.parse().ok()).unwrap_or_default(),
            q: get("q").unwrap_or_default(),
            cursor: get("cursor").filter(|c| !c.is_empty()),
            limit: get("limit").and_then(|l| l.parse().ok()).filter(|l| (1..=MAX_LIST_LIMIT).contains(l)),
        }
    }
}

/// Tasks per page unless the address asks for another number (1 to 100).
const PAGE_SIZE: u32 = 20;

#[component]
pub fn TasksPage() -> impl IntoView {
    let auth = expect_context::<AuthVersion>();
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.read();
        Filters::read(|name| q.get(name))
    });
    let refresh = live::refresh_on(|e| matches!(e, ServerEvent::TaskStatus { .. } | ServerEvent::TaskDeleted { .. }));
    let viewer = expect_context::<Viewer>();
    let tasks = Resource::new(
        move || (filters.get(), auth.0.get(), refresh.track()),
        move |(f, _, _)| {
            let q = (!f.q.trim().is_empty()).then(|| f.q.trim().to_owned());
            when_signed_in(viewer, move || {
                list_tasks(f.status, f.priority, q, Some(f.limit.unwrap_or(PAGE_SIZE)), f.cursor, Some(f.sort))
            })
        },
    );
    let calls = CallActions::for_page();
    view! {
        <PageHeader title="Tasks" lead="Every call you have asked for, with its status and results."/>
        <FilterBar filters/>
        <Loading fallback=|| view! { <p class="mt-6 text-slate-500">"Loading your tasks…"</p> }>
            {move || tasks.get().map(|page| match page {
                Err(e) => load_failure(e, "see your tasks", None),
                Ok(page) if page.tasks.is_empty() => {
                    let f = filters.get_untracked();
                    let filtered = f.status.is_some() || f.priority.is_some() || !f.q.is_empty();
                    view! { <Empty filtered/> }.into_any()
                }
                Ok(page) => {
                    let next = page.next_cursor.map(|cursor| {
                        let f = filters.get_untracked();
                        page_href(&Filters { cursor: Some(cursor), ..f })
                    });
                    let first = filters.get_untracked().cursor.is_some().then(|| page_href(&Filters { cursor: None, ..filters.get_untracked() }));
                    view! {
                        <ul class="mt-6 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" id="task-list">
                            {page.tasks.into_iter().map(|task| view! { <TaskRow task refresh calls/> }).collect_view()}
                        </ul>
                        <nav aria-label="Pages" class="mt-4 flex justify-between">
                            {first.map(|href| view! { <a href=href class=LINK>"← First page"</a> })}
                            <span></span>
                            {next.map(|href| view! { <a href=href class=LINK id="next-page">"More tasks →"</a> })}
                        </nav>
                    }.into_any()
                }
            })}
        </Loading>
    }
}

/// The address of the list with these filters.
fn page_href(f: &Filters) -> String {
    let mut parts = Vec::new();
    if let Some(s) = f.status {
        parts.push(format!("status={s}"));
    }
    if let Some(p) = f.priority {
        parts.push(format!("priority={p}"));
    }
    if f.sort != TaskSort::Newest {
        parts.push(format!("sort={}", f.sort));
    }
    if !f.q.is_empty() {
        // A form's query: spaces as `+`.
        parts.push(format!("q={}", percent_encode(&f.q, " ").replace(' ', "+")));
    }
    if let Some(l) = f.limit {
        parts.push(format!("limit={l}"));
    }
    if let Some(c) = &f.cursor {
        parts.push(format!("cursor={c}"));
    }
    if parts.is_empty() { "/tasks".to_owned() } else { format!("/tasks?{}", parts.join("&")) }
}

/// A GET form: the filters go to the address bar, with or without script
/// (hydrated, the page navigates in place, and changing a select applies
/// it at once).
#[component]
fn FilterBar(filters: Memo<Filters>) -> impl IntoView {
    let f = filters.get_untracked();
    let navigate = leptos_router::hooks::use_navigate();
    let apply = on_submit_with_fields(move |field| navigate(&page_href(&Filters::read(field)), Default::default()));
    let label = "block text-xs font-medium uppercase tracking-wide text-slate-600 dark:text-slate-300";
    let submit_on_change = browser::submit_enclosing_form;
    view! {
        <form method="get" action="/tasks" on:submit=apply class=format!("mt-6 grid grid-cols-2 gap-3 sm:grid-cols-5 {CARD}") id="task-filters" role="search">
            <div class="col-span-2">
                <label class=label for="filter-q">"Search titles"</label>
                <input id="filter-q" name="q" type="search" class=INPUT value=f.q.clone() placeholder="dentist"/>
            </div>
            <div>
                <label class=label for="filter-status">"Status"</label>
                <select id="filter-status" name="status" class=INPUT on:change=submit_on_change>
                    <option value="" selected=f.status.is_none()>"Any"</option>
                    {TaskStatus::ALL.iter().filter(|s| **s != TaskStatus::Preparing).map(|s| view! {
                        <option value=s.as_str() selected=f.status == Some(*s)>{words(s.as_str())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label class=label for="filter-priority">"Priority"</label>
                <select id="filter-priority" name="priority" class=INPUT on:change=submit_on_change>
                    <option value="" selected=f.priority.is_none()>"Any"</option>
                    {Priority::ALL.iter().map(|p| view! {
                        <option value=p.as_str() selected=f.priority == Some(*p)>{words(p.as_str())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label class=label for="filter-sort">"Order"</label>
                <select id="filter-sort" name="sort" class=INPUT on:change=submit_on_change>
                    <option value="newest" selected=f.sort == TaskSort::Newest>"Newest first"</option>
                    <option value="oldest" selected=f.sort == TaskSort::Oldest>"Oldest first"</option>
                    <option value="priority" selected=f.sort == TaskSort::Priority>"Most urgent first"</option>
                </select>
            </div>
            {f.limit.map(|l| view! { <input type="hidden" name="limit" value=l.to_string()/> })}
            <div class="col-span-2 flex flex-wrap items-center gap-2 sm:col-span-5">
                <button type="submit" class=SECONDARY>"Apply"</button>
                <a href="/tasks" class=format!("{SECONDARY}")>"Clear"</a>
                // The same words in what the calls said: a page the server renders.
                <a id="search-calls" rel="external" class=format!("ml-auto text-sm {LINK}")
                    href=move || filters.with(|f| format!("/search?q={}", percent_encode(f.q.trim(), " ").replace(' ', "+")))>
                    "Search what your calls said"
                </a>
            </div>
        </form>
    }
}

#[component]
fn Empty(filtered: bool) -> impl IntoView {
    view! {
        <div class="mt-8 rounded-xl border border-dashed border-slate-300 p-8 text-center dark:border-slate-700" id="tasks-empty">
            {if filtered {
                view! {
                    <p class="font-medium">"No tasks match these filters."</p>
                    <a href="/tasks" class=format!("mt-4 inline-block {LINK}")>"Show all tasks"</a>
                }.into_any()
            } else {
                view! {
                    <p class="font-medium">"No calls yet."</p>
                    <p class=format!("mt-2 {MUTED}")>
                        "Try: “Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250.”"
                    </p>
                    <a href="/" class=format!("mt-4 inline-block {LINK}")>"Describe a call"</a>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn TaskRow(task: TaskListItem, refresh: Refresh, calls: CallActions) -> impl IntoView {
    let id = task.id;
    let status = task.status;
    let cancel = ServerAction::<UpdateTask>::new();
    let delete = ServerAction::<DeleteTask>::new();
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(cancel.value().get(), Some(Ok(_))) || matches!(delete.value().get(), Some(Ok(_))) {
            refresh.bump();
        }
    });
    let busy = move || calls.pending() || cancel.pending().get() || delete.pending().get();
    // A failed start shows on the row it was started from.
    let mine = RwSignal::new(false);
    let error = move || {
        mine.get()
            .then(|| calls.error())
            .flatten()
            .or_else(|| cancel.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    };
    let small = "px-2 py-1 text-xs";
    let title = task.title.clone();
    let actions_label = format!("Actions for {title}");
    view! {
        <li class="task-row px-4 py-3" data-task-id=id.to_string()>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div class="min-w-0">
                    <a href=format!("/tasks/{id}") class="font-medium text-slate-900 underline-offset-2 hover:underline dark:text-slate-100">{title}</a>
                    <p class="text-xs text-slate-600 dark:text-slate-300">
                        {words(task.priority.as_str())} " priority · " <Time at=task.created_at/>
                        {task.scheduled_for.map(|at| view! { " · scheduled " <Time at/> })}
                    </p>
                </div>
                <StatusBadge status/>
            </div>
            <div class="mt-2 flex flex-wrap gap-2" role="group" aria-label=actions_label>
                {matches!(status, TaskStatus::ReadyToCall | TaskStatus::Failed).then(|| view! {
                    <button type="button" class=format!("{SECONDARY} {small}") disabled=busy on:click=move |_| { mine.set(true); calls.start(id); }>"Start call"</button>
                })}
                {(!matches!(status, TaskStatus::Cancelled | TaskStatus::InProgress)).then(|| view! {
                    <button type="button" class=format!("{SECONDARY} {small}") disabled=busy on:click=move |_| { mine.set(true); calls.rehearse(id); }>"Rehearse"</button>
                })}
                {status.is_open().then(|| view! {
                    <button type="button" class=format!("{SECONDARY} {small}") disabled=busy on:click=move |_| {
                        cancel.dispatch(UpdateTask { id, patch: TaskPatch::cancel() });
                    }>"Cancel"</button>
                })}
                {move || if confirming.get() { view! {
                    <span class="inline-flex items-center gap-2 text-xs" role="alertdialog" aria-label="Confirm deletion">
                        "Delete for good?"
                        <button type="button" class=format!("{DANGER} {small} confirm-delete") disabled=busy on:click=move |_| { delete.dispatch(DeleteTask { id, purge: true }); }>"Yes, delete"</button>
                        <button type="button" class=format!("{SECONDARY} {small}") on:click=move |_| confirming.set(false)>"Keep"</button>
                    </span>
                }.into_any() } else { view! {
                    <button type="button" class=format!("{DANGER} {small}") on:click=move |_| confirming.set(true)>"Delete"</button>
                }.into_any() }}
            </div>
            {move || error().map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_address() {
        assert_eq!(page_href(&Filters::default()), "/tasks");
        let f = Filters {
            status: Some(TaskStatus::Failed),
            priority: Some(Priority::High),
            sort: TaskSort::Priority,
            q: "dentist & co".into(),
            cursor: Some("abc".into()),
            limit: Some(50),
        };
        assert_eq!(page_href(&f), "/tasks?status=failed&priority=high&sort=priority&q=dentist+%26+co&limit=50&cursor=abc");
    }
}
