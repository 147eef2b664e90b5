//! The Tasks page.

use super::layout::PageHeader;
use leptos::prelude::*;

#[component]
pub fn TasksPage() -> impl IntoView {
    view! { <PageHeader title="Tasks" lead="Every call you have asked for, with its status and results."/> }
}
