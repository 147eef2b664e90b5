//! An appointment the assistant booked, as an iCalendar (RFC 5545) event
//! the user can add to their calendar.

use chrono::{NaiveDate, NaiveTime};

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
        let date = NaiveDate::parse_from_str(value.get("date")?.as_str()?, "%Y-%m-%d").ok()?;
        let time = value.get("time").and_then(|t| t.as_str()).and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok());
        let mut description = String::from("Booked by Callwright.");
        if let Some(c) = value.get("confirmationNumber").and_then(|c| c.as_str()) {
            description.push_str(&format!(" Confirmation number: {c}."));
        }
        Some(Appointment { date, time, title: title.to_owned(), description, uid: uid.to_owned() })
    }

    /// The `.ics` text: a one-hour event at the time, or an all-day one.
    pub fn to_ics(&self) -> String {
        let (start, end) = match self.time {
            Some(t) => {
                let start = self.date.and_time(t);
                let end = start + chrono::Duration::hours(1);
                (format!("DTSTART:{}", start.format("%Y%m%dT%H%M%S")), format!("DTEND:{}", end.format("%Y%m%dT%H%M%S")))
            }
            None => (
                format!("DTSTART;VALUE=DATE:{}", self.date.format("%Y%m%d")),
                format!("DTEND;VALUE=DATE:{}", (self.date + chrono::Duration::days(1)).format("%Y%m%d")),
            ),
        };
        let lines = [
            "BEGIN:VCALENDAR".to_owned(),
            "VERSION:2.0".to_owned(),
            "PRODID:-//Callwright//Callwright//EN".to_owned(),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}@callwright", escape(&self.uid)),
            format!("DTSTAMP:{}T000000Z", self.date.format("%Y%m%d")),
            start,
            end,
            format!("SUMMARY:{}", escape(&self.title)),
            format!("DESCRIPTION:{}", escape(&self.description)),
            "END:VEVENT".to_owned(),
            "END:VCALENDAR".to_owned(),
        ];
        let mut out = lines.join("\r\n");
        out.push_str("\r\n");
        out
    }

    /// A `data:` URL of the `.ics`, so a plain link downloads it (no script needed).
    pub fn data_url(&self) -> String {
        format!("data:text/calendar;charset=utf-8,{}", super::url::percent_encode(&self.to_ics(), ":@"))
    }
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
    fn unusable_values_give_no_event_and_urls_are_encoded() {
        assert!(Appointment::from_extracted(&json!({"time": "10:00"}), "t", "u").is_none());
        assert!(Appointment::from_extracted(&json!({"date": "next week"}), "t", "u").is_none());
        let a = Appointment::from_extracted(&json!({"date": "2026-12-01"}), "a b;c", "u").unwrap();
        let url = a.data_url();
        assert!(url.starts_with("data:text/calendar;charset=utf-8,BEGIN:VCALENDAR%0D%0A"));
        assert!(!url.contains(' ') && !url.contains('\n'));
    }
}
