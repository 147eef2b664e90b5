//! Sign up, sign in and sign out. Forms work without JavaScript (plain
//! posts to the server functions); hydrated, they stay on the page, show
//! errors in place and refresh the header's user.

use crate::api::accounts::{SignIn, SignUp};
use crate::ui::components::page_header::PageHeader;
use crate::ui::post_form::dispatch_on_submit;
use crate::ui::style::{BUTTON, INPUT, LINK};
use crate::ui::viewer::now_signed_in_as;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Where to go after signing in: the `next` page if it is one of ours.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The message of a failed action, shown where the form is.
fn error_of<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, crate::domain::error::ApiError>>> + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value.get().and_then(|r| r.err()).map(|e| {
            view! { <p role="alert" class="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{e.message}</p> }
        })
    }
}

/// Once the user is signed in by `value`'s action: refresh who is signed
/// in, and go back to the page that sent them here (or home).
fn back_when_signed_in(
    value: impl Get<Value = Option<Result<crate::domain::account::User, crate::domain::error::ApiError>>> + Send + Sync + 'static,
) {
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(user)) = value.get() {
            now_signed_in_as(Some(user));
            let next = safe_next(query.get_untracked().get("next").as_deref());
            navigate(&next, Default::default());
        }
    });
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    back_when_signed_in(action.value());
    view! {
        <div class="mx-auto max-w-md">
            <PageHeader title="Create your account" lead="Callwright makes phone calls for you. Your calls and contacts are yours alone."/>
            <form method="post" action=SignUp::url()
                on:submit=dispatch_on_submit(action, |field| SignUp { email: field("email"), password: field("password"), display_name: field("display_name") })>
                <label class="mt-6 block text-sm font-medium" for="signup-name">"Your name"</label>
                <input id="signup-name" class=INPUT type="text" name="display_name" required maxlength="100" autocomplete="name"/>
                <label class="mt-4 block text-sm font-medium" for="signup-email">"Email"</label>
                <input id="signup-email" class=INPUT type="email" name="email" required autocomplete="email"/>
                <label class="mt-4 block text-sm font-medium" for="signup-password">"Password (at least 8 characters)"</label>
                <input id="signup-password" class=INPUT type="password" name="password" required minlength="8" autocomplete="new-password"/>
                <button class=format!("mt-6 w-full {BUTTON}") type="submit" disabled=move || action.pending().get()>"Create account"</button>
            </form>
            {error_of(action.value())}
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                "Already have an account? " <a href="/signin" class=LINK>"Sign in"</a>
            </p>
        </div>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    back_when_signed_in(action.value());
    view! {
        <div class="mx-auto max-w-md">
            <PageHeader title="Sign in"/>
            <form method="post" action=SignIn::url()
                on:submit=dispatch_on_submit(action, |field| SignIn { email: field("email"), password: field("password") })>
                <label class="mt-6 block text-sm font-medium" for="signin-email">"Email"</label>
                <input id="signin-email" class=INPUT type="email" name="email" required autocomplete="email"/>
                <label class="mt-4 block text-sm font-medium" for="signin-password">"Password"</label>
                <input id="signin-password" class=INPUT type="password" name="password" required autocomplete="current-password"/>
                <button class=format!("mt-6 w-full {BUTTON}") type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </form>
            {error_of(action.value())}
            <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                "New here? " <a href="/signup" class=LINK>"Create an account"</a>
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/tasks/1?x=2")), "/tasks/1?x=2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(crate::domain::url::percent_encode("/tasks?status=failed", "/"), "/tasks%3Fstatus%3Dfailed");
    }
}
