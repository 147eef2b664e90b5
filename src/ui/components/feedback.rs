//! How a page shows that it is loading, could not load, or needs the
//! reader to sign in.

use crate::domain::url::percent_encode;
use crate::ui::style::{ALERT, CARD, LINK, MUTED};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A `<Transition>` over children that are already erased: every page's
/// loading boundary then shares one compiled copy of the suspense machinery
/// (a `<Transition>` written directly is compiled once per use).
#[component]
pub fn Loading(#[prop(optional, into)] fallback: ViewFnOnce, children: Children) -> impl IntoView {
    view! { <Transition fallback>{children()}</Transition> }
}

/// How a page shows data it could not load: a sign-in prompt (to `what`)
/// for a visitor, `missing` (title, explanation) for an id that is not the
/// reader's, otherwise the error's message.
pub fn load_failure(
    e: crate::domain::error::ApiError,
    what: &'static str,
    missing: Option<(&'static str, &'static str)>,
) -> AnyView {
    use crate::domain::error::ErrorCode;
    match (e.code, missing) {
        (ErrorCode::Unauthorized, _) => view! { <SignInPrompt what/> }.into_any(),
        (ErrorCode::NotFound, Some((title, detail))) => view! { <Missing title detail/> }.into_any(),
        _ => view! { <p role="alert" class=ALERT>{e.message}</p> }.into_any(),
    }
}

/// What a page shows for an id that is not (or no longer) the reader's.
#[component]
pub fn Missing(title: &'static str, detail: &'static str) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title/>
        <h1 class="text-2xl font-semibold">{title}</h1>
        <p class=format!("mt-2 {MUTED}")>{detail}</p>
        <a href="/tasks" class=format!("mt-4 inline-block {LINK}")>"Back to your tasks"</a>
    }
}

/// "Sign in to …" with a link that comes back to this page afterwards.
#[component]
pub fn SignInPrompt(what: &'static str) -> impl IntoView {
    let location = use_location();
    let href = move || {
        let here = format!("{}{}", location.pathname.get(), location.search.get());
        format!("/signin?next={}", percent_encode(&here, "/"))
    };
    view! {
        <div class=format!("mt-6 {}", CARD) id="sign-in-prompt">
            <p>{format!("Sign in to {what}.")}</p>
            <p class="mt-3 flex gap-4">
                <a href=href class=LINK>"Sign in"</a>
                <a href="/signup" class=LINK>"Create an account"</a>
            </p>
        </div>
    }
}
