//! Contacts: the people and businesses Callwright may call for you. Search,
//! add, edit and delete; the planner finds them by name in instructions.

use crate::api::contacts::{DeleteContact, SaveContact, list_contacts};
use crate::domain::contact::{Contact, NewContact};
use crate::domain::error::ApiError;
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::components::page_header::PageHeader;
use crate::ui::debounce::Debounce;
use crate::ui::live::Refresh;
use crate::ui::style::{ALERT, BUTTON, CARD, DANGER, INPUT, MUTED, SECONDARY};
use crate::ui::viewer::{AuthVersion, Viewer, when_signed_in};
use leptos::prelude::*;

#[component]
pub fn ContactsPage() -> impl IntoView {
    let auth = expect_context::<AuthVersion>();
    let viewer = expect_context::<Viewer>();
    let typed = RwSignal::new(String::new());
    // The search waits for a pause in typing.
    let query = RwSignal::new(String::new());
    let typing = Debounce::for_component();
    let on_search = move |ev: leptos::ev::Event| {
        typed.set(event_target_value(&ev));
        typing.schedule(250, move || {
            if let Some(text) = typed.try_get_untracked() {
                query.try_set(text);
            }
        });
    };
    let saved = Refresh::default();
    let contacts = Resource::new(
        move || (auth.0.get(), query.get(), saved.track()),
        move |(_, q, _)| async move {
            let q = (!q.trim().is_empty()).then(|| q.trim().to_owned());
            when_signed_in(viewer, || list_contacts(q)).await
        },
    );
    let adding = RwSignal::new(false);
    view! {
        <PageHeader title="Contacts" lead="People and businesses you call. Mention one by name (“call Dr. Lee”) and Callwright uses their number."/>
        <div class="mt-6 flex flex-wrap items-end gap-3">
            <div class="min-w-0 flex-1">
                <label class="block text-sm font-medium" for="contact-search">"Search contacts"</label>
                <input id="contact-search" type="search" class=INPUT placeholder="Name, company or number" prop:value=move || typed.get() on:input=on_search/>
            </div>
            <button type="button" class=BUTTON id="add-contact" aria-expanded=move || adding.get().to_string() on:click=move |_| adding.update(|a| *a = !*a)>
                {move || if adding.get() { "Close" } else { "Add contact" }}
            </button>
        </div>
        {move || adding.get().then(|| view! {
            <div class=format!("mt-4 {CARD}")>
                <h2 class="text-lg font-semibold">"New contact"</h2>
                <ContactForm contact=None done=Callback::new(move |saved_one: bool| { adding.set(false); if saved_one { saved.bump() } })/>
            </div>
        })}
        <Loading fallback=|| view! { <p class="mt-6 text-slate-500">"Loading contacts…"</p> }>
            {move || contacts.get().map(|found| match found {
                Err(e) => load_failure(e, "see your contacts", None),
                Ok(list) if list.is_empty() => view! {
                    <p class=format!("mt-6 {MUTED}") id="contacts-empty">
                        {if query.get_untracked().trim().is_empty() { "No contacts yet. Add the businesses you call often." } else { "No contact matches that search." }}
                    </p>
                }.into_any(),
                Ok(list) => view! {
                    <ul class="mt-6 grid gap-3 sm:grid-cols-2" id="contact-list">
                        {list.into_iter().map(|c| view! { <ContactCard contact=c saved/> }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </Loading>
    }
}

#[component]
fn ContactCard(contact: Contact, saved: Refresh) -> impl IntoView {
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let delete = ServerAction::<DeleteContact>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            saved.bump();
        }
    });
    let id = contact.id;
    let shown = contact.clone();
    view! {
        <li class=format!("contact {CARD}")>
            {move || if editing.get() { view! {
                <ContactForm contact=Some(contact.clone()) done=Callback::new(move |saved_one: bool| { editing.set(false); if saved_one { saved.bump() } })/>
            }.into_any() } else { let shown = shown.clone(); view! {
                <h2 class="font-semibold">{shown.name.clone()}</h2>
                {shown.company_name.clone().map(|c| view! { <p class=MUTED>{c}</p> })}
                {shown.phone_number.clone().map(|p| view! { <p class="mt-1"><a class="underline" href=format!("tel:{p}")>{p.clone()}</a></p> })}
                {shown.email.clone().map(|e| view! { <p class="text-sm">{e}</p> })}
                {shown.notes.clone().map(|n| view! { <p class=format!("mt-1 {MUTED}")>{n}</p> })}
                <div class="mt-3 flex flex-wrap gap-2">
                    <button type="button" class=SECONDARY on:click=move |_| editing.set(true)>"Edit"</button>
                    {move || if confirming.get() { view! {
                        <span class="inline-flex flex-wrap items-center gap-2 text-sm" role="alertdialog" aria-label="Confirm deletion">
                            "Delete this contact?"
                            <button type="button" class=DANGER disabled=move || delete.pending().get() on:click=move |_| { delete.dispatch(DeleteContact { id }); }>"Yes, delete"</button>
                            <button type="button" class=SECONDARY on:click=move |_| confirming.set(false)>"Keep"</button>
                        </span>
                    }.into_any() } else { view! {
                        <button type="button" class=DANGER on:click=move |_| confirming.set(true)>"Delete"</button>
                    }.into_any() }}
                </div>
                {move || delete.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
            }.into_any() }}
        </li>
    }
}

/// Creates (`contact` is `None`) or edits a contact; `done(true)` once saved.
#[component]
fn ContactForm(contact: Option<Contact>, done: Callback<bool>) -> impl IntoView {
    let save = ServerAction::<SaveContact>::new();
    let id = contact.as_ref().map(|c| c.id);
    let field = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
    let name = field(contact.as_ref().map(|c| c.name.clone()));
    let company = field(contact.as_ref().and_then(|c| c.company_name.clone()));
    let phone = field(contact.as_ref().and_then(|c| c.phone_number.clone()));
    let email = field(contact.as_ref().and_then(|c| c.email.clone()));
    let notes = field(contact.as_ref().and_then(|c| c.notes.clone()));
    // Checked here first, so the common mistakes are named before any request.
    let local_error = RwSignal::new(None::<ApiError>);
    let server_error = move || save.value().get().and_then(Result::err);
    let error = move || local_error.get().or_else(server_error);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            done.run(true);
        }
    });
    let opt = |s: RwSignal<String>| {
        let v = s.get_untracked().trim().to_owned();
        (!v.is_empty()).then_some(v)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked().trim().to_owned();
        if n.is_empty() {
            local_error.set(Some(ApiError::validation("name", "Give the contact a name.")));
            return;
        }
        if let Some(e) = opt(email).filter(|e| !e.contains('@')) {
            local_error.set(Some(ApiError::validation("email", format!("`{e}` is not an email address."))));
            return;
        }
        local_error.set(None);
        save.dispatch(SaveContact {
            id,
            contact: NewContact {
                name: n,
                company_name: opt(company),
                phone_number: opt(phone),
                email: opt(email),
                notes: opt(notes),
            },
        });
    };
    let prefix = contact.as_ref().map(|c| c.id.to_string()).unwrap_or_else(|| "new".into());
    let input = move |key: &'static str, label: &'static str, kind: &'static str, value: RwSignal<String>| {
        let id = format!("contact-{prefix}-{key}");
        let err_id = format!("{id}-error");
        let field_error = move || error().filter(|e| e.field.as_deref() == Some(key)).map(|e| e.message);
        view! {
            <div>
                <label class="block text-sm font-medium" for=id.clone()>{label}</label>
                <input id=id class=INPUT type=kind name=key required=key == "name"
                    aria-invalid=move || field_error().is_some().to_string()
                    aria-describedby=err_id.clone()
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                <p id=err_id class="mt-1 text-sm text-red-700 dark:text-red-300">{field_error}</p>
            </div>
        }
    };
    view! {
        <form on:submit=submit class="contact-form mt-3 grid gap-3 sm:grid-cols-2" novalidate>
            {input("name", "Name", "text", name)}
            {input("company_name", "Company", "text", company)}
            {input("phone_number", "Phone number", "tel", phone)}
            {input("email", "Email", "email", email)}
            <div class="sm:col-span-2">{input("notes", "Notes", "text", notes)}</div>
            <div class="flex gap-2 sm:col-span-2">
                <button type="submit" class=BUTTON disabled=move || save.pending().get()>"Save contact"</button>
                <button type="button" class=SECONDARY on:click=move |_| done.run(false)>"Cancel"</button>
            </div>
            {move || error().filter(|e| e.field.is_none()).map(|e| view! { <p role="alert" class=format!("sm:col-span-2 {ALERT}")>{e.message}</p> })}
        </form>
    }
}
