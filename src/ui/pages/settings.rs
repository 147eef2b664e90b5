//! The assistant's settings, every one of them, checked as the user edits
//! (by the same rules the server applies) and saved together.

use crate::api::accounts::SignOutEverywhere;
use crate::api::settings::{SetCalendarFeed, UpdateSettings, get_settings};
use crate::domain::calendar::CalendarFeed;
use crate::domain::error::ApiError;
use crate::domain::settings::{AssistantSettings, MAX_AUTO_APPROVE, MAX_RETRY_ATTEMPTS, Registry, SettingsPatch, TONES, VOICES};
use crate::ui::components::feedback::{Loading, load_failure};
use crate::ui::components::page_header::PageHeader;
use crate::ui::post_form::dispatch_on_submit;
use crate::ui::style::{ALERT, BUTTON, CARD, INPUT, MUTED, SECONDARY, words};
use crate::ui::time::Time;
use crate::ui::viewer::{AuthVersion, Viewer, now_signed_in_as, when_signed_in};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_navigate;

/// Regions and time zones are looked up by the server (libphonenumber and
/// the zone database are not shipped to the browser); here only their shape.
struct ShapeOnly;

impl Registry for ShapeOnly {
    fn is_region(&self, region: &str) -> bool {
        region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic())
    }
    fn is_time_zone(&self, zone: &str) -> bool {
        zone == "UTC" || zone.contains('/')
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = expect_context::<AuthVersion>();
    let viewer = expect_context::<Viewer>();
    let settings = Resource::new(move || auth.0.get(), move |_| async move { when_signed_in(viewer, get_settings).await });
    view! {
        <PageHeader title="Settings" lead="How your assistant sounds, how far it may go on its own, and when it may call."/>
        <Loading fallback=|| view! { <p class="mt-6 text-slate-500">"Loading settings…"</p> }>
            {move || settings.get().map(|found| match found {
                Err(e) => load_failure(e, "change your settings", None),
                Ok((current, feed)) => view! { <SettingsForm current/> <CalendarFeedCard feed/> <SignOutEverywhereCard/> }.into_any(),
            })}
        </Loading>
    }
}

/// The private calendar subscription: booked and confirmed appointments
/// land in the user's calendar app without a step of theirs. Plain form
/// posts, hydrated or not: the server answers by sending the browser back
/// here, and the page shows the feed as it now is (a control used once in a
/// while needs no script of its own in the bundle).
#[component]
fn CalendarFeedCard(feed: Option<CalendarFeed>) -> impl IntoView {
    let button = |on: bool, id: &'static str, text: &'static str| {
        view! {
            <form method="post" action=SetCalendarFeed::url()>
                <input type="hidden" name="on" value=on.to_string()/>
                <button type="submit" class=if on { BUTTON } else { SECONDARY } id=id>{text}</button>
            </form>
        }
    };
    let none = feed.is_none();
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="calendar-heading">
            <h2 id="calendar-heading" class="text-lg font-semibold">"Calendar feed"</h2>
            <p class=MUTED>"Appointments your calls book, once the business confirms them on the call, appear in your calendar app by themselves. Subscribe to your private address (Google Calendar: Other calendars, From URL; Apple Calendar: New Calendar Subscription). Anyone with the address can see those appointments: make a new one if it gets out."</p>
            {feed.map(|f| view! {
                <label class="mt-3 block text-sm font-medium" for="calendar-feed-url">"Your private address"</label>
                <input id="calendar-feed-url" class=INPUT readonly value=f.url/>
                <p class=MUTED>
                    {f.polled_at.map(|at| view! { "Last fetched by a calendar app: " <Time at/> })}
                    {f.polled_at.is_none().then_some("No calendar app has fetched it yet.")}
                </p>
                <div class="mt-3 flex flex-wrap gap-3">
                    {button(true, "calendar-feed-renew", "Make a new address")}
                    {button(false, "calendar-feed-off", "Turn off")}
                </div>
            })}
            {none.then(|| view! { <div class="mt-3">{button(true, "calendar-feed-on", "Create my calendar address")}</div> })}
        </section>
    }
}

/// Ends every sign-in of the account (a lost laptop, a shared computer),
/// this browser's too. Works without JavaScript as a plain form post.
#[component]
fn SignOutEverywhereCard() -> impl IntoView {
    let action = ServerAction::<SignOutEverywhere>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            now_signed_in_as(None);
            navigate("/signin", Default::default());
        }
    });
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="security-heading">
            <h2 id="security-heading" class="text-lg font-semibold">"Sign-ins"</h2>
            <p class=MUTED>"Signed in on a computer you no longer use? Sign out on every browser and device at once, this one included. API tokens keep working until you revoke them."</p>
            <form method="post" action=SignOutEverywhere::url() class="mt-3" on:submit=dispatch_on_submit(action, |_| SignOutEverywhere {})>
                <button type="submit" class=BUTTON id="sign-out-everywhere" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing out…" } else { "Sign out everywhere" }}
                </button>
            </form>
            {move || action.value().get().and_then(Result::err).map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
        </section>
    }
}

#[component]
fn SettingsForm(current: AssistantSettings) -> impl IntoView {
    let saved = RwSignal::new(current.clone());
    let voice = RwSignal::new(current.voice_preference.clone());
    let tone = RwSignal::new(current.default_tone.clone());
    let approve = RwSignal::new(crate::domain::money::amount_text(current.max_auto_approve_amount, false));
    let retry = RwSignal::new(current.auto_retry_failed_calls);
    let attempts = RwSignal::new(current.max_retry_attempts.to_string());
    let hours_only = RwSignal::new(current.business_hours_only);
    let record = RwSignal::new(current.record_calls);
    let language = RwSignal::new(current.language_preference.clone());
    let region = RwSignal::new(current.default_region.clone());
    let zone = RwSignal::new(current.time_zone.clone());
    let start = RwSignal::new(current.business_hours_start.clone());
    let end = RwSignal::new(current.business_hours_end.clone());
    let budget = RwSignal::new(current.monthly_budget.map(|b| crate::domain::money::amount_text(b, false)).unwrap_or_default());

    // The whole form as a patch, or the first field that cannot be one.
    let patch = Memo::new(move |_| -> Result<SettingsPatch, ApiError> {
        let amount: f64 = approve
            .get()
            .trim()
            .trim_start_matches('$')
            .parse()
            .map_err(|_| ApiError::validation("max_auto_approve_amount", "Write an amount such as 25 or 0."))?;
        let tries: i32 =
            attempts.get().trim().parse().map_err(|_| ApiError::validation("max_retry_attempts", "Write a whole number."))?;
        // Empty is no budget.
        let monthly: f64 = match budget.get().trim().trim_start_matches('$').replace(',', "") {
            b if b.is_empty() => 0.0,
            b => {
                b.parse().map_err(|_| ApiError::validation("monthly_budget", "Write an amount such as 20, or leave it empty."))?
            }
        };
        Ok(SettingsPatch {
            voice_preference: Some(voice.get()),
            default_tone: Some(tone.get()),
            max_auto_approve_amount: Some(amount),
            auto_retry_failed_calls: Some(retry.get()),
            max_retry_attempts: Some(tries),
            business_hours_only: Some(hours_only.get()),
            language_preference: Some(language.get().trim().to_owned()),
            default_region: Some(region.get().trim().to_ascii_uppercase()),
            time_zone: Some(zone.get().trim().to_owned()),
            business_hours_start: Some(start.get()),
            business_hours_end: Some(end.get()),
            monthly_budget: Some(monthly),
            record_calls: Some(record.get()),
        })
    });
    // Checked once per change: whether the form differs from what is saved, or why it cannot be saved.
    let checked =
        Memo::new(move |_| patch.get().and_then(|p| p.apply(&saved.get(), &ShapeOnly)).map(|(_, changed)| !changed.is_empty()));
    let local_error = Memo::new(move |_| checked.get().err());
    let dirty = move || checked.get() == Ok(true);
    let save = ServerAction::<UpdateSettings>::new();
    Effect::new(move |_| {
        if let Some(Ok(s)) = save.value().get() {
            saved.set(s);
        }
    });
    // What the server said about the last save stops applying once the form changes.
    Effect::new(move |first: Option<()>| {
        patch.track();
        if first.is_some() {
            save.value().set(None);
        }
    });
    let error = move || local_error.get().or_else(|| save.value().get().and_then(Result::err));
    let error_for = move |field: &'static str| move || error().filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Ok(patch), None) = (patch.get_untracked(), local_error.get_untracked()) {
            save.dispatch(UpdateSettings { patch });
        }
    };
    let label = "block text-sm font-medium";
    let help = "mt-1 text-xs text-slate-600 dark:text-slate-300";
    let err = "mt-1 text-sm text-red-700 dark:text-red-300";
    let text_field = move |id: &'static str,
                           field: &'static str,
                           text: &'static str,
                           hint: &'static str,
                           value: RwSignal<String>,
                           kind: &'static str| {
        let hint_id = format!("{id}-hint");
        let err_id = format!("{id}-error");
        let describe = format!("{hint_id} {err_id}");
        let message = error_for(field);
        view! {
            <div>
                <label class=label for=id>{text}</label>
                <input id=id name=field class=INPUT type=kind aria-describedby=describe aria-invalid=move || message().is_some().to_string()
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                <p id=hint_id class=help>{hint}</p>
                <p id=err_id class=err>{message}</p>
            </div>
        }
    };
    let choice = move |id: &'static str, text: &'static str, options: &'static [&'static str], value: RwSignal<String>| {
        view! {
            <div>
                <label class=label for=id>{text}</label>
                <select id=id class=INPUT on:change=move |ev| value.set(event_target_value(&ev))>
                    {options.iter().map(|o| view! { <option value=*o selected=move || value.get() == *o>{words(o)}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    let toggle = move |id: &'static str, text: &'static str, hint: &'static str, value: RwSignal<bool>| {
        view! {
            <div class="flex items-start gap-3">
                <input id=id type="checkbox" class="mt-1 h-4 w-4 rounded border-slate-400 text-indigo-700 focus:ring-indigo-500"
                    prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
                <div>
                    <label class=label for=id>{text}</label>
                    <p class=help>{hint}</p>
                </div>
            </div>
        }
    };
    view! {
        <form on:submit=submit class="mt-6 space-y-6" id="settings-form" novalidate>
            <fieldset class=CARD>
                <legend class="px-1 text-lg font-semibold">"Voice"</legend>
                <div class="mt-2 grid gap-4 sm:grid-cols-2">
                    {choice("set-voice", "Voice", VOICES, voice)}
                    {choice("set-tone", "Tone", TONES, tone)}
                    {text_field("set-language", "language_preference", "Language", "A language tag such as en-US or es-MX.", language, "text")}
                    {toggle("set-record", "Record calls",
                        "The assistant tells whoever answers that the call is recorded. Play it on the call's page; deleting a task deletes its recordings.", record)}
                </div>
            </fieldset>
            <fieldset class=CARD>
                <legend class="px-1 text-lg font-semibold">"Money and retries"</legend>
                <div class="mt-2 grid gap-4 sm:grid-cols-2">
                    {text_field("set-approve", "max_auto_approve_amount", "Approve on its own up to ($)",
                        "When a task names no price limit, the assistant asks you before agreeing to more than this. 0 means always ask.", approve, "text")}
                    {text_field("set-attempts", "max_retry_attempts", "Retry attempts", "How often a failed call is tried again (0 to 5).", attempts, "text")}
                    {toggle("set-retry", "Retry failed calls", "Busy lines and unanswered calls are tried again later, with growing pauses.", retry)}
                    {text_field("set-budget", "monthly_budget", "Monthly budget ($)",
                        "What calls may cost in a month, phone and AI together. Past it, a call asks you first; you hear at 80%. Empty: no budget.", budget, "text")}
                </div>
            </fieldset>
            <fieldset class=CARD>
                <legend class="px-1 text-lg font-semibold">"Where and when"</legend>
                <div class="mt-2 grid gap-4 sm:grid-cols-2">
                    {text_field("set-region", "default_region", "Region", "For numbers written without a country code, e.g. US, GB, DE.", region, "text")}
                    {text_field("set-zone", "time_zone", "Time zone", "Such as America/Los_Angeles or Europe/Berlin.", zone, "text")}
                    {toggle("set-hours-only", "Business hours only", "Scheduled calls and retries wait for business hours.", hours_only)}
                    <div class="grid grid-cols-2 gap-3">
                        {text_field("set-start", "business_hours_start", "Opens", "HH:MM", start, "time")}
                        {text_field("set-end", "business_hours_end", "Closes", "HH:MM", end, "time")}
                    </div>
                </div>
            </fieldset>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON id="save-settings" disabled=move || save.pending().get() || local_error.get().is_some() || !dirty()>
                    {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
                </button>
                <p class=MUTED aria-live="polite" id="settings-status">
                    {move || match (save.value().get(), dirty()) {
                        (_, true) => "You have unsaved changes.",
                        (Some(Ok(_)), false) => "Saved.",
                        _ => "",
                    }}
                </p>
            </div>
            {move || error().filter(|e| e.field.is_none()).map(|e| view! { <p role="alert" class=ALERT>{e.message}</p> })}
            <p class=MUTED>{format!("Limits: approve on its own up to ${}; at most {MAX_RETRY_ATTEMPTS} retries.", crate::domain::money::amount_text(MAX_AUTO_APPROVE, false))}</p>
        </form>
    }
}
