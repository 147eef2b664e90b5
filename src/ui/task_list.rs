//! The task list: every call the user asked for, newest first, with status.

use super::auth::AuthVersion;
use super::layout::PageHeader;
use crate::domain::enums::TaskStatus;
use crate::domain::error::ErrorCode;
use leptos::prelude::*;
use leptos_router::components::A;

/// A status as a coloured badge (text and colour, never colour alone).
#[component]
pub fn StatusBadge(status: TaskStatus) -> impl IntoView {
    let (label, colour) = match status {
        TaskStatus::Pending | TaskStatus::Preparing => {
            ("Planning", "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-100")
        }
        TaskStatus::WaitingForUser => ("Needs details", "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100"),
        TaskStatus::ReadyToCall => ("Ready to call", "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100"),
        TaskStatus::InProgress => ("Calling", "bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100"),
        TaskStatus::Completed => ("Done", "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"),
        TaskStatus::Failed => ("Failed", "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100"),
        TaskStatus::Cancelled => ("Cancelled", "bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200"),
    };
    view! { <span class=format!("inline-flex rounded-full px-2.5 py-0.5 text-xs font-semibold {colour}")>{label}</span> }
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let auth = expect_context::<AuthVersion>();
    let tasks = Resource::new(move || auth.0.get(), |_| crate::api::tasks::list_tasks(None, None, None, Some(50), None));
    view! {
        <PageHeader title="Tasks" lead="Every call you have asked for, with its status and results."/>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading your tasks…"</p> }>
            {move || tasks.get().map(|page| match page {
                Err(e) if e.code == ErrorCode::Unauthorized => view! {
                    <p class="mt-6">"Sign in to see your tasks. " <A href="/signin" attr:class="font-medium text-indigo-700 underline dark:text-indigo-300">"Sign in"</A></p>
                }.into_any(),
                Err(e) => view! { <p role="alert" class="mt-6 text-red-700 dark:text-red-300">{e.message}</p> }.into_any(),
                Ok(page) if page.tasks.is_empty() => view! {
                    <div class="mt-8 rounded-xl border border-dashed border-slate-300 p-8 text-center dark:border-slate-700">
                        <p class="font-medium">"No calls yet."</p>
                        <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                            "Try: “Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250.”"
                        </p>
                        <A href="/" attr:class="mt-4 inline-block font-medium text-indigo-700 underline dark:text-indigo-300">"Describe a call"</A>
                    </div>
                }.into_any(),
                Ok(page) => view! {
                    <ul class="mt-6 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" id="task-list">
                        {page.tasks.into_iter().map(|t| view! {
                            <li class="flex flex-wrap items-center justify-between gap-2 px-4 py-3">
                                <span class="font-medium">{t.title.clone()}</span>
                                <StatusBadge status=t.status/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Transition>
    }
}
