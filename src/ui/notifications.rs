//! The Notifications page.

use super::layout::PageHeader;
use leptos::prelude::*;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! { <PageHeader title="Notifications" lead="Updates about your calls: started, finished, or waiting for your decision."/> }
}
