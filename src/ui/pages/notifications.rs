//! Notifications: the unread count in the header and the page that lists
//! them, each linking to the call or task it is about.

use crate::api::notifications::{MarkNotifications, list_notifications};
use crate::domain::enums::{NotificationPriority, NotificationType};
use crate::domain::notification::Notification;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::components::page_header::PageHeader;
use crate::ui::components::unread::{NotificationsVersion, notification_changes};
use crate::ui::style::{ALERT, MUTED, SECONDARY};
use crate::ui::time::Time;
use crate::ui::viewer::{Viewer, when_signed_in};
use leptos::prelude::*;

/// Where a notification leads: its call, else its task.
pub fn link_of(n: &Notification) -> Option<String> {
    n.call_session_id.map(|id| format!("/calls/{id}")).or_else(|| n.call_task_id.map(|id| format!("/tasks/{id}")))
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let version = expect_context::<NotificationsVersion>();
    let page = Resource::new(notification_changes(), move |_| async move {
        when_signed_in(viewer, || list_notifications(false, Some(100))).await
    });
    let mark = ServerAction::<MarkNotifications>::new();
    Effect::new(move |_| {
        if matches!(mark.value().get(), Some(Ok(_))) {
            version.0.bump();
        }
    });
    view! {
        <PageHeader title="Notifications" lead="Updates about your calls: started, finished, or waiting for your decision."/>
        <Loading fallback=|| view! { <p class="mt-6 text-slate-500">"Loading notifications…"</p> }>
            {move || page.get().map(|found| match found {
                Err(e) => load_failure(e, "see your notifications", None),
                Ok(p) if p.notifications.is_empty() => view! {
                    <p class=format!("mt-6 {MUTED}") id="notifications-empty">"Nothing yet. You will hear here when a call starts, ends, or needs you."</p>
                }.into_any(),
                Ok(p) => view! {
                    <div class="mt-6 flex items-center justify-between">
                        <p class=MUTED>{format!("{} unread", p.unread_count)}</p>
                        <button type="button" class=SECONDARY id="mark-all-read" disabled=move || p.unread_count == 0 || mark.pending().get()
                            on:click=move |_| { mark.dispatch(MarkNotifications { id: None, is_read: true }); }>"Mark all as read"</button>
                    </div>
                    <ul class="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900" id="notification-list">
                        {p.notifications.into_iter().map(|n| view! { <Item n mark/> }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Loading>
        {move || mark.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
    }
}

#[component]
fn Item(n: Notification, mark: ServerAction<MarkNotifications>) -> impl IntoView {
    let id = n.id;
    let unread = !n.is_read;
    let urgent = n.notification_type == NotificationType::ApprovalNeeded || n.priority == NotificationPriority::High;
    let href = link_of(&n);
    let dot = if urgent { "bg-red-600" } else { "bg-indigo-600" };
    view! {
        <li class="notification flex items-start gap-3 px-4 py-3" data-read=n.is_read.to_string()>
            <span aria-hidden="true" class=format!("mt-2 h-2 w-2 shrink-0 rounded-full {}", if unread { dot } else { "bg-transparent" })></span>
            <div class="min-w-0 flex-1">
                <p class=if unread { "font-semibold" } else { "" }>
                    {match href {
                        Some(href) => view! {
                            <a href=href class="underline-offset-2 hover:underline" on:click=move |_| if unread { mark.dispatch(MarkNotifications { id: Some(id), is_read: true }); }>
                                {n.message.clone()}
                            </a>
                        }.into_any(),
                        None => n.message.clone().into_any(),
                    }}
                    {unread.then(|| view! { <span class="sr-only">" (unread)"</span> })}
                </p>
                <p class="text-xs text-slate-600 dark:text-slate-300"><Time at=n.created_at/></p>
            </div>
            <button type="button" class="rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300 dark:hover:bg-slate-800"
                on:click=move |_| { mark.dispatch(MarkNotifications { id: Some(id), is_read: unread }); }>
                {if unread { "Mark read" } else { "Mark unread" }}
            </button>
        </li>
    }
}
