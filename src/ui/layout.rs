//! The frame around every page: header, primary navigation, main area.

use super::components::unread::{NotificationsVersion, UnreadCount};
use super::components::user_menu::UserMenu;
use leptos::prelude::*;
use leptos_router::components::A;

/// The destinations of the primary navigation, in order.
/// (`/insights` is rendered by the server alone: its link leaves the app.)
pub const NAV_ITEMS: [(&str, &str); 5] = [
    ("/tasks", "Tasks"),
    ("/contacts", "Contacts"),
    ("/insights", "Insights"),
    ("/notifications", "Notifications"),
    ("/settings", "Settings"),
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    NotificationsVersion::provide();

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-indigo-700">
            "Skip to content"
        </a>
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                <A href="/" attr:class="flex items-center gap-2 rounded text-lg font-semibold tracking-tight text-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300">
                    <img src="/icons/icon-192.png" alt="" width="28" height="28" class="h-7 w-7 rounded-md"/>
                    "Callwright"
                </A>
                <div class="ml-auto md:order-last"><UserMenu/></div>
                <button
                    type="button"
                    id="menu-toggle"
                    class="inline-flex items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 md:hidden dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800"
                    aria-controls="primary-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    <svg aria-hidden="true" viewBox="0 0 20 20" class="h-4 w-4" fill="currentColor">
                        <path d="M3 5h14v2H3zM3 9h14v2H3zM3 13h14v2H3z"/>
                    </svg>
                    {move || if menu_open.get() { "Close" } else { "Menu" }}
                </button>
                <nav
                    id="primary-nav"
                    aria-label="Primary"
                    class=move || {
                        let shown = if menu_open.get() { "block" } else { "hidden" };
                        format!("{shown} w-full md:block md:w-auto")
                    }
                >
                    <ul class="flex flex-col gap-1 pt-2 md:flex-row md:pt-0">
                        {NAV_ITEMS
                            .into_iter()
                            .map(|(href, label)| {
                                // Following a link closes the mobile menu.
                                view! {
                                    <li on:click=move |_| set_menu_open.set(false)>
                                        <A
                                            href=href
                                            attr:rel=(href == "/insights").then_some("external")
                                            attr:class="block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-800 dark:text-slate-200 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-200"
                                        >
                                            {label}
                                            {(href == "/notifications").then(|| view! { <UnreadCount/> })}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </div>
        </header>
        <main id="main" class="mx-auto max-w-5xl px-4 py-8">
            {children()}
        </main>
    }
}
