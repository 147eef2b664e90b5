//! Times as a reader sees them: instants in their own time zone,
//! `datetime-local` values, durations and transcript offsets.
//!
//! Dates are formatted by hand, not with chrono's format strings: this runs
//! in the browser, where the strftime machinery would cost bundle size.

use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;

/// A point in time: UTC in the server's HTML, the reader's local time once
/// the page is live (so the server render and hydration agree).
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    Effect::new(move |_| local.set(super::browser::local_time_text(at)));
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
    super::browser::local_input_instant(value)
}

/// An instant as a `datetime-local` value in the reader's time zone.
pub fn to_local_input(at: DateTime<Utc>) -> String {
    input_text(at - chrono::Duration::minutes(super::browser::utc_offset_minutes(at)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_offsets_read_naturally() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(75), "1 min 15 s");
        assert_eq!(duration(120), "2 min");
        assert_eq!(offset(61_500), "1:01");
        assert_eq!(offset(-5), "0:00");
    }

    #[test]
    fn times_read_the_same_as_before_chrono_formatting_was_dropped() {
        let at = DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z").unwrap().with_timezone(&Utc);
        assert_eq!(utc_text(at), "04 Mar 2026, 05:06 UTC");
        assert_eq!(to_local_input(at), "2026-03-04T05:06");
        assert_eq!(from_local_input("2026-03-04T05:06"), DateTime::from_timestamp(at.timestamp() - 7, 0));
    }
}
