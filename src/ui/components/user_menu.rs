//! The header's account control: who is signed in, and signing out.

use crate::api::accounts::SignOut;
use crate::ui::components::feedback::Loading;
use crate::ui::post_form::dispatch_on_submit;
use crate::ui::viewer::{Viewer, now_signed_in_as};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_navigate;

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
