//! Opening hours, said the ordinary ways: "we're here till six", "doors
//! open at 7 on weekdays", "we open at nine and shut at half five",
//! "Saturdays ten to two", "we do 8 to 8 every day", "we're nine till half
//! five Monday to Friday". Not a slot ("I have an opening at 3", "December
//! 3rd at 10, that's open") and not a wait ("ready in 20 minutes").

use crate::server::ai::rules::text::Fold;
use crate::server::ai::rules::text::has_any;

/// Words that say the business is open or closed at a time.
const STATE: &[&str] = &[
    "we're open",
    "we are open",
    "we open",
    "we're opened",
    "opens",
    "open at",
    "open from",
    "open till",
    "open until",
    "open til",
    "open on",
    "open every",
    "open daily",
    "open seven",
    "open 24",
    "we close",
    "we're closed",
    "we are closed",
    "closes",
    "close at",
    "closing time",
    "we shut",
    "shuts",
    "shut at",
    "doors open",
    "here till",
    "here until",
    "here from",
    "in till",
    "around till",
    "hours are",
    "our hours",
    "opening hours",
    "business hours",
    "office hours",
    "normal hours",
    "holiday hours",
    "last orders",
    "last appointment",
    "last booking",
    "kitchen closes",
];

/// Words that say so only beside a span of hours ("we're nine to five").
const WEAK_STATE: &[&str] = &["we're", "we are", "we do", "it's", "they're", "open", "opens"];

/// Words that say which days: plural weekdays, "weekdays", "every day".
const DAYS: &[&str] = &[
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
    "weekdays",
    "weekends",
    "weekend",
    "every day",
    "everyday",
    "daily",
    "seven days",
    "monday to friday",
    "monday through friday",
    "mon to fri",
    "mon-fri",
    "monday-friday",
    "normal days",
    "most days",
    "today",
    "tomorrow",
    "tonight",
    "saturday",
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "mornings",
    "evenings",
    "afternoons",
    "holiday",
    "thanksgiving",
    "christmas",
];

/// Words for an hour of the clock.
fn clock_word(w: &str) -> bool {
    let w = w.trim_end_matches(['a', 'p', 'm', '.']).trim_end_matches(':');
    // "four-thirty", "half-five"
    if let Some((h, m)) = w.split_once('-') {
        return clock_word(h) && matches!(m, "fifteen" | "thirty" | "forty-five" | "five" | "six" | "seven" | "eight" | "nine");
    }
    matches!(
        w,
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "eleven"
            | "twelve"
            | "noon"
            | "midday"
            | "midnight"
            | "half"
    ) || w.split([':', '.']).next().and_then(|h| h.parse::<u32>().ok()).is_some_and(|h| (1..=24).contains(&h))
}

/// Whether `sentence` states opening hours.
pub fn states_hours(sentence: &str) -> bool {
    let lower = sentence.folded().replace('’', "'");
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '!' | '?' | '(' | ')'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty())
        .collect();
    if has_any(&lower, &["24/7", "24 hours", "around the clock", "round the clock", "twenty-four hours"]) {
        return has_any(&lower, &["open", "we're", "we are"]);
    }
    if words.iter().any(|w| matches!(*w, "minutes" | "mins")) {
        return false;
    }
    // "ten to two", "8-8", "nine till half five", "from 9 until 5".
    let range = words
        .windows(3)
        .any(|w| clock_word(w[0]) && matches!(w[1], "to" | "till" | "til" | "until" | "-" | "through") && clock_word(w[2]))
        || words.windows(4).any(|w| w[0] == "between" && clock_word(w[1]) && w[2] == "and" && clock_word(w[3]))
        || words
            .windows(4)
            .any(|w| clock_word(w[0]) && matches!(w[1], "to" | "till" | "til" | "until") && w[2] == "half" && clock_word(w[3]))
        || words.iter().any(|w| {
            w.split_once('-')
                .is_some_and(|(a, b)| a.chars().next().is_some_and(|c| c.is_ascii_digit()) && clock_word(a) && clock_word(b))
        });
    // "open at nine", "here till six", "we close at 5".
    let time_after_state =
        words.windows(2).any(|w| matches!(w[0], "at" | "till" | "til" | "until" | "from" | "by") && clock_word(w[1]));
    let state = has_any(&lower, STATE);
    let days = has_any(&lower, DAYS);
    (range && (state || has_any(&lower, WEAK_STATE) || days)) || (state && time_after_state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_said_the_ordinary_ways() {
        for text in [
            "We're open until 9 pm today, and 10 am to 6 pm on Sunday.",
            "Saturday? We do eight to five Saturdays, Sunday we're nine to three.",
            "Weekdays we're here till seven.",
            "We open at five, we're five till midnight.",
            "We're here till six tonight.",
            "Thanksgiving we're open, short day, eleven to four.",
            "Normal days it's ten to ten.",
            "We're nine till half five Monday to Friday, and Saturday mornings till one.",
            "Tomorrow we open at nine and shut at half five.",
            "Doors open at 7 on weekdays.",
            "Most branches are nine to five weekdays.",
            "We're open 24/7.",
            "Our hours are 8-6, Monday to Saturday.",
            "We're in the office eight to four-thirty, Monday to Friday, if he wants to chase us.",
            "The kitchen closes at ten.",
        ] {
            assert!(states_hours(text), "{text}");
        }
        for text in [
            "December 3rd at 10, yes, that's open. Booked.",
            "I have an opening at 3 on Friday.",
            "Give us about forty minutes.",
            "We're open on Thanksgiving, people love it.",
            "I can do Monday at four.",
            "It's ninety bucks for the groom.",
            "The table is for six at eight.",
            "Anywhere from five to seven hundred, depends if the posts are rotten.",
            "They're thirty-five, and Saturday's got spots at eleven and two last I checked.",
            "We can see you at 10 tomorrow.",
        ] {
            assert!(!states_hours(text), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "\\PC{0,300}") {
            let _ = states_hours(&text);
        }
    }
}
