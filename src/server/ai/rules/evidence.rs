//! Where each fact of a call was said, and whether it was read back and
//! confirmed. Decided by code from the transcript, whichever engine (these
//! rules or a model) proposed the fact: a fact no line of the business
//! states has no evidence, and the call page says so rather than linking
//! to a line that does not say it.

use super::dates::find_when;
use super::summarize::Line;
use super::text::{Fold, has_any, has_word};
use crate::domain::enums::{DataType, Speaker};
use crate::domain::plan::ExtractedItem;
use crate::domain::session::fact_words;
use crate::server::ai::understand;
use chrono::{NaiveDate, NaiveTime, Timelike};

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    /// The business's lines that state the fact (indexes into the call's
    /// lines, in order).
    pub lines: Vec<usize>,
    /// After they said it, we said it back, and the next thing they said
    /// agreed ("Just to confirm: Tuesday at 2:30, reference DC-1234. Is
    /// that right?" - "Yes, that's right.").
    pub confirmed: bool,
}

/// What a line has to say for it to state a fact.
#[derive(Debug, Clone, PartialEq)]
enum Fact {
    /// A price: the amount, said in any way the live call hears prices,
    /// or the sentence the summary took it from.
    Amount { amount: f64, sentence: Option<String> },
    /// A day, a time of day, or both: either one said names the slot.
    When { date: Option<NaiveDate>, time: Option<NaiveTime> },
    /// A reference, as its letters and digits ("NV-2473" is "NV2473").
    Reference(String),
    /// Words of the fact: all of them (`all`) or most of them.
    Words { words: Vec<String>, all: bool },
}

/// Letters and digits only, upper case.
fn plain(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

const LITTLE_WORDS: &[&str] = &["the", "and", "for", "you", "your", "with", "are", "our", "its", "that", "this", "from", "will"];

/// The words of `text` worth finding again: numbers, and words of three
/// letters or more that are not little words, each once.
fn words_of(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.folded().split(|c: char| !c.is_alphanumeric()) {
        let keep = w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty() || w.chars().count() >= 3 && !LITTLE_WORDS.contains(&w);
        if keep && !out.iter().any(|o| o == w) {
            out.push(w.to_owned());
        }
    }
    out
}

impl Fact {
    fn of(item: &ExtractedItem) -> Option<Fact> {
        let v = &item.extracted_value;
        let text = |key: &str| v.get(key).and_then(|s| s.as_str()).map(str::trim).filter(|s| !s.is_empty());
        let fact = match item.data_type {
            DataType::Price => v
                .get("amount")
                .and_then(|a| match a {
                    // A model may write the amount as text ("$85", "eighty").
                    serde_json::Value::String(s) => understand::money::read(s).charges.first().map(|c| c.amount),
                    other => other.as_f64(),
                })
                .filter(|a| a.is_finite() && *a > 0.0)
                .map(|amount| Fact::Amount {
                    amount,
                    sentence: text("details").filter(|d| d.chars().count() >= 8).map(str::to_owned),
                }),
            DataType::Appointment => {
                let date = text("date").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                let time = text("time").and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok());
                (date.is_some() || time.is_some()).then_some(Fact::When { date, time })
            }
            DataType::ConfirmationNumber => text("value").map(plain).filter(|p| p.chars().count() >= 2).map(Fact::Reference),
            DataType::Name | DataType::BusinessName => text("value").map(|n| Fact::Words { words: words_of(n), all: true }),
            DataType::Hours | DataType::Instructions | DataType::Other => None,
        };
        let fact = fact.unwrap_or_else(|| Fact::Words { words: words_of(&fact_words(v)), all: false });
        match &fact {
            Fact::Words { words, .. } if words.is_empty() => None,
            _ => Some(fact),
        }
    }

    /// Whether `line` states the fact.
    fn stated_in(&self, line: &str, call_date: NaiveDate, month_first: bool) -> bool {
        match self {
            Fact::Amount { amount, sentence } => {
                sentence.as_deref().is_some_and(|s| line.contains(s))
                    || understand::money::read(line)
                        .charges
                        .iter()
                        .any(|c| !c.excluded && [Some(c.amount), c.low].into_iter().flatten().any(|a| (a - amount).abs() < 0.005))
            }
            Fact::When { date, time } => {
                let when = find_when(line, call_date, month_first);
                let same_day = date.is_some() && when.date == *date;
                let same_time = match (time, when.time) {
                    // "Two-thirty" is the 14:30 agreed.
                    (Some(a), Some(b)) => a.hour() % 12 == b.hour() % 12 && a.minute() == b.minute(),
                    _ => false,
                };
                same_day || same_time
            }
            Fact::Reference(reference) => {
                understand::reference::find_all(line).iter().any(|r| plain(r) == *reference)
                    || reference.chars().count() >= 4 && plain(line).contains(reference.as_str())
            }
            Fact::Words { words, all } => {
                let lower = line.folded();
                let found = words.iter().filter(|w| has_word(&lower, w)).count();
                if *all { found == words.len() } else { found * 5 >= words.len() * 3 && found > 0 }
            }
        }
    }
}

/// Whether `reply` agrees with what we read back: a yes and no "no",
/// "actually" or correction.
pub fn affirms(reply: &str) -> bool {
    let lower = reply.folded().replace('’', "'");
    // "No problem", "not a problem" and "no worries" are no denial.
    let rest = ["no problem", "not a problem", "no worries", "no trouble"].iter().fold(lower.clone(), |t, p| t.replace(p, " "));
    let denies = has_any(
        &rest,
        &[
            "no",
            "nope",
            "nah",
            "not",
            "isn't",
            "wasn't",
            "actually",
            "wrong",
            "incorrect",
            "mistake",
            "instead",
            "hang on",
            "hold on",
            "wait",
        ],
    );
    !denies
        && has_any(
            &lower,
            &[
                "yes",
                "yeah",
                "yep",
                "yup",
                "yes please",
                "correct",
                "that's right",
                "that is right",
                "right",
                "exactly",
                "perfect",
                "you got it",
                "spot on",
                "that's it",
                "sounds right",
                "sounds good",
                "absolutely",
                "indeed",
                "mhm",
                "uh-huh",
                "confirmed",
                "all set",
                "see you then",
                "that's the one",
            ],
        )
}

/// Where `item` was said in `lines`, and whether it was read back and
/// agreed. `call_date` and `month_first` read days as the summary does.
pub fn locate(item: &ExtractedItem, lines: &[Line], call_date: NaiveDate, month_first: bool) -> Evidence {
    let Some(fact) = Fact::of(item) else { return Evidence::default() };
    let states = |l: &Line| fact.stated_in(&l.content, call_date, month_first);
    let found: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.speaker == Speaker::Human && states(l)).map(|(i, _)| i).collect();
    let Some(&first) = found.first() else { return Evidence::default() };
    // Walking forward from where they said it: a line of ours that says it
    // back opens a read-back; their next line answers it.
    let mut read_back = false;
    let mut confirmed = false;
    for l in &lines[first + 1..] {
        match l.speaker {
            Speaker::Assistant => read_back = read_back || states(l),
            Speaker::Human if read_back => {
                confirmed = affirms(&l.content);
                if confirmed {
                    break;
                }
                read_back = false;
            }
            _ => {}
        }
    }
    Evidence { lines: found, confirmed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn call(lines: &[(&str, &str)]) -> Vec<Line> {
        lines
            .iter()
            .enumerate()
            .map(|(i, (who, text))| Line {
                speaker: match *who {
                    "them" => Speaker::Human,
                    "us" => Speaker::Assistant,
                    _ => Speaker::System,
                },
                content: (*text).to_owned(),
                timestamp_ms: i as i64 * 1000,
            })
            .collect()
    }

    fn item(t: DataType, v: serde_json::Value) -> ExtractedItem {
        ExtractedItem { data_type: t, extracted_value: v, confidence: 0.9, segment_ids: Vec::new(), confirmed: false }
    }

    #[test]
    fn each_kind_of_fact_points_at_the_lines_of_the_business_that_say_it() {
        let lines = call(&[
            ("them", "Bright Smiles Dental, this is Sarah."),
            ("us", "Hi, I'd like to book a cleaning for next week, ideally under $100."),
            ("them", "We have Tuesday, December 1st at two-thirty. A cleaning is eighty-five."),
            ("us", "That works. Please go ahead and book it."),
            ("them", "Done. Your confirmation is D as in delta, C, 4 4 1 2. Please arrive ten minutes early."),
            ("system", "Noted: price 85"),
        ]);
        let at = |t, v| locate(&item(t, v), &lines, day(), true).lines;
        assert_eq!(at(DataType::Price, json!({"amount": 85.0, "currency": "USD"})), vec![2]);
        assert_eq!(at(DataType::Appointment, json!({"date": "2026-12-01", "time": "14:30"})), vec![2]);
        assert_eq!(at(DataType::ConfirmationNumber, json!({"value": "DC-4412"})), vec![4]);
        assert_eq!(at(DataType::Name, json!({"value": "Sarah"})), vec![0]);
        assert_eq!(at(DataType::BusinessName, json!({"value": "Bright Smiles Dental"})), vec![0]);
        assert_eq!(at(DataType::Instructions, json!({"text": "Please arrive ten minutes early."})), vec![4]);
        // Said only by us (our budget), never by them: no evidence.
        assert_eq!(at(DataType::Price, json!({"amount": 100.0})), Vec::<usize>::new());
        // Made up: nothing in the call says it.
        assert_eq!(at(DataType::ConfirmationNumber, json!({"value": "ZX-9999"})), Vec::<usize>::new());
        assert_eq!(at(DataType::Appointment, json!({"date": "2026-12-04"})), Vec::<usize>::new());
        assert_eq!(at(DataType::Other, json!({})), Vec::<usize>::new());
        // An amount written as text is read as one: "eighty" is not the
        // eighty-five they said.
        assert_eq!(at(DataType::Price, json!({"amount": "eighty"})), Vec::<usize>::new());
        assert_eq!(at(DataType::Price, json!({"amount": "$85"})), vec![2]);
    }

    #[test]
    fn a_fact_read_back_and_agreed_to_is_confirmed() {
        for yes in [
            "Yes, that's right.",
            "Yep.",
            "That's correct, see you then!",
            "Mhm, you got it.",
            "Correct. Anything else?",
            "Yes, no problem at all.",
            "That's right, not a problem.",
            "Exactly. No worries!",
            "Spot on, thanks.",
        ] {
            let lines = call(&[
                ("them", "You're booked for Tuesday at 2:30, confirmation DC-4412."),
                ("us", "Just to confirm: Tuesday, December 1 at 2:30 PM, reference DC-4412. Is that right?"),
                ("them", yes),
            ]);
            for v in [json!({"date": "2026-12-01", "time": "14:30"}), json!({"value": "DC-4412"})] {
                let t = if v.get("value").is_some() { DataType::ConfirmationNumber } else { DataType::Appointment };
                let e = locate(&item(t, v), &lines, day(), true);
                assert_eq!(e.lines, vec![0]);
                assert!(e.confirmed, "{yes}");
            }
        }
    }

    #[test]
    fn a_correction_a_question_or_silence_after_the_read_back_is_no_confirmation() {
        let appointment = item(DataType::Appointment, json!({"date": "2026-12-01", "time": "14:30"}));
        for reply in [
            Some("No, it's three-thirty, not two-thirty."),
            Some("Actually, we moved you to Wednesday."),
            Some("Sorry, what was that?"),
            Some("Hang on, let me check... yes."),
            Some("Nope."),
            Some("Is that for the cleaning?"),
            Some("Right, no, that's wrong."),
            None,
        ] {
            let mut script = vec![
                ("them", "You're booked for Tuesday at 2:30."),
                ("us", "Just to confirm: Tuesday, December 1 at 2:30 PM. Is that right?"),
            ];
            script.extend(reply.map(|r| ("them", r)));
            let e = locate(&appointment, &call(&script), day(), true);
            assert!(!e.confirmed, "{reply:?}");
        }
        // Our own offer they agreed to is not a read-back of what they said.
        let lines = call(&[("us", "Could you do Tuesday at 2:30?"), ("them", "Yes.")]);
        assert!(!locate(&appointment, &lines, day(), true).confirmed);
        // A read-back of something else, agreed to, does not confirm this.
        let lines =
            call(&[("them", "Tuesday at 2:30 works. It's $85."), ("us", "Just to confirm, a price of $85?"), ("them", "Yes.")]);
        let e = locate(&appointment, &lines, day(), true);
        assert_eq!((e.lines, e.confirmed), (vec![0], false));
        // A "yes" to a later, different question does not count.
        let lines = call(&[
            ("them", "You're in for Tuesday at 2:30."),
            ("us", "Tuesday at 2:30, great."),
            ("them", "Mm."),
            ("us", "Do I need to bring anything?"),
            ("them", "Yes, your insurance card."),
        ]);
        assert!(!locate(&appointment, &lines, day(), true).confirmed);
    }

    #[test]
    fn amounts_said_any_way_the_live_call_hears_them() {
        for line in ["It's $85.", "Eighty-five dollars.", "That comes to 85 bucks.", "eighty five", "85.00 all in"] {
            let lines = call(&[("us", "How much is a cleaning?"), ("them", line)]);
            let e = locate(&item(DataType::Price, json!({"amount": 85.0})), &lines, day(), true);
            assert_eq!(e.lines, vec![1], "{line}");
        }
    }
}
