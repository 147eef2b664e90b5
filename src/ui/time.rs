//! Small presentational pieces shared by the pages: times in the reader's
//! own time zone, durations, money, and the shared class strings.
//!
//! Numbers and dates are formatted by hand, not with `{:.2}` or chrono's
//! format strings: both run in the browser, where float formatting and the
//! strftime machinery would cost tens of kilobytes of bundle.

use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;

// The shared looks, as component classes defined in style/tailwind.css (one
// short class per element instead of the same long utility list on every
// button: smaller pages to send and render, and a smaller browser bundle).
pub const INPUT: &str = "cw-input";
pub const BUTTON: &str = "cw-button";
pub const SECONDARY: &str = "cw-secondary";
pub const DANGER: &str = "cw-danger";
pub const CARD: &str = "cw-card";
pub const LINK: &str = "cw-link";
pub const ALERT: &str = "cw-alert";
pub const MUTED: &str = "cw-muted";

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
        (ErrorCode::Unauthorized, _) => view! { <super::auth::SignInPrompt what/> }.into_any(),
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

/// Runs the latest scheduled action after a pause (typing, say); a pending
/// one is dropped when the component goes away.
#[derive(Clone, Copy)]
pub struct Debounce(StoredValue<Option<leptos::leptos_dom::helpers::TimeoutHandle>>);

impl Debounce {
    pub fn for_component() -> Debounce {
        let handle = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(h)) = handle.try_get_value() {
                h.clear();
            }
        });
        Debounce(handle)
    }

    /// Replaces whatever was scheduled with `action`, due after `ms`.
    pub fn schedule(self, ms: u64, action: impl FnOnce() + 'static) {
        if let Some(h) = self.0.get_value() {
            h.clear();
        }
        self.0.set_value(set_timeout_with_handle(action, std::time::Duration::from_millis(ms)).ok());
    }
}

/// A point in time: UTC in the server's HTML, the reader's local time once
/// the page is live (so the server render and hydration agree).
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        let options = js_sys::Object::new();
        for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        local.set(date.to_locale_string("default", &options).as_string());
    });
    view! {
        <time datetime=at.to_rfc3339()>{move || local.get().unwrap_or_else(|| utc_text(at))}</time>
    }
}

/// "24 Nov 2026, 14:30 UTC".
pub fn utc_text(at: DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{:02} {} {}, {:02}:{:02} UTC", at.day(), MONTHS[at.month0() as usize], at.year(), at.hour(), at.minute())
}

/// "2026-11-24T14:30", the layout of a `datetime-local` input.
fn input_text(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

/// A `datetime-local` input's value ("2026-11-25T10:00", the reader's
/// wall-clock time) as an instant; the server, without a reader, takes UTC.
pub fn from_local_input(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
        if ms.is_finite() { DateTime::from_timestamp_millis(ms as i64) } else { None }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").ok().map(|t| t.and_utc())
    }
}

/// An instant as a `datetime-local` value in the reader's time zone.
pub fn to_local_input(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let offset_min = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64)).get_timezone_offset();
        input_text(at - chrono::Duration::minutes(offset_min as i64))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        input_text(at)
    }
}

/// `75` → "1 min 15 s".
pub fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// A transcript offset in milliseconds as "m:ss".
pub fn offset(ms: i32) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// An amount with its currency: "$85.00", "€40.00", "120.00 CHF".
pub fn money(amount: f64, currency: &str) -> String {
    let text = amount_text(amount.abs(), true);
    let sign = if amount < 0.0 && text != "0.00" { "-" } else { "" };
    match currency.to_ascii_uppercase().as_str() {
        "USD" | "" => format!("{sign}${text}"),
        "EUR" => format!("{sign}€{text}"),
        "GBP" => format!("{sign}£{text}"),
        other => format!("{sign}{text} {other}"),
    }
}

/// An amount rounded to cents: "85.00" (or "85" when whole and `cents` is
/// false, as an editable field shows it); "—" for a value that is no number.
pub fn amount_text(amount: f64, cents: bool) -> String {
    let total = (amount * 100.0).round();
    if !total.is_finite() || total.abs() >= 1e17 {
        return "—".to_owned();
    }
    let total = total as i64;
    let (sign, total) = (if total < 0 { "-" } else { "" }, total.unsigned_abs());
    match (total / 100, total % 100) {
        (whole, 0) if !cents => format!("{sign}{whole}"),
        (whole, part) => format!("{sign}{whole}.{part:02}"),
    }
}

/// Snake-case values as words: "ready_to_call" → "Ready to call".
pub fn words(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_offsets_and_money_read_naturally() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(75), "1 min 15 s");
        assert_eq!(duration(120), "2 min");
        assert_eq!(offset(61_500), "1:01");
        assert_eq!(offset(-5), "0:00");
        assert_eq!(money(85.0, "USD"), "$85.00");
        assert_eq!(money(40.5, "eur"), "€40.50");
        assert_eq!(money(120.0, "CHF"), "120.00 CHF");
        assert_eq!(money(0.125, "USD"), "$0.13");
        assert_eq!(money(-3.5, "USD"), "-$3.50");
        assert_eq!(money(-0.001, "USD"), "$0.00");
        assert_eq!(amount_text(-3.5, false), "-3.50");
        assert_eq!(money(f64::NAN, "USD"), "$—");
        assert_eq!(amount_text(25.0, false), "25");
        assert_eq!(amount_text(25.5, false), "25.50");
        assert_eq!(amount_text(1_000_000.0, false), "1000000");
        assert_eq!(words("ready_to_call"), "Ready to call");
        assert_eq!(words(""), "");
    }

    #[test]
    fn times_read_the_same_as_before_chrono_formatting_was_dropped() {
        let at = DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z").unwrap().with_timezone(&Utc);
        assert_eq!(utc_text(at), "04 Mar 2026, 05:06 UTC");
        assert_eq!(to_local_input(at), "2026-03-04T05:06");
        assert_eq!(from_local_input("2026-03-04T05:06"), DateTime::from_timestamp(at.timestamp() - 7, 0));
    }
}
