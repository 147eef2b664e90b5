//! The Settings page.

use super::layout::PageHeader;
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <PageHeader title="Settings" lead="How your assistant sounds, what it may agree to on its own, and when it may call."/> }
}
