//! When a call may be placed: retry backoff and the user's business hours.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};

/// The delay before retry number `attempt` (1-based): `base`, doubling,
/// capped at one hour.
pub fn retry_delay(base_secs: u64, attempt: u32) -> Duration {
    let factor = 1u64 << attempt.saturating_sub(1).min(10);
    Duration::seconds((base_secs.saturating_mul(factor)).min(3600) as i64)
}

/// The earliest moment at or after `at` that falls within business hours
/// (`start`..`end`, Monday to Friday) in `tz`.
pub fn next_business_time<Tz: TimeZone>(at: DateTime<Utc>, tz: &Tz, start: NaiveTime, end: NaiveTime) -> DateTime<Utc> {
    let local = at.with_timezone(tz);
    let mut day = local.date_naive();
    for _ in 0..8 {
        let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        if weekday {
            let open = tz.from_local_datetime(&day.and_time(start)).earliest();
            let close = tz.from_local_datetime(&day.and_time(end)).earliest();
            if let (Some(open), Some(close)) = (open, close) {
                let (open, close) = (open.with_timezone(&Utc), close.with_timezone(&Utc));
                if at < close {
                    return if at >= open { at } else { open };
                }
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(retry_delay(60, 1), Duration::seconds(60));
        assert_eq!(retry_delay(60, 2), Duration::seconds(120));
        assert_eq!(retry_delay(60, 3), Duration::seconds(240));
        assert_eq!(retry_delay(60, 30), Duration::seconds(3600));
    }

    #[test]
    fn moves_into_the_next_business_window() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let tz = FixedOffset::west_opt(8 * 3600).unwrap(); // UTC-8
        // Tuesday 24 Nov 2026, 07:00 local → 09:00 local the same day.
        let early = Utc.with_ymd_and_hms(2026, 11, 24, 15, 0, 0).unwrap();
        assert_eq!(next_business_time(early, &tz, nine, five), Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap());
        // Within hours: unchanged.
        let noon = Utc.with_ymd_and_hms(2026, 11, 24, 20, 0, 0).unwrap();
        assert_eq!(next_business_time(noon, &tz, nine, five), noon);
        // Friday 18:00 local → Monday 09:00 local.
        let friday_evening = Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0).unwrap();
        assert_eq!(next_business_time(friday_evening, &tz, nine, five), Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).unwrap());
    }

    #[test]
    fn the_edges_of_a_window() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let utc = FixedOffset::east_opt(0).unwrap();
        // Opening time itself is inside; closing time is not (next morning).
        let open = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        assert_eq!(next_business_time(open, &utc, nine, five), open);
        let close = Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap();
        assert_eq!(next_business_time(close, &utc, nine, five), Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
        // Saturday noon waits for Monday; Sunday night too.
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        assert_eq!(next_business_time(saturday, &utc, nine, five), monday);
        let sunday_night = Utc.with_ymd_and_hms(2026, 11, 29, 23, 59, 0).unwrap();
        assert_eq!(next_business_time(sunday_night, &utc, nine, five), monday);
        // East of UTC, the local Monday starts on Sunday in UTC.
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let sunday_utc = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap(); // Monday 08:30 in Tokyo
        assert_eq!(next_business_time(sunday_utc, &tokyo, nine, five), Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
    }

    /// Across a change to daylight saving time the window stays at local
    /// nine o'clock, an hour earlier in UTC.
    #[cfg(feature = "ssr")]
    #[test]
    fn windows_follow_daylight_saving_time() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let new_york = chrono_tz::America::New_York;
        // Friday 6 March 2026, 18:00 EST; clocks go forward on Sunday the 8th.
        let friday_evening = Utc.with_ymd_and_hms(2026, 3, 6, 23, 0, 0).unwrap();
        let monday_nine_edt = Utc.with_ymd_and_hms(2026, 3, 9, 13, 0, 0).unwrap();
        assert_eq!(next_business_time(friday_evening, &new_york, nine, five), monday_nine_edt);
        // And back on 1 November: Monday the 2nd opens at 14:00 UTC.
        let friday = Utc.with_ymd_and_hms(2026, 10, 30, 22, 0, 0).unwrap();
        assert_eq!(next_business_time(friday, &new_york, nine, five), Utc.with_ymd_and_hms(2026, 11, 2, 14, 0, 0).unwrap());
    }
}
