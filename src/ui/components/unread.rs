//! The unread-notification count beside the navigation link, and what the
//! notification views refetch on.

use crate::api::notifications::list_notifications;
use crate::domain::events::ServerEvent;
use crate::ui::components::feedback::Loading;
use crate::ui::live::{self, Refresh};
use crate::ui::viewer::{AuthVersion, Viewer, when_signed_in};
use leptos::prelude::*;

/// Bumped when notifications are read, so the header's count follows.
#[derive(Clone, Copy)]
pub struct NotificationsVersion(pub Refresh);

impl NotificationsVersion {
    pub fn provide() {
        provide_context(NotificationsVersion(Refresh::default()));
    }
}

/// What the notification resources refetch on: who is signed in, this tab's
/// own changes (marking read), and new notifications heard live.
pub fn notification_changes() -> impl Fn() -> (u32, u32, u32) + Clone + Send + Sync + 'static {
    let auth = expect_context::<AuthVersion>();
    let version = expect_context::<NotificationsVersion>();
    let created = live::refresh_on(|e| matches!(e, ServerEvent::NotificationCreated { .. }));
    move || (auth.0.get(), version.0.track(), created.track())
}

/// The number of unread notifications, as a badge beside the nav link.
#[component]
pub fn UnreadCount() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let count = Resource::new(notification_changes(), move |_| async move {
        when_signed_in(viewer, || async { list_notifications(true, Some(1)).await.map(|p| p.unread_count) }).await.unwrap_or(0)
    });
    view! {
        <Loading fallback=|| ()>
            {move || count.get().filter(|n| *n > 0).map(|n| view! {
                <span id="unread-count" class="ml-1.5 inline-flex min-w-5 justify-center rounded-full bg-red-700 px-1.5 text-xs font-semibold text-white">
                    {if n > 99 { "99+".to_owned() } else { n.to_string() }}
                    <span class="sr-only">" unread"</span>
                </span>
            })}
        </Loading>
    }
}
