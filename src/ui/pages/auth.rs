//! Sign up, sign in and sign out. Forms work without JavaScript (plain
//! posts to the server functions); hydrated, they stay on the page, show
//! errors in place and refresh the header's user.

use super::format::{BUTTON, INPUT, LINK, Loading};
use super::layout::PageHeader;
use super::post_form::dispatch_on_submit;
use crate::api::accounts::{SignIn, SignOut, SignUp};
use crate::domain::url::percent_encode;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// Who is signed in, fetched once per [`AuthVersion`] and shared by the
/// header, the live connection and every page.
pub type Viewer = Resource<Result<Option<crate::domain::account::User>, crate::domain::error::ApiError>>;

/// Whether someone is signed in, as far as the browser knows (always
/// `false` while rendering on the server); readable anywhere, unlike the
/// [`Viewer`] resource, which belongs inside `<Suspense/>`.
#[derive(Clone, Copy)]
pub struct SignedIn(pub RwSignal<bool>);

/// Provides [`AuthVersion`], [`Viewer`] and [`SignedIn`].
pub fn provide_viewer() -> SignedIn {
    let auth = AuthVersion(RwSignal::new(0));
    provide_context(auth);
    let viewer: Viewer = Resource::new(move || auth.0.get(), |_| crate::api::accounts::current_user());
    provide_context(viewer);
    let signed_in = SignedIn(RwSignal::new(false));
    Effect::new(move |_| signed_in.0.set(matches!(viewer.get(), Some(Ok(Some(_))))));
    provide_context(signed_in);
    signed_in
}

/// Runs `fetch` only for a signed-in viewer; a visitor gets `Unauthorized`
/// at once, without a request that could only fail.
pub async fn when_signed_in<T, F>(viewer: Viewer, fetch: impl FnOnce() -> F) -> Result<T, crate::domain::error::ApiError>
where
    F: std::future::Future<Output = Result<T, crate::domain::error::ApiError>>,
{
    match viewer.await {
        Ok(Some(_)) => fetch().await,
        Ok(None) => Err(crate::domain::error::ApiError::new(crate::domain::error::ErrorCode::Unauthorized, "Sign in first.")),
        Err(e) => Err(e),
    }
}

/// Where to go after signing in: the `next` page if it is one of ours.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
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
        <div class=format!("mt-6 {}", super::format::CARD) id="sign-in-prompt">
            <p>{format!("Sign in to {what}.")}</p>
            <p class="mt-3 flex gap-4">
                <a href=href class=LINK>"Sign in"</a>
                <a href="/signup" class=LINK>"Create an account"</a>
            </p>
        </div>
    }
}

/// Bumped whenever who is signed in may have changed; resources that
/// depend on the user read it.
#[derive(Clone, Copy)]
pub struct AuthVersion(pub RwSignal<u32>);

impl AuthVersion {
    pub fn bump(self) {
        self.0.update(|v| *v += 1);
    }
}

/// This page signed someone in (`Some`) or out (`None`): the viewer shows it
/// at once, then everything keyed on the account refetches. Setting the
/// viewer first means no refetch can still see the previous account and ask
/// the server with a session cookie that is already gone.
pub fn now_signed_in_as(user: Option<crate::domain::account::User>) {
    expect_context::<Viewer>().set(Some(Ok(user)));
    expect_context::<AuthVersion>().bump();
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

/// The signed-in user's name and a sign-out button, or a sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let user = expect_context::<Viewer>();
    let sign_out = ServerAction::<SignOut>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            now_signed_in_as(None);
            navigate("/", Default::default());
        }
    });
    let link = "rounded-md px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300 dark:hover:bg-slate-800";
    view! {
        <Loading fallback=|| view! { <span class="text-sm text-slate-500">"…"</span> }>
            {move || {
                user.get().map(|found| match found {
                    Ok(Some(u)) => view! {
                        <div class="flex items-center gap-2" id="user-menu">
                            <span class="text-sm text-slate-700 dark:text-slate-200" data-user=u.email.clone()>{u.display_name}</span>
                            <form method="post" action=SignOut::url() on:submit=dispatch_on_submit(sign_out, |_| SignOut {})>
                                <button type="submit" class=link>"Sign out"</button>
                            </form>
                        </div>
                    }
                    .into_any(),
                    _ => view! { <a href="/signin" class=link id="sign-in-link">"Sign in"</a> }.into_any(),
                })
            }}
        </Loading>
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
        assert_eq!(percent_encode("/tasks?status=failed", "/"), "/tasks%3Fstatus%3Dfailed");
    }
}
