//! Reading the RFC 3339 timestamps the server writes (`2026-11-24T09:30:00.123456Z`).
//!
//! Every record the browser reads carries timestamps. chrono's own reader goes
//! through its general format machinery, about 16 KB of the browser bundle for
//! this one layout, so the fields of those records read it here instead:
//! `#[serde(deserialize_with = "timestamp::deserialize")]` (or `timestamp::option`
//! for an `Option`). Writing is unchanged (chrono's `Serialize`), and what clients
//! send (a task's schedule) is still read by chrono, leniently.

use super::calendar::number;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer};

/// An RFC 3339 date-time (`T`, `t` or a space between date and time, a
/// fraction of up to nanoseconds, `Z` or a `±hh:mm` offset), as UTC.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    // Exactly `len` ASCII digits at byte `at` (`get` refuses a cut inside a character).
    let digits = |at: usize, len: usize| text.get(at..at + len).and_then(|part| number(part, len));
    let byte_is = |at: usize, want: &[u8]| b.get(at).is_some_and(|c| want.contains(c));
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(byte_is(4, b"-") && byte_is(7, b"-") && byte_is(10, b"Tt ") && byte_is(13, b":") && byte_is(16, b":")) {
        return None;
    }
    let mut at = 19;
    let mut nano = 0;
    if byte_is(at, b".") {
        let start = at + 1;
        at = start;
        while byte_is(at, b"0123456789") {
            at += 1;
        }
        let kept = (at - start).min(9);
        if kept == 0 {
            return None;
        }
        nano = digits(start, kept)? * 10u32.pow(9 - kept as u32);
    }
    let offset_minutes = match b.get(at)? {
        b'Z' | b'z' => {
            at += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let (h, m) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if !byte_is(at + 3, b":") || h > 23 || m > 59 {
                return None;
            }
            at += 6;
            let minutes = i64::from(h * 60 + m);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    if at != b.len() {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    // A leap second (`:60`) is chrono's second 59 with a nanosecond count past one second.
    let time = if second == 60 {
        NaiveTime::from_hms_nano_opt(hour, minute, 59, nano + 1_000_000_000)?
    } else {
        NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?
    };
    Some(date.and_time(time).checked_sub_signed(TimeDelta::minutes(offset_minutes))?.and_utc())
}

/// serde: a timestamp field.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    read(String::deserialize(d)?)
}

/// serde: an optional timestamp field (`null` or absent is `None`; pair with `default`).
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?.map(read).transpose()
}

fn read<E: serde::de::Error>(text: String) -> Result<DateTime<Utc>, E> {
    parse(&text).ok_or_else(|| E::custom(format!("`{text}` is not an RFC 3339 timestamp")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SecondsFormat;

    #[test]
    fn reads_what_chrono_writes() {
        let moments = [
            DateTime::from_timestamp(0, 0).unwrap(),
            DateTime::from_timestamp(1_795_000_000, 123_456_000).unwrap(),
            DateTime::from_timestamp(1_795_000_000, 1).unwrap(),
            DateTime::from_timestamp(-86_400 * 365 * 50, 999_999_999).unwrap(),
            DateTime::from_timestamp(253_402_300_799, 0).unwrap(), // 9999-12-31T23:59:59Z
        ];
        for at in moments {
            for format in
                [SecondsFormat::Secs, SecondsFormat::Millis, SecondsFormat::Micros, SecondsFormat::Nanos, SecondsFormat::AutoSi]
            {
                for z in [true, false] {
                    let text = at.to_rfc3339_opts(format, z);
                    let truncated = DateTime::parse_from_rfc3339(&text).unwrap().to_utc();
                    assert_eq!(parse(&text), Some(truncated), "{text}");
                }
            }
            assert_eq!(
                serde_json::from_value::<Stamped>(serde_json::to_value(Stamped { at, maybe: Some(at) }).unwrap()).unwrap().at,
                at
            );
        }
    }

    #[test]
    fn agrees_with_chrono_on_offsets_separators_and_leap_seconds() {
        for text in [
            "2026-11-24T09:30:00+05:30",
            "2026-11-24t09:30:00.5-08:00",
            "2026-11-24 23:59:59.123456789123Z",
            "2026-01-01T00:30:00+01:00",
            "2016-12-31T23:59:60Z",
            "2024-02-29T12:00:00z",
        ] {
            let theirs = text.parse::<DateTime<Utc>>().ok();
            assert!(theirs.is_some(), "chrono reads {text}");
            assert_eq!(parse(text), theirs, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for text in [
            "",
            "2026-11-24",
            "2026-11-24T09:30",
            "2026-11-24T09:30:00",
            "2026-11-24T09:30:00.Z",
            "2026-02-30T09:30:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T09:30:00+0530",
            "2026-11-24T09:30:00+24:00",
            "2026-11-24T09:30:00Z ",
            "2026/11/24T09:30:00Z",
            "+2026-11-24T09:30:00Z",
            "２026-11-24T09:30:00Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        let err = serde_json::from_str::<Stamped>(r#"{"at": "yesterday"}"#).unwrap_err();
        assert!(err.to_string().contains("`yesterday` is not an RFC 3339 timestamp"), "{err}");
        let none = serde_json::from_str::<Stamped>(r#"{"at": "2026-11-24T09:30:00Z", "maybe": null}"#).unwrap();
        assert_eq!(none.maybe, None);
        assert_eq!(serde_json::from_str::<Stamped>(r#"{"at": "2026-11-24T09:30:00Z"}"#).unwrap().maybe, None);
    }

    #[derive(Debug, serde::Serialize, Deserialize)]
    struct Stamped {
        #[serde(deserialize_with = "deserialize")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "option")]
        maybe: Option<DateTime<Utc>>,
    }
}
