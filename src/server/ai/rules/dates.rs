//! Dates and times in text, resolved against a reference day (today for a
//! plan, the call's date for a summary).

use super::text::{Token, TokenKind, number_words, tokenize};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, Weekday};

/// What the text says about when.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct When {
    /// One day.
    pub date: Option<NaiveDate>,
    /// A span of days ("next week", "this weekend"), inclusive.
    pub range: Option<(NaiveDate, NaiveDate)>,
    /// The words used ("next week", "this Saturday").
    pub phrase: Option<String>,
    pub time: Option<NaiveTime>,
    /// morning, afternoon, evening, night, lunch, dinner.
    pub part_of_day: Option<&'static str>,
}

impl When {
    pub fn has_day(&self) -> bool {
        self.date.is_some() || self.range.is_some()
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word.trim_end_matches('s') {
        "monday" | "mon" => Weekday::Mon,
        "tuesday" | "tue" | "tues" => Weekday::Tue,
        "wednesday" | "wed" => Weekday::Wed,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thu,
        "friday" | "fri" => Weekday::Fri,
        "saturday" | "sat" => Weekday::Sat,
        "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn month(word: &str) -> Option<u32> {
    Some(match word.trim_end_matches('.') {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// The next `day` on or after `from` (`inclusive`) or strictly after it.
fn next_weekday(from: NaiveDate, day: Weekday, inclusive: bool) -> NaiveDate {
    let mut d = if inclusive { from } else { from + Days::new(1) };
    while d.weekday() != day {
        d = d + Days::new(1);
    }
    d
}

fn week_start(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday() as u64)
}

/// Resolves "this/next/on <weekday>" against `today`: "this Saturday" is
/// the coming one (today included); "next Tuesday" is the one in the
/// following week; a bare weekday is the next one after today.
pub fn resolve_weekday(today: NaiveDate, day: Weekday, modifier: Option<&str>) -> NaiveDate {
    match modifier {
        Some("this") => next_weekday(today, day, true),
        Some("next") => {
            let candidate = next_weekday(today, day, false);
            if week_start(candidate) == week_start(today) { candidate + Days::new(7) } else { candidate }
        }
        _ => next_weekday(today, day, false),
    }
}

/// A day-of-month in the future: this year's, or next year's if past.
fn upcoming(today: NaiveDate, m: u32, d: u32) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(today.year(), m, d)?;
    if this_year >= today { Some(this_year) } else { NaiveDate::from_ymd_opt(today.year() + 1, m, d) }
}

fn ordinal_day(token: &str) -> Option<u32> {
    let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &token[digits.len()..];
    if !(suffix.is_empty() || matches!(suffix, "st" | "nd" | "rd" | "th")) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|d| (1..=31).contains(d))
}

/// Finds when, in `text`, relative to `today`. `month_first` reads `5/12`
/// as May 12 (US) instead of 5 December.
pub fn find_when(text: &str, today: NaiveDate, month_first: bool) -> When {
    let lower = text.to_lowercase();
    let tokens = tokenize(&lower);
    let mut when = When::default();
    let word = |i: usize| tokens.get(i).map(|t| t.text).unwrap_or("");

    for i in 0..tokens.len() {
        if when.has_day() {
            break;
        }
        let w = word(i);
        let set_day = |when: &mut When, d: NaiveDate, phrase: String| {
            when.date = Some(d);
            when.phrase = Some(phrase);
        };
        // "Friday the 11th", "on Thursday, 10th": the day of the month says
        // which Friday (not simply the next one).
        let weekday_at = if weekday(w).is_some() {
            Some(i)
        } else if matches!(w, "this" | "next" | "coming" | "on" | "following") && weekday(word(i + 1)).is_some() {
            Some(i + 1)
        } else {
            None
        };
        if let Some(at) = weekday_at
            && let Some(day) = weekday(word(at))
        {
            let w = word(at);
            let mut k = at + 1;
            while word(k) == "," {
                k += 1;
            }
            let said_the = word(k) == "the";
            if said_the {
                k += 1;
            }
            // "Friday the 11", "Friday 11th"; not "Friday 3pm".
            let ordinal = |t: &&Token<'_>| said_the || t.text.ends_with(['t', 'd', 'h']);
            if let Some(d) =
                tokens.get(k).filter(|t| t.kind == TokenKind::Number).filter(ordinal).and_then(|t| ordinal_day(t.text))
                && let Some(date) = weekday_with_day(today, day, d)
            {
                set_day(&mut when, date, format!("{} the {}", w, word(k)));
                break;
            }
        }
        match w {
            "today" | "tonight" => set_day(&mut when, today, w.to_owned()),
            "tomorrow" => set_day(&mut when, today + Days::new(1), "tomorrow".into()),
            "day" if word(i + 1) == "after" && word(i + 2) == "tomorrow" => {
                set_day(&mut when, today + Days::new(2), "the day after tomorrow".into())
            }
            "this" | "next" | "coming" | "on" | "following" if weekday(word(i + 1)).is_some() => {
                let day = weekday(word(i + 1)).expect("checked");
                let modifier = match w {
                    "this" | "coming" => Some("this"),
                    "next" | "following" => Some("next"),
                    _ => None,
                };
                set_day(&mut when, resolve_weekday(today, day, modifier), format!("{w} {}", word(i + 1)))
            }
            "this" | "next" if word(i + 1) == "week" => {
                let start = week_start(today) + Days::new(if w == "next" { 7 } else { 0 });
                let from = if w == "this" { today } else { start };
                when.range = Some((from, start + Days::new(6)));
                when.phrase = Some(format!("{w} week"));
            }
            "this" | "next" if word(i + 1) == "weekend" => {
                let sat = next_weekday(today, Weekday::Sat, true);
                let sat = if w == "next" && today.weekday().num_days_from_monday() < 5 { sat + Days::new(7) } else { sat };
                let from = if today > sat { today } else { sat };
                when.range = Some((from, sat + Days::new(1)));
                when.phrase = Some(format!("{w} weekend"));
            }
            "next" if word(i + 1) == "month" => {
                let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("valid") + Months::new(1);
                let last = first + Months::new(1) - Days::new(1);
                when.range = Some((first, last));
                when.phrase = Some("next month".into());
            }
            "in" => {
                // "in 3 days", "in two weeks"
                let (n, len) = match tokens.get(i + 1) {
                    Some(t) if t.kind == TokenKind::Number => (t.text.parse::<u64>().ok(), 1),
                    _ => number_words(&tokens, i + 1).map(|(v, l)| (Some(v as u64), l)).unwrap_or((None, 0)),
                };
                if let Some(n) = n {
                    let unit = word(i + 1 + len);
                    let days = match unit.trim_end_matches('s') {
                        "day" => Some(n),
                        "week" => Some(n * 7),
                        _ => None,
                    };
                    if let Some(days) = days {
                        set_day(&mut when, today + Days::new(days), format!("in {n} {unit}"));
                    }
                }
            }
            _ => {}
        }
        if when.has_day() {
            break;
        }
        // "on the 11th": the next 11th.
        if w == "the"
            && let Some(t) = tokens.get(i + 1).filter(|t| t.kind == TokenKind::Number && t.text.ends_with(['t', 'd', 'h']))
            && let Some(d) = ordinal_day(t.text)
            && !month_follows(&tokens, i + 2)
            && let Some(date) = next_day_of_month(today, d)
        {
            set_day(&mut when, date, format!("the {}", t.text));
            break;
        }
        // A bare weekday: "on Friday" handled above; "Friday at 3".
        if let Some(day) = weekday(w) {
            let prev = if i > 0 { word(i - 1) } else { "" };
            if !matches!(prev, "this" | "next" | "coming" | "on" | "following" | "every" | "last") && w.len() > 3 {
                set_day(&mut when, resolve_weekday(today, day, None), w.to_owned());
                break;
            }
        }
        // "December 5th", "Dec 5", "5 December", "the 5th of December"
        if let Some(m) = month(w) {
            // "may" is also a verb: only a month when a day number is beside it.
            let after = tokens.get(i + 1).filter(|t| t.kind != TokenKind::Symbol).and_then(|t| {
                if t.kind == TokenKind::Number || t.text.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    ordinal_day(t.text)
                } else {
                    None
                }
            });
            let before = if i >= 1 { ordinal_day(word(i - 1)) } else { None };
            let before_of = if i >= 2 && word(i - 1) == "of" { ordinal_day(word(i - 2)) } else { None };
            if let Some(d) = after.or(before).or(before_of)
                && let Some(date) = upcoming(today, m, d)
            {
                set_day(&mut when, date, format!("{} {d}", capitalize_month(m)));
                break;
            }
        }
        // "2025-12-05", "12/5", "12/05/2025"
        if tokens[i].kind == TokenKind::Number
            && let Some(date) = numeric_date(&tokens, i, today, month_first)
        {
            set_day(&mut when, date, lower[tokens[i].start..tokens[(i + 4).min(tokens.len() - 1)].end].trim().to_owned());
            when.phrase = Some(date.format("%Y-%m-%d").to_string());
            break;
        }
    }

    when.time = find_time(&tokens, &lower);
    when.part_of_day = ["morning", "afternoon", "evening", "night", "lunch", "dinner", "noon"]
        .into_iter()
        .find(|p| super::text::has_word(&lower, p) || super::text::has_word(&lower, &format!("{p}s")));
    when
}

/// Whether a month name comes at `tokens[at]` (after an optional "of").
fn month_follows(tokens: &[Token<'_>], at: usize) -> bool {
    let word = |i: usize| tokens.get(i).map(|t| t.text).unwrap_or("");
    month(word(at)).is_some() || (word(at) == "of" && month(word(at + 1)).is_some())
}

/// The next day `d` of a month, today included.
fn next_day_of_month(today: NaiveDate, d: u32) -> Option<NaiveDate> {
    (0..14).find_map(|k| {
        let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)? + Months::new(k);
        NaiveDate::from_ymd_opt(first.year(), first.month(), d).filter(|date| *date >= today)
    })
}

/// The next date, today included, that is day `d` of its month and falls
/// on `day` ("Friday the 11th"), within three months. When no such date is
/// that near, the day of the month wins (people misname weekdays more often
/// than dates).
fn weekday_with_day(today: NaiveDate, day: Weekday, d: u32) -> Option<NaiveDate> {
    (0..3)
        .filter_map(|k| {
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)? + Months::new(k);
            NaiveDate::from_ymd_opt(first.year(), first.month(), d).filter(|date| *date >= today)
        })
        .find(|date| date.weekday() == day)
        .or_else(|| next_day_of_month(today, d))
}

fn capitalize_month(m: u32) -> &'static str {
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        [(m - 1) as usize]
}

fn numeric_date(tokens: &[Token<'_>], i: usize, today: NaiveDate, month_first: bool) -> Option<NaiveDate> {
    let num = |k: usize| tokens.get(k).filter(|t| t.kind == TokenKind::Number).and_then(|t| t.text.parse::<i32>().ok());
    let sym = |k: usize| tokens.get(k).map(|t| t.text);
    let (a, sep) = (num(i)?, sym(i + 1)?);
    if !matches!(sep, "-" | "/") {
        return None;
    }
    let b = num(i + 2)?;
    if sep == "-" && a > 1900 {
        // ISO: 2025-12-05
        if sym(i + 3) == Some("-") {
            return NaiveDate::from_ymd_opt(a, b as u32, num(i + 4)? as u32);
        }
        return None;
    }
    if sep != "/" {
        return None;
    }
    let (m, d) = if month_first { (a, b) } else { (b, a) };
    if sym(i + 3) == Some("/") {
        let y = num(i + 4)?;
        let y = if y < 100 { 2000 + y } else { y };
        return NaiveDate::from_ymd_opt(y, m as u32, d as u32);
    }
    upcoming(today, m as u32, d as u32)
}

/// "at 3pm", "3:30 pm", "15:00", "at noon", "at 7" (read as 7 pm: business
/// hours), "at 10 in the morning".
fn find_time(tokens: &[Token<'_>], lower: &str) -> Option<NaiveTime> {
    let word = |i: usize| tokens.get(i).map(|t| t.text).unwrap_or("");
    for i in 0..tokens.len() {
        let w = word(i);
        if (w == "noon" || w == "midday") && i > 0 && matches!(word(i - 1), "at" | "by" | "around") {
            return NaiveTime::from_hms_opt(12, 0, 0);
        }
        if tokens[i].kind != TokenKind::Number || tokens[i].text.contains(['.', ',']) {
            continue;
        }
        let Ok(hour) = tokens[i].text.parse::<u32>() else { continue };
        let (minute, mut next) = if word(i + 1) == ":" {
            match tokens.get(i + 2).filter(|t| t.kind == TokenKind::Number && t.text.len() == 2) {
                Some(t) => (t.text.parse::<u32>().ok()?, i + 3),
                None => continue,
            }
        } else {
            (0, i + 1)
        };
        // "3pm", "3 p.m.", "3 o'clock"
        let suffix = word(next);
        let meridiem = match suffix {
            "am" | "a" if suffix == "am" || (word(next + 1) == "." && word(next + 2) == "m") => Some(false),
            "pm" | "p" if suffix == "pm" || (word(next + 1) == "." && word(next + 2) == "m") => Some(true),
            _ => None,
        };
        if meridiem.is_some() {
            next += 1;
        }
        let at_before = i > 0 && matches!(word(i - 1), "at" | "around" | "by" | "until" | "till");
        let clock = word(i + 1) == ":";
        if !(meridiem.is_some()
            || clock
            || (at_before && hour <= 12 && !matches!(word(next), "people" | "persons" | "guests" | "minutes" | "hours" | "days")))
        {
            continue;
        }
        let mut h = hour;
        match meridiem {
            Some(true) if h < 12 => h += 12,
            Some(false) if h == 12 => h = 0,
            None if !clock || h < 12 => {
                // No am/pm: hours 1–7 are afternoon/evening in everyday speech,
                // unless "in the morning" follows.
                let morning = lower[tokens[i].end..].trim_start().starts_with("in the morning");
                if (1..=7).contains(&h) && !morning {
                    h += 12;
                }
            }
            _ => {}
        }
        if let Some(t) = NaiveTime::from_hms_opt(h, minute, 0) {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_weekday_with_its_date_is_that_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(); // a Tuesday
        let on = |text: &str| find_when(text, today, true).date;
        assert_eq!(on("I can do Friday the 11th at noon"), NaiveDate::from_ymd_opt(2026, 12, 11));
        assert_eq!(on("How about Thursday the 10th at 3?"), NaiveDate::from_ymd_opt(2026, 12, 10));
        assert_eq!(on("Friday, the 27th works"), NaiveDate::from_ymd_opt(2026, 11, 27));
        assert_eq!(on("we have Monday 7th open"), NaiveDate::from_ymd_opt(2026, 12, 7));
        // A weekday that does not fit the date: the date wins.
        assert_eq!(on("Wednesday the 11th"), NaiveDate::from_ymd_opt(2026, 12, 11));
        assert_eq!(on("on the 3rd"), NaiveDate::from_ymd_opt(2026, 12, 3));
        assert_eq!(on("the 5th of December"), NaiveDate::from_ymd_opt(2026, 12, 5));
        // A weekday alone is still the next one.
        assert_eq!(on("Friday at 3"), NaiveDate::from_ymd_opt(2026, 11, 27));
        assert_eq!(on("Friday 3pm"), NaiveDate::from_ymd_opt(2026, 11, 27));
        assert_eq!(on("on Friday the 11th"), NaiveDate::from_ymd_opt(2026, 12, 11));
        assert_eq!(on("next Thursday the 10th"), NaiveDate::from_ymd_opt(2026, 12, 10));
    }

    use super::*;

    /// Tuesday, 24 November 2026.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn day(text: &str) -> Option<String> {
        find_when(text, today(), true).date.map(|d| d.to_string())
    }

    #[test]
    fn relative_days() {
        assert_eq!(day("call them today").as_deref(), Some("2026-11-24"));
        assert_eq!(day("tomorrow at 3").as_deref(), Some("2026-11-25"));
        assert_eq!(day("this Saturday").as_deref(), Some("2026-11-28"));
        assert_eq!(day("next Tuesday at 3:30").as_deref(), Some("2026-12-01"));
        assert_eq!(day("next Saturday").as_deref(), Some("2026-12-05"));
        assert_eq!(day("on Friday").as_deref(), Some("2026-11-27"));
        assert_eq!(day("Tuesday works").as_deref(), Some("2026-12-01"), "a bare weekday is after today");
        assert_eq!(day("in 3 days").as_deref(), Some("2026-11-27"));
        assert_eq!(day("in two weeks").as_deref(), Some("2026-12-08"));
        assert_eq!(day("the day after tomorrow").as_deref(), Some("2026-11-26"));
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(day("December 5th").as_deref(), Some("2026-12-05"));
        assert_eq!(day("on Dec 5 please").as_deref(), Some("2026-12-05"));
        assert_eq!(day("the 3rd of January").as_deref(), Some("2027-01-03"));
        assert_eq!(day("5 March").as_deref(), Some("2027-03-05"));
        assert_eq!(day("2025-12-05").as_deref(), Some("2025-12-05"));
        assert_eq!(day("on 12/5").as_deref(), Some("2026-12-05"));
        assert_eq!(find_when("on 5/12", today(), false).date.map(|d| d.to_string()).as_deref(), Some("2026-12-05"));
        assert_eq!(day("you may call"), None, "may the verb");
    }

    #[test]
    fn ranges() {
        let w = find_when("book a cleaning next week", today(), true);
        assert_eq!(w.range.map(|(a, b)| (a.to_string(), b.to_string())), Some(("2026-11-30".into(), "2026-12-06".into())));
        assert_eq!(w.phrase.as_deref(), Some("next week"));
        let w = find_when("this weekend", today(), true);
        assert_eq!(w.range.map(|(a, _)| a.to_string()).as_deref(), Some("2026-11-28"));
    }

    #[test]
    fn times_and_parts_of_day() {
        let t = |s: &str| find_when(s, today(), true).time.map(|t| t.format("%H:%M").to_string());
        assert_eq!(t("at 3pm").as_deref(), Some("15:00"));
        assert_eq!(t("3:30 pm").as_deref(), Some("15:30"));
        assert_eq!(t("next Tuesday at 3:30").as_deref(), Some("15:30"));
        assert_eq!(t("at 15:00").as_deref(), Some("15:00"));
        assert_eq!(t("at 7").as_deref(), Some("19:00"));
        assert_eq!(t("at 9").as_deref(), Some("09:00"));
        assert_eq!(t("at 10 am").as_deref(), Some("10:00"));
        assert_eq!(t("at noon").as_deref(), Some("12:00"));
        assert_eq!(t("at 8 in the morning").as_deref(), Some("08:00"));
        assert_eq!(t("a table for 4 people"), None);
        assert_eq!(t("under $100"), None);
        assert_eq!(find_when("tomorrow afternoon", today(), true).part_of_day, Some("afternoon"));
    }
}
