//! The Contacts page.

use super::layout::PageHeader;
use leptos::prelude::*;

#[component]
pub fn ContactsPage() -> impl IntoView {
    view! { <PageHeader title="Contacts" lead="The people and businesses Callwright can call for you."/> }
}
