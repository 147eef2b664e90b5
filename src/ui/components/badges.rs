//! Task and call statuses as badges (text and colour, never colour alone).

use crate::domain::enums::{SessionStatus, TaskStatus};
use leptos::prelude::*;

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
    view! { <span class=format!("status-badge inline-flex rounded-full px-2.5 py-0.5 text-xs font-semibold {colour}") data-status=status.as_str()>{label}</span> }
}

/// A call attempt's status as a badge.
#[component]
pub fn SessionBadge(status: SessionStatus) -> impl IntoView {
    let (label, colour) = match status {
        SessionStatus::Initiated => ("Dialling", "bg-slate-100 text-slate-800 dark:bg-slate-800 dark:text-slate-100"),
        SessionStatus::Ringing => ("Ringing", "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100"),
        SessionStatus::Connected => ("On the call", "bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100"),
        SessionStatus::Completed => ("Call ended", "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"),
        SessionStatus::Failed => ("Call failed", "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100"),
        SessionStatus::Cancelled => ("Cancelled", "bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200"),
    };
    view! { <span class=format!("inline-flex rounded-full px-2.5 py-0.5 text-xs font-semibold {colour}") data-status=status.as_str()>{label}</span> }
}
