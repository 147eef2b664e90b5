//! The home page. The task composer grows here.

use crate::ui::style::LINK;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    const STEPS: [(&str, &str); 3] = [
        ("Describe the call", "“Call my dentist at 415-555-0199 and book a cleaning next week under $100.”"),
        ("Answer what is missing", "Callwright plans the call and asks you for anything it needs first."),
        (
            "Watch it happen",
            "An AI assistant makes the call; you follow the transcript live and approve any price above your limit.",
        ),
    ];
    view! {
        <leptos_meta::Title text=""/>
        <section class="rounded-2xl bg-gradient-to-br from-indigo-600 to-violet-600 px-6 py-10 text-white shadow-sm sm:px-10">
            <h1 class="text-3xl font-semibold tracking-tight sm:text-4xl">"Let an assistant make the call."</h1>
            <p class="mt-3 max-w-2xl text-indigo-50">
                "Callwright phones businesses for you, books, orders and asks, and never agrees to more than you allowed."
            </p>
        </section>
        <crate::ui::components::composer::Composer/>
        <ol class="mt-8 grid gap-4 sm:grid-cols-3">
            {STEPS
                .into_iter()
                .enumerate()
                .map(|(i, (title, text))| {
                    view! {
                        <li class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                            <span class="text-sm font-semibold text-indigo-700 dark:text-indigo-300">{format!("Step {}", i + 1)}</span>
                            <h2 class="mt-1 font-semibold">{title}</h2>
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">{text}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        <p class="mt-8 text-sm text-slate-600 dark:text-slate-300">
            "Your calls are listed under " <a href="/tasks" class=LINK>"Tasks"</a> "."
        </p>
    }
}
