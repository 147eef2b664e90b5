//! Whatever text comes in, no reader of the offline engine panics: the
//! planner, the risk check, the date and phone readers and the summariser
//! (the live readers of prices and situations have their own, beside them), fed arbitrary Unicode, characters whose lower-case
//! form has another byte length (the Kelvin sign, `İ`, `ẞ`), control
//! characters, mixed scripts and very long input.

use super::dates::find_when;
use super::phones::find_phone_spans;
use super::planner::{PlanContext, plan};
use super::risk::{assess, redact_sensitive};
use super::summarize::{Line, summarize};
use crate::domain::enums::Speaker;
use chrono::NaiveDate;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Pieces of an instruction or a business's line, the awkward ones among
/// them: case folding that changes byte length, combining marks, right to
/// left text, control characters, emoji.
fn pieces() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "Call",
        "call",
        "KK",
        "\u{212A}",
        "İ",
        "ı",
        "ẞ",
        "ß",
        "ﬁ",
        "Σ",
        "ς",
        "e\u{301}",
        "\u{202E}",
        "مرحبا",
        "日本語",
        "\u{0}",
        "\u{7}",
        "\t",
        "\n",
        "\r",
        "🦷",
        "👩\u{200D}🔧",
        " ",
        ",",
        ".",
        "?",
        "!",
        ":",
        "-",
        "$",
        "€",
        "£",
        "400",
        "1,500",
        "2k",
        "12.50",
        "415-555-0100",
        "+44 20 7946 0958",
        "(415) 555 0199",
        "at",
        "on",
        "next",
        "Friday",
        "the",
        "11th",
        "3pm",
        "half",
        "five",
        "tomorrow",
        "under",
        "max",
        "no more than",
        "an hour",
        "per person",
        "book",
        "a",
        "cleaning",
        "confirmation",
        "number",
        "is",
        "K as in kilo",
        "as in",
        "for",
        "and a half",
        "grand",
        "couple",
        "off the",
        "card is",
        "1.200",
        "5",
        "double",
        "seven",
        "dash",
        "G",
        "58",
        "we're",
        "closed",
        "open",
        "9",
        "to",
        "Monday",
        "through",
        "plus",
        "tax",
        "refund",
        "İyi günler",
        "€50",
        "card",
        "4111 1111 1111 1111",
        "123-45-6789",
    ]);
    prop::collection::vec(piece, 0..80).prop_map(|p| p.join(" "))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "\\PC{0,300}", pieces()]
}

fn lines_of(texts: &[String]) -> Vec<Line> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Line {
            speaker: if i % 2 == 0 { Speaker::Human } else { Speaker::Assistant },
            content: t.clone(),
            timestamp_ms: i as i64 * 1000,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn planning_any_instruction_never_panics(text in any_text()) {
        let ctx = PlanContext { today: today(), region: "US", contacts: &[] };
        let planned = plan(&text, &ctx);
        let _ = assess(&text, planned.plan.target_phone_number.as_deref(), false);
        let _ = redact_sensitive(&text);
        let _ = find_phone_spans(&text);
        for month_first in [true, false] {
            let _ = find_when(&text, today(), month_first);
        }
    }

    #[test]
    fn summarising_any_call_never_panics(texts in prop::collection::vec(any_text(), 0..12)) {
        let ctx = PlanContext { today: today(), region: "US", contacts: &[] };
        let p = plan("Call my dentist at 415-555-0100 and book a cleaning next week under $100", &ctx).plan;
        let lines = lines_of(&texts);
        let s = summarize(&lines, Some(&p), today(), true);
        prop_assert!(!s.summary.is_empty());
        let _ = summarize(&lines, None, today(), false);
    }

    #[test]
    fn finding_the_evidence_of_any_fact_in_any_call_never_panics(
        texts in prop::collection::vec(any_text(), 0..12),
        value in any_text(),
        amount in any::<f64>(),
    ) {
        use crate::domain::enums::DataType;
        use crate::domain::plan::ExtractedItem;
        use serde_json::json;
        let lines = lines_of(&texts);
        let mut items: Vec<ExtractedItem> = summarize(&lines, None, today(), true).extracted_data;
        for (t, v) in [
            (DataType::Price, json!({ "amount": amount, "details": value })),
            (DataType::Appointment, json!({ "date": value, "time": value })),
            (DataType::ConfirmationNumber, json!({ "value": value })),
            (DataType::Name, json!({ "value": value })),
            (DataType::Hours, json!({ "text": value, "n": [amount] })),
        ] {
            items.push(ExtractedItem { data_type: t, extracted_value: v, confidence: 1.0, segment_ids: Vec::new(), confirmed: false });
        }
        for item in &items {
            let found = super::evidence::locate(item, &lines, today(), true);
            prop_assert!(found.lines.iter().all(|&i| i < lines.len() && lines[i].speaker == Speaker::Human));
            prop_assert!(!found.confirmed || !found.lines.is_empty());
        }
        let _ = super::evidence::affirms(&value);
    }
}

/// The lines from the issue that once panicked, and very long input read
/// in reasonable time.
#[test]
fn the_lines_that_once_panicked_and_very_long_input() {
    let ctx = PlanContext { today: today(), region: "US", contacts: &[] };
    for text in [
        "Call \u{212A}\u{212A} at 415-555-0100 and ask their hours",
        "Call İstanbul Kebab at 415-555-0100, max ẞ50",
        "Call Joe’s Diner at 415-555-0100 and ask if they’re open",
    ] {
        let planned = plan(text, &ctx);
        assert_eq!(planned.plan.target_phone_number.as_deref(), Some("+14155550100"), "{text}");
    }
    let lines = lines_of(&["İyi günler. The repair is €50.".into(), "Thank you.".into()]);
    let s = summarize(&lines, None, today(), true);
    assert!(s.summary.contains("50"), "{}", s.summary);
    // Spelling cut off after "as in": the reference reader stepped past the
    // last word.
    for line in ["Your confirmation is K as in", "it's 4 B as in", "ref 7 7 G for", "k as in"] {
        let heard = crate::server::ai::understand::situation::hear(line);
        let s = summarize(&lines_of(&[line.into(), "Sorry?".into()]), None, today(), true);
        drop((heard, s));
    }

    // The longest instruction the API takes, a long call of short lines,
    // and one very long line.
    let sentence = "Call İ\u{212A} at 415-555-0100, it's $400 on Friday the 11th at 3pm. ";
    let instruction: String = sentence.repeat(crate::domain::task::MAX_INSTRUCTION_CHARS / sentence.chars().count());
    let long_call: Vec<String> = (0..600).map(|i| format!("{sentence} Line {i}, ref K-{i}.")).collect();
    let long_line = vec![sentence.repeat(150), "Thanks.".to_owned()];
    for (what, work) in [
        ("the longest instruction", Box::new(|| drop(plan(&instruction, &ctx))) as Box<dyn Fn()>),
        ("600 lines", Box::new(|| drop(summarize(&lines_of(&long_call), None, today(), true)))),
        ("a 10,000-character line", Box::new(|| drop(summarize(&lines_of(&long_line), None, today(), true)))),
    ] {
        let started = std::time::Instant::now();
        work();
        println!("{what}: {:?}", started.elapsed());
        // Generous for a debug build on a loaded machine; quadratic work takes minutes.
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{what}: {:?}", started.elapsed());
    }
}
