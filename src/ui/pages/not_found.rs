//! The page for unknown addresses.

use crate::ui::components::page_header::PageHeader;
use crate::ui::style::LINK;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageHeader title="Page not found" lead="There is nothing at this address."/>
        <p class="mt-4"><a href="/" class=LINK>"Go to the home page"</a></p>
    }
}
