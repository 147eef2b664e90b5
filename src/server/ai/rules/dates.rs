//! Dates and times in text, resolved against a reference day (today for a
//! plan, the call's date for a summary).

use super::text::Fold;
use super::text::{Token, TokenKind, number_words, tokenize, word_value};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, Timelike, Weekday};

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

/// "fourteenth", "twenty-first", "third".
fn ordinal_word(token: &str) -> Option<u32> {
    let unit = |w: &str| -> Option<u32> {
        Some(match w {
            "first" => 1,
            "second" => 2,
            "third" => 3,
            "fourth" => 4,
            "fifth" => 5,
            "sixth" => 6,
            "seventh" => 7,
            "eighth" => 8,
            "ninth" => 9,
            "tenth" => 10,
            "eleventh" => 11,
            "twelfth" => 12,
            "thirteenth" => 13,
            "fourteenth" => 14,
            "fifteenth" => 15,
            "sixteenth" => 16,
            "seventeenth" => 17,
            "eighteenth" => 18,
            "nineteenth" => 19,
            "twentieth" => 20,
            "thirtieth" => 30,
            _ => return None,
        })
    };
    match token.split_once('-') {
        Some(("twenty", rest)) => unit(rest).filter(|d| *d < 10).map(|d| 20 + d),
        Some(("thirty", "first")) => Some(31),
        Some(_) => None,
        None => unit(token),
    }
}

/// A day of the month as a token: "14th", "14", "fourteenth".
fn day_of_month(token: &Token<'_>) -> Option<u32> {
    match token.kind {
        TokenKind::Number => ordinal_day(token.text),
        TokenKind::Word => ordinal_word(token.text),
        _ => None,
    }
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
    let lower = text.folded();
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
            // "Thursday, December 10th", "Wednesday the 2nd of December".
            if let Some(m) = month(word(k))
                && let Some(d) = tokens.get(k + 1).and_then(day_of_month)
                && let Some(date) = upcoming(today, m, d)
            {
                set_day(&mut when, date, format!("{} {d}", capitalize_month(m)));
                break;
            }
            let said_the = word(k) == "the";
            if said_the {
                k += 1;
            }
            // "Friday the 11", "Friday 11th"; not "Friday 3pm".
            let ordinal = |t: &&Token<'_>| said_the || t.text.ends_with(['t', 'd', 'h']);
            if let Some(d) = tokens
                .get(k)
                .filter(|t| t.kind == TokenKind::Number || ordinal_word(t.text).is_some())
                .filter(ordinal)
                .and_then(day_of_month)
                && let Some(date) = weekday_with_day(today, day, d)
            {
                set_day(&mut when, date, format!("{} the {}", w, word(k)));
                break;
            }
        }
        // "a week from today", "a week on Friday", "Wednesday week".
        if w == "week" && matches!(word(i + 1), "from" | "on" | "today" | "tomorrow") {
            let (base_word, base) = match word(i + 1) {
                "today" | "tomorrow" => (word(i + 1), i + 1),
                _ => (word(i + 2), i + 2),
            };
            let base_day = match base_word {
                "today" | "now" => Some(today),
                "tomorrow" => Some(today + Days::new(1)),
                other => weekday(other).map(|d| resolve_weekday(today, d, None)),
            };
            if let Some(d) = base_day {
                set_day(&mut when, d + Days::new(7), format!("a week from {}", word(base)));
                break;
            }
        }
        if let Some(day) = weekday(w)
            && word(i + 1) == "week"
            && !matches!(if i > 0 { word(i - 1) } else { "" }, "last" | "every")
        {
            set_day(&mut when, resolve_weekday(today, day, None) + Days::new(7), format!("{w} week"));
            break;
        }
        match w {
            "today" | "tonight" => set_day(&mut when, today, w.to_owned()),
            "this" if matches!(word(i + 1), "morning" | "afternoon" | "evening") => {
                set_day(&mut when, today, format!("this {}", word(i + 1)))
            }
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
            && let Some(t) = tokens
                .get(i + 1)
                .filter(|t| (t.kind == TokenKind::Number && t.text.ends_with(['t', 'd', 'h'])) || ordinal_word(t.text).is_some())
            && let Some(d) = day_of_month(t)
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
                    ordinal_word(t.text)
                }
            });
            let before = if i >= 1 { ordinal_day(word(i - 1)).or_else(|| ordinal_word(word(i - 1))) } else { None };
            let before_of =
                if i >= 2 && word(i - 1) == "of" { ordinal_day(word(i - 2)).or_else(|| ordinal_word(word(i - 2))) } else { None };
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

    when.time = find_time(&tokens, &lower, when.has_day()).map(|t| {
        // "Tonight around 9" is 9 pm.
        let evening =
            ["tonight", "this evening", "in the evening", "at night", "dinner"].iter().any(|w| super::text::has_word(&lower, w));
        if evening && (1..12).contains(&t.hour()) { t + chrono::Duration::hours(12) } else { t }
    });
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

/// An hour said as a word ("nine", "twelve").
fn hour_word(w: &str) -> Option<u32> {
    word_value(w).map(|v| v as u32).filter(|h| (1..=12).contains(h))
}

/// Minutes said as a word after an hour ("fifteen", "forty-five", "oh five").
fn minute_word(w: &str) -> Option<u32> {
    let unit = |w: &str| word_value(w).map(|v| v as u32).filter(|u| (1..=9).contains(u));
    let tens = |w: &str| word_value(w).map(|v| v as u32).filter(|t| (10..=50).contains(t));
    match w.split_once('-') {
        Some(("oh", u)) => unit(u),
        Some((t, u)) => Some(tens(t)? + unit(u)?).filter(|m| *m >= 20),
        None => tens(w),
    }
}

/// Words before a number that make it a time ("at 3", "till six").
const TIME_BEFORE: &[&str] = &["at", "around", "about", "by", "until", "till", "til", "from", "after", "before", "for"];
/// Words after a number that make it a count, not a time.
const COUNTED: &[&str] = &[
    "people", "persons", "guests", "minutes", "minute", "mins", "hours", "hour", "days", "weeks", "of", "dollars", "bucks",
    "each", "percent", "items", "pieces", "months", "years", "nights",
];

/// A clock time from an hour and minutes with no am/pm: hours 1-7 are the
/// afternoon in everyday speech, unless the morning is named.
fn everyday(hour: u32, minute: u32, rest: &str) -> Option<NaiveTime> {
    let rest = rest.trim_start();
    let morning = rest.starts_with("in the morning") || rest.starts_with("a.m") || rest.starts_with("am ") || rest == "am";
    let evening =
        rest.starts_with("in the evening") || rest.starts_with("at night") || rest.starts_with("p.m") || rest.starts_with("pm");
    let h = match hour {
        12 if morning => 0,
        h if h < 12 && evening => h + 12,
        h @ 1..=7 if !morning => h + 12,
        h => h,
    };
    NaiveTime::from_hms_opt(h, minute, 0)
}

/// "at 3pm", "3:30 pm", "15:00", "at noon", "at 7" (read as 7 pm: business
/// hours), "at 10 in the morning", "half five" (5:30), "quarter past four",
/// "twenty to three", "nine o'clock", "two-fifteen" and "ten forty" (when a
/// day was named, or a word of time is before it: "twelve fifty" alone is
/// a price).
fn find_time(tokens: &[Token<'_>], lower: &str, has_day: bool) -> Option<NaiveTime> {
    let word = |i: usize| tokens.get(i).map(|t| t.text).unwrap_or("");
    let rest = |i: usize| tokens.get(i).map(|t| &lower[t.start..]).unwrap_or("");
    for i in 0..tokens.len() {
        let w = word(i);
        let cued = i > 0 && TIME_BEFORE.contains(&word(i - 1));
        if w == "noon" || w == "midday" {
            return NaiveTime::from_hms_opt(12, 0, 0);
        }
        if w == "midnight" {
            return NaiveTime::from_hms_opt(0, 0, 0);
        }
        // "quarter past four", "half past seven", "twenty to three", "half five".
        let fraction = match w {
            "quarter" => Some(15),
            "half" => Some(30),
            _ if cued || i == 0 => minute_word(w).filter(|m| *m % 5 == 0 && *m <= 30),
            _ => None,
        };
        if let Some(m) = fraction {
            let (direction, at) = match word(i + 1) {
                "past" | "after" => (1, i + 2),
                "to" | "til" | "till" | "of" if w != "half" => (-1, i + 2),
                _ if w == "half" => (1, i + 1),
                _ => (0, i),
            };
            if direction != 0
                && let Some(h) = hour_word(word(at)).or_else(|| word(at).parse::<u32>().ok().filter(|h| (1..=12).contains(h)))
            {
                let (h, m) = if direction > 0 { (h, m) } else { (if h == 1 { 12 } else { h - 1 }, 60 - m) };
                return everyday(h, m, rest(at + 1));
            }
        }
        // Hours in words: "nine o'clock", "at nine", "two-fifteen", "ten forty".
        if tokens[i].kind == TokenKind::Word {
            let priced = i > 0 && matches!(word(i - 1), "for" | "costs" | "cost" | "is" | "it's" | "that's" | "$" | "be");
            if let Some((h, m)) = w.split_once('-').and_then(|(a, b)| Some((hour_word(a)?, minute_word(b)?))) {
                if (has_day || cued || m % 15 == 0) && m >= 10 && !priced {
                    return everyday(h, m, rest(i + 1));
                }
                continue;
            }
            let Some(h) = hour_word(w) else { continue };
            if let Some(m) = minute_word(word(i + 1)).filter(|m| *m >= 10)
                && (has_day || cued || m % 15 == 0)
                && !priced
                && !COUNTED.contains(&word(i + 2))
            {
                return everyday(h, m, rest(i + 2));
            }
            let next = word(i + 1);
            let marked = matches!(next, "o'clock" | "oclock" | "am" | "pm")
                || (matches!(next, "a" | "p") && word(i + 2) == "." && word(i + 3) == "m")
                || rest(i + 1).trim_start().starts_with("in the morning")
                || rest(i + 1).trim_start().starts_with("in the evening");
            if marked || (cued && !COUNTED.contains(&next) && (word(i - 1) != "for" || has_day)) {
                return everyday(h, 0, rest(i + 1));
            }
            continue;
        }
        if tokens[i].kind != TokenKind::Number || tokens[i].text.contains(',') {
            continue;
        }
        // "5.30": a time only where a word of time is before it.
        if let Some((a, b)) = tokens[i].text.split_once('.') {
            if let (Ok(h), Ok(m)) = (a.parse::<u32>(), b.parse::<u32>())
                && cued
                && b.len() == 2
                && (1..=12).contains(&h)
                && m < 60
                && word(i - 1) != "for"
            {
                return everyday(h, m, rest(i + 1));
            }
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
        // "3pm", "3 p.m.", "3 o'clock", "10:30am"
        let suffix = word(next);
        let meridiem = match suffix {
            "am" | "a" if suffix == "am" || (word(next + 1) == "." && word(next + 2) == "m") => Some(false),
            "pm" | "p" if suffix == "pm" || (word(next + 1) == "." && word(next + 2) == "m") => Some(true),
            _ => None,
        };
        if meridiem.is_some() {
            next += 1;
        }
        let oclock = matches!(suffix, "o'clock" | "oclock");
        let clock = word(i + 1) == ":";
        let at_before = i > 0 && matches!(word(i - 1), "at" | "around" | "by" | "until" | "till" | "til");
        if !(meridiem.is_some() || clock || oclock || (at_before && hour <= 12 && !COUNTED.contains(&word(next)))) {
            continue;
        }
        let mut h = hour;
        match meridiem {
            Some(true) if h < 12 => h += 12,
            Some(false) if h == 12 => h = 0,
            None if !clock || h < 12 => {
                let end = tokens.get(next.saturating_sub(1)).map_or(tokens[i].end, |t| t.end.max(tokens[i].end));
                let morning = lower[end..].trim_start().starts_with("in the morning");
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

    #[test]
    fn times_as_people_say_them() {
        let t = |s: &str| find_when(s, today(), true).time.map(|t| t.format("%H:%M").to_string());
        for (text, time) in [
            ("Friday I have ten-forty or two-fifteen.", "10:40"),
            ("Okay, Friday the 27th, two-fifteen.", "14:15"),
            ("Monday the fourteenth, four-fifteen.", "16:15"),
            ("Tomorrow we open at nine and shut at half five.", "09:00"),
            ("We shut at half five.", "17:30"),
            ("December fourteenth at quarter past four, please.", "16:15"),
            ("Can you come at quarter to five?", "16:45"),
            ("Half past seven on Saturday.", "19:30"),
            ("Next Monday I got a nine o'clock.", "09:00"),
            ("See you at eleven o'clock.", "11:00"),
            ("around seven-thirty in the evening", "19:30"),
            ("nine a.m. with Carla", "09:00"),
            ("see you at 5.30 then", "17:30"),
            ("I can be there tomorrow at one.", "13:00"),
            ("tomorrow at 10:30am", "10:30"),
            ("Thursday at twenty past two", "14:20"),
            ("the fifteenth at ten", "10:00"),
            ("Friday at noon", "12:00"),
            ("Friday noon works", "12:00"),
            ("Twelve forty-five works.", "12:45"),
            ("Okay, Thursday, December 10th, 3 p.m.", "15:00"),
            ("drop-off at 7:30 in the morning?", "07:30"),
            ("a tow tonight around 9", "21:00"),
        ] {
            assert_eq!(t(text).as_deref(), Some(time), "{text}");
        }
        for text in [
            "It's twelve fifty for the cut.",
            "two-fifty for the visit",
            "a table for four",
            "ready in ten minutes",
            "that'll be 9.95",
            "about three hours",
            "I have nine of them in stock.",
        ] {
            assert_eq!(t(text), None, "{text}");
        }
    }

    #[test]
    fn days_as_people_say_them() {
        for (text, date) in [
            ("earliest is a week from today", "2026-12-01"),
            ("a week from Friday", "2026-12-04"),
            ("a week on Friday", "2026-12-04"),
            ("Wednesday week at two", "2026-12-02"),
            ("Monday week", "2026-12-07"),
            ("Monday the fourteenth, four-fifteen", "2026-12-14"),
            ("December ninth around seven-thirty", "2026-12-09"),
            ("the fifteenth at ten", "2026-12-15"),
            ("on the twenty-first", "2026-12-21"),
            ("this evening at 8", "2026-11-24"),
            ("this afternoon if you like", "2026-11-24"),
            ("the 3rd of December", "2026-12-03"),
            ("Okay, Thursday, December 10th, 3 p.m.", "2026-12-10"),
            ("Wednesday December 2nd, drop-off at 7:30", "2026-12-02"),
        ] {
            assert_eq!(day(text).as_deref(), Some(date), "{text}");
        }
    }
}
