//! The composer: describe a call in a sentence; Callwright plans it and
//! says what it still needs. Works as a plain form without JavaScript.

use crate::api::tasks::CreateTask;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Composer() -> impl IntoView {
    let create = ServerAction::<CreateTask>::new();
    let field = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
    view! {
        <section class="mt-8 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900" aria-labelledby="composer-title">
            <h2 id="composer-title" class="text-lg font-semibold">"What should Callwright do?"</h2>
            <ActionForm action=create>
                <label class="sr-only" for="instruction">"Describe the call"</label>
                <textarea id="instruction" name="raw_instruction" rows="3" required maxlength="2000" class=field
                    placeholder="Call my dentist at 415-555-0199 and book a cleaning next week under $100"></textarea>
                <div class="mt-3 grid gap-3 sm:grid-cols-2">
                    <div>
                        <label class="block text-sm font-medium" for="composer-phone">"Phone number (optional)"</label>
                        <input id="composer-phone" name="target_phone_number" type="tel" class=field placeholder="(415) 555-0199"/>
                    </div>
                    <div>
                        <label class="block text-sm font-medium" for="composer-priority">"Priority"</label>
                        <select id="composer-priority" name="priority" class=field>
                            <option value="low">"Low"</option>
                            <option value="normal" selected>"Normal"</option>
                            <option value="high">"High"</option>
                            <option value="urgent">"Urgent"</option>
                        </select>
                    </div>
                </div>
                <button type="submit" disabled=move || create.pending().get()
                    class="mt-4 rounded-md bg-indigo-700 px-4 py-2 font-semibold text-white hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2">
                    {move || if create.pending().get() { "Planning…" } else { "Plan the call" }}
                </button>
            </ActionForm>
            {move || create.value().get().map(|result| match result {
                Ok(created) => {
                    let plan = created.task.ai_plan.clone();
                    let missing: Vec<String> = plan.as_ref().map(|p| p.missing_info_details.iter().map(|m| m.label.clone()).collect()).unwrap_or_default();
                    view! {
                        <div class="mt-6 rounded-xl bg-slate-50 p-4 dark:bg-slate-800" id="composer-result" aria-live="polite">
                            <div class="flex flex-wrap items-center gap-2">
                                <span class="font-semibold">{created.task.title.clone()}</span>
                                <super::task_list::StatusBadge status=created.task.status/>
                            </div>
                            {plan.map(|p| view! { <p class="mt-2 text-sm text-slate-700 dark:text-slate-200">{p.goal}</p> })}
                            {(!missing.is_empty()).then(|| view! {
                                <div class="mt-3">
                                    <p class="text-sm font-medium">"Before calling, Callwright needs:"</p>
                                    <ul class="mt-1 list-disc pl-5 text-sm">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                                </div>
                            })}
                            <A href="/tasks" attr:class="mt-3 inline-block text-sm font-medium text-indigo-700 underline dark:text-indigo-300">"See your tasks"</A>
                        </div>
                    }.into_any()
                }
                Err(e) => view! {
                    <p role="alert" class="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{e.message}</p>
                }.into_any(),
            })}
        </section>
    }
}
