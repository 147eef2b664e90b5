//! What only a browser can do (clocks, timers, the clipboard, locale time,
//! forms, scrolling), behind one small API that also compiles on the
//! server, where each call does nothing or answers as a reader in UTC
//! would. Pages and components use this instead of `cfg` of their own;
//! the live connection ([`super::live`]) and dictation ([`super::voice`])
//! keep theirs in the same shape.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now().timestamp_millis()
    }
}

/// Runs `tick` every `period` for as long as the calling component lives.
pub fn every(period: std::time::Duration, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(tick, period) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (period, tick);
}

/// Puts `text` on the clipboard.
pub fn copy_text(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// `at` in the reader's locale and time zone ("24 Nov 2026, 14:30"); `None`
/// on the server, which does not know the reader.
pub fn local_time_text(at: DateTime<Utc>) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        let options = js_sys::Object::new();
        for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        date.to_locale_string("default", &options).as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = at;
        None
    }
}

/// A `datetime-local` value ("2026-11-25T10:00") read as the reader's
/// wall-clock time; the server, without a reader, takes it as UTC.
pub fn local_input_instant(value: &str) -> Option<DateTime<Utc>> {
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

/// Minutes the reader's clock is behind UTC at `at` (as JavaScript's
/// `getTimezoneOffset`); 0 on the server.
pub fn utc_offset_minutes(at: DateTime<Utc>) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64)).get_timezone_offset() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = at;
        0
    }
}

/// A submitted form's fields by name (`None` for a field it does not have).
pub type Fields<'a> = &'a dyn Fn(&str) -> Option<String>;

/// In the browser: keeps the form of `ev` from being submitted by the
/// browser and gives its fields to `then`. Without script the browser
/// submits the form as usual.
pub fn take_submitted_fields(ev: leptos::ev::SubmitEvent, then: &dyn Fn(Fields<'_>)) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) {
            ev.prevent_default();
            then(&|name| data.get(name).as_string());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, then);
}

/// Submits the form that holds the target of `ev` (a select that applies
/// itself on change), through its submit handler.
pub fn submit_enclosing_form(ev: leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("form").ok().flatten())
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Whether the scrolled element `el` shows its end (within a line).
pub fn is_scrolled_to_end(el: NodeRef<leptos::html::Div>) -> Option<bool> {
    #[cfg(feature = "hydrate")]
    {
        el.get_untracked().map(|el| el.scroll_top() + el.client_height() >= el.scroll_height() - 24)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = el;
        None
    }
}

/// Scrolls `el` to its end, now or (`next_frame`) once the frame being
/// built is laid out.
pub fn scroll_to_end(el: NodeRef<leptos::html::Div>, next_frame: bool) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(el) = el.get_untracked() {
            if next_frame {
                request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
            } else {
                el.set_scroll_top(el.scroll_height());
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (el, next_frame);
}
