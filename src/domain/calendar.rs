//! An appointment the assistant booked, as an iCalendar (RFC 5545) event
//! the user can add to their calendar.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// The user's private calendar subscription.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    /// The secret address to subscribe to in a calendar app.
    pub url: String,
    /// When a calendar app last fetched it.
    #[serde(default, deserialize_with = "super::timestamp::option")]
    pub polled_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One booked appointment: a local date, an optional local time (floating:
/// it means the wall-clock time where the business is).
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub title: String,
    pub description: String,
    pub uid: String,
}

impl Appointment {
    /// Reads the `appointment` extracted-data value (`date`, `time`,
    /// `confirmationNumber`); `None` when it has no usable date.
    pub fn from_extracted(value: &serde_json::Value, title: &str, uid: &str) -> Option<Appointment> {
        let date = parse_date(value.get("date")?.as_str()?)?;
        let time = value.get("time").and_then(|t| t.as_str()).and_then(parse_time);
        let mut description = String::from("Booked by Callwright.");
        if let Some(c) = value.get("confirmationNumber").and_then(|c| c.as_str()) {
            description.push_str(&format!(" Confirmation number: {c}."));
        }
        Some(Appointment { date, time, title: title.to_owned(), description, uid: uid.to_owned() })
    }

    /// The `.ics` text of this one event.
    pub fn to_ics(&self) -> String {
        calendar(std::slice::from_ref(self), None)
    }

    /// The event's lines: one hour at the time, or all day.
    fn push_event(&self, lines: &mut Vec<String>) {
        let (start, end) = match self.time {
            Some(t) => {
                let start = self.date.and_time(t);
                let end = start + chrono::Duration::hours(1);
                (format!("DTSTART:{}", ics_date_time(start)), format!("DTEND:{}", ics_date_time(end)))
            }
            None => (
                format!("DTSTART;VALUE=DATE:{}", ics_date(self.date)),
                format!("DTEND;VALUE=DATE:{}", ics_date(self.date + chrono::Duration::days(1))),
            ),
        };
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}@callwright", escape(&self.uid)),
            format!("DTSTAMP:{}T000000Z", ics_date(self.date)),
            start,
            end,
            format!("SUMMARY:{}", escape(&self.title)),
            format!("DESCRIPTION:{}", escape(&self.description)),
            "END:VEVENT".to_owned(),
        ]);
    }
}

/// A calendar of `events`; with a `name`, a subscription feed that
/// calendar apps show under that name and poll hourly.
pub fn calendar(events: &[Appointment], name: Option<&str>) -> String {
    let mut lines =
        vec!["BEGIN:VCALENDAR".to_owned(), "VERSION:2.0".to_owned(), "PRODID:-//Callwright//Callwright//EN".to_owned()];
    if let Some(name) = name {
        lines.push(format!("X-WR-CALNAME:{}", escape(name)));
        lines.push("REFRESH-INTERVAL;VALUE=DURATION:PT1H".to_owned());
        lines.push("X-PUBLISHED-TTL:PT1H".to_owned());
    }
    for event in events {
        event.push_event(&mut lines);
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in &lines {
        fold_into(&mut out, line);
    }
    out
}

/// One content line, folded after 75 octets (RFC 5545 3.1): the rest
/// continues on lines that start with a space, never inside a character.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

// Dates are read and written by hand rather than with chrono's format
// strings: this module runs in the browser, and chrono's strftime machinery
// would add tens of kilobytes to the bundle for three fixed layouts.

/// `2026-12-01`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (number(parts.next()?, 4)?, number(parts.next()?, 2)?, number(parts.next()?, 2)?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// `14:30`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once(':')?;
    NaiveTime::from_hms_opt(number(h, 2)?, number(m, 2)?, 0)
}

/// Up to `max_digits` ASCII digits, nothing else (also read by `timestamp`).
pub(super) fn number(text: &str, max_digits: usize) -> Option<u32> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `20261201`.
fn ics_date(date: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// `20261201T143000`.
fn ics_date_time(at: NaiveDateTime) -> String {
    format!("{}T{:02}{:02}{:02}", ics_date(at.date()), at.hour(), at.minute(), at.second())
}

/// Text values escape backslashes, separators and newlines (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_timed_appointment_is_a_one_hour_event_with_the_confirmation() {
        let a = Appointment::from_extracted(
            &json!({"date": "2026-12-01", "time": "14:30", "confirmationNumber": "DC-12345"}),
            "Cleaning, Bright Smiles Dental",
            "abc",
        )
        .unwrap();
        let ics = a.to_ics();
        assert!(ics.contains("DTSTART:20261201T143000\r\n"), "{ics}");
        assert!(ics.contains("DTEND:20261201T153000\r\n"));
        assert!(ics.contains("SUMMARY:Cleaning\\, Bright Smiles Dental\r\n"));
        assert!(ics.contains("Confirmation number: DC-12345."));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_date_without_a_time_is_an_all_day_event() {
        let a = Appointment::from_extracted(&json!({"date": "2026-12-31"}), "Table", "x").unwrap();
        let ics = a.to_ics();
        assert!(ics.contains("DTSTART;VALUE=DATE:20261231\r\n"));
        assert!(ics.contains("DTEND;VALUE=DATE:20270101\r\n"));
    }

    #[test]
    fn unusable_values_give_no_event_and_text_is_escaped() {
        assert!(Appointment::from_extracted(&json!({"time": "10:00"}), "t", "u").is_none());
        assert!(Appointment::from_extracted(&json!({"date": "next week"}), "t", "u").is_none());
        assert!(Appointment::from_extracted(&json!({"date": "2026-02-30"}), "t", "u").is_none());
        assert!(Appointment::from_extracted(&json!({"date": "2026-12-01-02"}), "t", "u").is_none());
        assert!(Appointment::from_extracted(&json!({"date": "+2026-12-01"}), "t", "u").is_none());
        // An unusable time leaves an all-day event.
        let untimed = Appointment::from_extracted(&json!({"date": "2026-12-01", "time": "25:00"}), "t", "u").unwrap();
        assert_eq!(untimed.time, None);
        let padded = Appointment::from_extracted(&json!({"date": " 2026-1-5 ", "time": "9:05"}), "t", "u").unwrap();
        assert!(padded.to_ics().contains("DTSTART:20260105T090500\r\n"));
        let a = Appointment::from_extracted(&json!({"date": "2026-12-01"}), "a b;c", "u").unwrap();
        assert!(a.to_ics().contains("SUMMARY:a b\\;c\r\n"), "separators are escaped");
    }

    #[test]
    fn a_feed_holds_every_event_and_folds_long_lines_between_characters() {
        let title = "Cleaning at Bright Smiles Dental für Zoë — ".repeat(5);
        let a = Appointment::from_extracted(&json!({"date": "2026-12-01", "time": "14:30"}), &title, "a").unwrap();
        let b = Appointment::from_extracted(&json!({"date": "2026-12-02"}), "Table", "b").unwrap();
        let feed = calendar(&[a, b], Some("Callwright"));
        assert_eq!(feed.matches("BEGIN:VEVENT").count(), 2);
        assert!(feed.contains("X-WR-CALNAME:Callwright\r\n") && feed.contains("UID:b@callwright\r\n"));
        for line in feed.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        // Unfolded, the title is whole again.
        let unfolded = feed.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", escape(&title))), "{unfolded}");
        assert_eq!(calendar(&[], Some("x")).matches("VEVENT").count(), 0);
    }
}
