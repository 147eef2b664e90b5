//! The heading every page starts with.

use leptos::prelude::*;

/// A page heading with an optional lead paragraph.
#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] lead: Option<&'static str>) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title/>
        <h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">{title}</h1>
        {lead.map(|lead| view! { <p class="mt-2 max-w-2xl text-slate-600 dark:text-slate-300">{lead}</p> })}
    }
}
