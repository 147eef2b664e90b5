//! Post-call processing: a summary, the facts (prices, appointments,
//! confirmation numbers, names, business name, hours, instructions), the
//! overall sentiment, whether the goal was achieved, and follow-ups.

use super::dates::find_when;
use super::text::has_any;
use crate::domain::enums::{DataType, Sentiment, Speaker};
use crate::domain::money;
use crate::domain::plan::{AiPlan, CallSummary, ExtractedItem, TaskKind};
use crate::server::ai::understand::{self, money::Certainty};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One line of a transcript (the CLI's input format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub speaker: Speaker,
    pub content: String,
    #[serde(default)]
    pub timestamp_ms: i64,
}

const REFUSALS: &[&str] = &[
    "not interested",
    "no thanks",
    "no thank you",
    "can't help",
    "cannot help",
    "stop calling",
    "don't call",
    "do not call",
    "we don't do",
    "we do not do",
    "we don't have",
    "no availability",
    "fully booked",
    "we're closed",
    "we are closed",
    "not accepting",
    "go away",
    "leave us alone",
    "i'm hanging up",
    "hang up",
    "don't want",
    "take us off",
    "remove us",
];
const BOOKED: &[&str] = &[
    "booked",
    "scheduled",
    "reserved",
    "see you",
    "you're all set",
    "you are all set",
    "confirmed",
    "appointment is",
    "reservation is",
    "we have you down",
    "i've put you down",
    "put you down",
    "got you down",
    "penciled",
];
const POSITIVE: &[&str] = &[
    "great",
    "perfect",
    "wonderful",
    "happy to",
    "glad",
    "sure",
    "of course",
    "absolutely",
    "no problem",
    "thank you",
    "thanks",
    "excellent",
    "lovely",
    "my pleasure",
];
const NEGATIVE: &[&str] = &[
    "sorry",
    "unfortunately",
    "can't",
    "cannot",
    "unable",
    "not possible",
    "rude",
    "annoying",
    "waste",
    "stop calling",
    "go away",
    "busy",
    "problem",
];

/// Summarises a finished call. `call_date` resolves "this Saturday";
/// `month_first` reads "12/5" as December 5.
pub fn summarize(lines: &[Line], plan: Option<&AiPlan>, call_date: NaiveDate, month_first: bool) -> CallSummary {
    let them: Vec<&str> = lines.iter().filter(|l| l.speaker == Speaker::Human).map(|l| l.content.as_str()).collect();
    let all_lower = lines.iter().map(|l| l.content.to_lowercase()).collect::<Vec<_>>().join("\n");
    let them_lower = them.iter().map(|l| l.to_lowercase()).collect::<Vec<_>>().join("\n");
    let kind = plan.map(|p| p.task_kind).unwrap_or_default();
    let voicemail = lines.iter().any(|l| {
        let c = l.content.to_lowercase();
        (l.speaker == Speaker::System && c.contains("voicemail"))
            || (l.speaker == Speaker::Human
                && (c.contains("leave a message") || c.contains("after the beep") || c.contains("after the tone")))
    });
    let rejected_by_user = lines.iter().any(|l| l.speaker == Speaker::System && l.content.to_lowercase().contains("rejected"));
    let approval_timed_out =
        lines.iter().any(|l| l.speaker == Speaker::System && l.content.to_lowercase().contains("no answer from"));
    let refused = has_any(&them_lower, REFUSALS);

    let mut items: Vec<ExtractedItem> = Vec::new();
    let push = |items: &mut Vec<ExtractedItem>, t: DataType, v: serde_json::Value, c: f64| {
        if !items.iter().any(|i| i.data_type == t && i.extracted_value == v) {
            items.push(ExtractedItem { data_type: t, extracted_value: v, confidence: c });
        }
    };

    // Business name: how they answered.
    if let Some(name) = them.iter().take(3).find_map(|l| business_name(l)) {
        push(&mut items, DataType::BusinessName, json!({ "value": name }), 0.8);
    }
    // Confirmation numbers.
    let confirmation = them.iter().find_map(|l| understand::reference::find(l));
    // Prices.
    let currency_default = plan.and_then(|p| p.hard_constraints.currency.clone()).unwrap_or_else(|| "USD".into());
    // Prices as the live call reads them (with or without a currency, in
    // words, as rates), each with the sentence it was said in; a price that
    // can be heard two ways is read at the scale the errand makes likely.
    let scale = plan.and_then(|p| p.hard_constraints.max_price).unwrap_or(match kind {
        TaskKind::Ordering => 40.0,
        TaskKind::Reservation | TaskKind::Booking | TaskKind::Reschedule => 150.0,
        TaskKind::Quote | TaskKind::Negotiation => 500.0,
        _ => 200.0,
    });
    let mut prices = Vec::new();
    for line in &them {
        for sentence in sentences(line) {
            let mut quote = understand::money::read(sentence);
            quote.settle_readings(scale);
            for c in quote.charges.iter().filter(|c| !c.excluded && c.certainty != Certainty::Bare) {
                let currency = c.currency.map(str::to_owned).unwrap_or_else(|| currency_default.clone());
                let details: String = sentence.chars().take(120).collect();
                prices.push((c.amount, currency, details, c.total));
            }
        }
    }
    // The total, when one is said, else every distinct amount.
    let total = prices.iter().rev().find(|(_, _, d, total)| *total || d.to_lowercase().contains("total"));
    let chosen: Vec<&(f64, String, String, bool)> = match total {
        Some(t) => vec![t],
        None => prices.iter().collect(),
    };
    for (amount, currency, details, _) in chosen {
        push(&mut items, DataType::Price, json!({ "amount": amount, "currency": currency, "details": details }), 0.9);
    }
    // Appointment: a day (and time) they said while confirming.
    let mut appointment: Option<(NaiveDate, Option<NaiveTime>)> = None;
    for line in them.iter().rev() {
        let lower = line.to_lowercase();
        let when = find_when(line, call_date, month_first);
        if let Some(date) = when.date
            && (has_any(&lower, BOOKED)
                || appointment.is_none()
                    && matches!(kind, TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule)
                    && when.time.is_some())
        {
            appointment = Some((same_weekday_said_earlier(&them, date, &when, call_date, month_first), when.time));
            break;
        }
    }
    // A time confirmed without a day ("see you at 3") pairs with the day offered earlier.
    if appointment.is_none() {
        let day = them.iter().find_map(|l| find_when(l, call_date, month_first).date);
        let time = them
            .iter()
            .rev()
            .filter(|l| has_any(&l.to_lowercase(), BOOKED))
            .find_map(|l| find_when(l, call_date, month_first).time);
        if let (Some(d), Some(t)) = (day, time) {
            appointment = Some((d, Some(t)));
        }
    }
    if let Some((date, time)) = appointment {
        let mut v = json!({ "date": date.format("%Y-%m-%d").to_string() });
        if let Some(t) = time {
            v["time"] = json!(t.format("%H:%M").to_string());
        }
        if let Some(c) = &confirmation {
            v["confirmationNumber"] = json!(c);
        }
        push(&mut items, DataType::Appointment, v, if time.is_some() { 0.85 } else { 0.7 });
    }
    if let Some(c) = &confirmation {
        push(&mut items, DataType::ConfirmationNumber, json!({ "value": c }), 0.9);
    }
    for line in &them {
        if let Some((name, role)) = person_name(line) {
            let mut v = json!({ "value": name });
            if let Some(r) = role {
                v["role"] = json!(r);
            }
            push(&mut items, DataType::Name, v, 0.75);
        }
    }
    for line in &them {
        let lower = line.to_lowercase();
        if (lower.contains("open") || lower.contains("close") || lower.contains("hours"))
            && find_when(line, call_date, month_first).time.is_some()
        {
            push(&mut items, DataType::Hours, json!({ "text": line.trim() }), 0.7);
        }
        if has_any(
            &lower,
            &[
                "please arrive",
                "bring",
                "make sure",
                "don't forget",
                "do not forget",
                "remember to",
                "you'll need",
                "you will need",
                "come in",
                "park",
            ],
        ) {
            push(&mut items, DataType::Instructions, json!({ "text": line.trim() }), 0.7);
        }
    }

    let has = |t: DataType| items.iter().any(|i| i.data_type == t);
    let goal_achieved = !voicemail
        && !refused
        && !rejected_by_user
        && !approval_timed_out
        && !them.is_empty()
        && match kind {
            TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule => {
                has(DataType::Appointment) || (has(DataType::ConfirmationNumber) && has_any(&them_lower, BOOKED))
            }
            TaskKind::Ordering => {
                has(DataType::ConfirmationNumber)
                    || (has(DataType::Price) && has_any(&them_lower, &["order", "ready", "deliver", "pick up"]))
            }
            TaskKind::Quote => has(DataType::Price),
            TaskKind::Cancellation => {
                has_any(&them_lower, &["cancelled", "canceled", "cancellation is", "has been cancelled", "is now cancelled"])
            }
            TaskKind::Confirmation => has_any(
                &them_lower,
                &["confirmed", "we have you", "you're all set", "still on", "yes, you're", "that's right", "correct"],
            ),
            TaskKind::Negotiation => {
                has(DataType::Price) && has_any(&them_lower, &["discount", "lower", "reduce", "new rate", "promotion", "off"])
            }
            TaskKind::Complaint => has_any(&them_lower, &["refund", "credit", "reversed", "resolved", "fixed", "waive"]),
            TaskKind::Enquiry => them.iter().any(|l| l.split_whitespace().count() >= 4),
        };

    let pos = POSITIVE.iter().filter(|w| has_any(&them_lower, &[w])).count() as i32;
    let neg = NEGATIVE.iter().filter(|w| has_any(&them_lower, &[w])).count() as i32 + if refused { 2 } else { 0 };
    let sentiment = if neg > pos {
        Sentiment::Negative
    } else if pos > neg && pos > 0 {
        Sentiment::Positive
    } else {
        Sentiment::Neutral
    };

    let mut follow_ups = Vec::new();
    if voicemail {
        follow_ups.push("Wait for a call back, or call again later.".to_owned());
    } else if rejected_by_user {
        let limit = plan.and_then(|p| p.hard_constraints.max_price).map(|m| {
            format!(" within your limit of {}", money::spoken(m, plan.and_then(|p| p.hard_constraints.currency.as_deref())))
        });
        follow_ups.push(format!("Look for another offer{}.", limit.unwrap_or_default()));
    } else if approval_timed_out {
        follow_ups.push("Decide on the quoted price and call again.".to_owned());
    } else if !goal_achieved {
        follow_ups.push(if refused { "Try another business.".to_owned() } else { "Call again to finish the task.".to_owned() });
    }
    if let Some((d, t)) = appointment {
        let at = t.map(|t| format!(" at {}", t.format("%-I:%M %p"))).unwrap_or_default();
        follow_ups.push(format!("Add the appointment on {}{at} to your calendar.", d.format("%A, %B %-d")));
    }
    for i in items.iter().filter(|i| i.data_type == DataType::Instructions) {
        follow_ups.push(format!("Remember: {}", i.extracted_value["text"].as_str().unwrap_or("")));
    }
    let follow_up_required = !goal_achieved || has(DataType::Instructions);

    let summary = compose_summary(
        kind,
        goal_achieved,
        voicemail,
        refused,
        rejected_by_user,
        approval_timed_out,
        &items,
        appointment,
        &all_lower,
    );
    CallSummary {
        summary,
        extracted_data: items,
        sentiment_overall: sentiment,
        goal_achieved,
        follow_up_required,
        follow_up_tasks: follow_ups,
    }
}

/// "You're booked for Wednesday" after "we can do next Wednesday": a bare
/// weekday confirms the more specific date offered earlier in the call.
fn same_weekday_said_earlier(
    them: &[&str],
    date: NaiveDate,
    when: &super::dates::When,
    call_date: NaiveDate,
    month_first: bool,
) -> NaiveDate {
    use chrono::Datelike;
    let bare = when.phrase.as_deref().is_some_and(|p| !p.contains(' ') && p.ends_with("day") && p != "today");
    if !bare {
        return date;
    }
    them.iter().filter_map(|l| find_when(l, call_date, month_first).date).find(|d| d.weekday() == date.weekday()).unwrap_or(date)
}

#[allow(clippy::too_many_arguments)]
fn compose_summary(
    kind: TaskKind,
    achieved: bool,
    voicemail: bool,
    refused: bool,
    rejected: bool,
    timed_out: bool,
    items: &[ExtractedItem],
    appointment: Option<(NaiveDate, Option<NaiveTime>)>,
    all_lower: &str,
) -> String {
    let mut parts = Vec::new();
    if voicemail {
        parts.push("The call reached voicemail; a message was left.".to_owned());
    } else if all_lower.trim().is_empty() {
        parts.push("Nobody answered.".to_owned());
    } else if refused {
        parts.push("The business declined the request.".to_owned());
    } else if rejected {
        parts.push("You declined the quoted price, so nothing was agreed.".to_owned());
    } else if timed_out {
        parts.push("The quoted price needed your approval and none came in time, so nothing was agreed.".to_owned());
    } else if let Some((d, t)) = appointment {
        let at = t.map(|t| format!(" at {}", t.format("%-I:%M %p"))).unwrap_or_default();
        let what = if kind == TaskKind::Reservation { "Reservation" } else { "Appointment" };
        parts.push(format!("{what} booked for {}{at}.", d.format("%A, %B %-d")));
    } else if achieved {
        parts.push(match kind {
            TaskKind::Ordering => "Order placed.".to_owned(),
            TaskKind::Quote => "Quote received.".to_owned(),
            TaskKind::Cancellation => "Cancellation confirmed.".to_owned(),
            TaskKind::Confirmation => "Details confirmed.".to_owned(),
            TaskKind::Negotiation => "A better rate was offered.".to_owned(),
            TaskKind::Complaint => "The business agreed to resolve the issue.".to_owned(),
            _ => "The question was answered.".to_owned(),
        });
    } else {
        parts.push("The goal was not reached on this call.".to_owned());
    }
    if let Some(p) = items.iter().find(|i| i.data_type == DataType::Price) {
        let v = &p.extracted_value;
        parts.push(format!("Cost: {}.", money::spoken(v["amount"].as_f64().unwrap_or(0.0), v["currency"].as_str())));
    }
    if let Some(c) = items.iter().find(|i| i.data_type == DataType::ConfirmationNumber) {
        parts.push(format!("Confirmation number {}.", c.extracted_value["value"].as_str().unwrap_or("")));
    }
    parts.join(" ")
}

/// The sentence of `line` around byte `at`, trimmed to 120 characters.
/// The sentences of `line`: cut after ".", "!" or "?" followed by a space
/// or the end (the point of "$18.50" cuts nothing).
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|(_, n)| n.is_whitespace()) {
            let end = i + c.len_utf8();
            let s = line[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = line[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// "Thanks for calling Bright Smiles Dental", "You've reached Tony's Pizzeria".
fn business_name(line: &str) -> Option<String> {
    let lower = line.to_lowercase();
    for lead in ["thank you for calling ", "thanks for calling ", "you've reached ", "you have reached ", "welcome to "] {
        if let Some(i) = lower.find(lead) {
            let rest = &line[i + lead.len()..];
            let end = rest.find([',', '.', '!', '?']).unwrap_or(rest.len());
            let name = rest[..end].trim();
            let name = name.strip_suffix(" this is").unwrap_or(name);
            if !name.is_empty() && name.split_whitespace().count() <= 6 {
                return Some(name.to_owned());
            }
        }
    }
    None
}

/// "my name is Sarah", "this is Mike speaking", "ask for Dr. Patel",
/// "you'll be seeing Dr. Lee".
fn person_name(line: &str) -> Option<(String, Option<&'static str>)> {
    let lower = line.to_lowercase();
    let leads: [(&str, Option<&'static str>); 6] = [
        ("my name is ", Some("staff")),
        ("this is ", Some("staff")),
        ("ask for ", Some("contact")),
        ("you'll be seeing ", None),
        ("you will be seeing ", None),
        ("speak with ", Some("contact")),
    ];
    for (lead, role) in leads {
        if let Some(i) = lower.find(lead) {
            let rest = &line[i + lead.len()..];
            let mut words = Vec::new();
            for w in rest.split_whitespace().take(3) {
                let clean = w.trim_end_matches([',', '.', '!', '?']);
                if clean.chars().next().is_some_and(char::is_uppercase) {
                    words.push(clean.to_owned());
                    if w.ends_with([',', '!', '?']) || (w.ends_with('.') && !matches!(clean, "Dr" | "Mr" | "Mrs" | "Ms")) {
                        break;
                    }
                } else {
                    break;
                }
            }
            if words.is_empty() || words.len() > 3 {
                continue;
            }
            let name = words.join(" ").replace("Dr ", "Dr. ");
            // "This is Bright Smiles Dental" is a business, not a person.
            if lead == "this is " && words.len() > 2 {
                continue;
            }
            let role = if name.starts_with("Dr") { Some("doctor") } else { role };
            return Some((name, role));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(speaker: Speaker, content: &str) -> Line {
        Line { speaker, content: content.into(), timestamp_ms: 0 }
    }

    fn booking_plan() -> AiPlan {
        let ctx = crate::server::ai::rules::planner::PlanContext {
            today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            region: "US",
            contacts: &[],
        };
        crate::server::ai::rules::planner::plan("Call my dentist at 415-555-0199 and book a cleaning next week under $100", &ctx)
            .plan
    }

    #[test]
    fn a_booked_appointment() {
        let lines = [
            l(Speaker::Human, "Thank you for calling Bright Smiles Dental, this is Sarah speaking."),
            l(
                Speaker::Assistant,
                "Hi! This is Callwright, an AI assistant calling on behalf of Ada. I'm calling to book a cleaning next week.",
            ),
            l(Speaker::Human, "Sure. We have next Tuesday at 2:30 pm. A cleaning is $75."),
            l(Speaker::Assistant, "That works."),
            l(
                Speaker::Human,
                "Great, you're booked for Tuesday December 1st at 2:30 pm. Your confirmation number is DC-12345. Please arrive 10 minutes early.",
            ),
        ];
        let s = summarize(&lines, Some(&booking_plan()), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), true);
        assert!(s.goal_achieved);
        assert_eq!(s.sentiment_overall, Sentiment::Positive);
        let get = |t: DataType| s.extracted_data.iter().find(|i| i.data_type == t).map(|i| i.extracted_value.clone());
        assert_eq!(
            get(DataType::Appointment),
            Some(json!({"date": "2026-12-01", "time": "14:30", "confirmationNumber": "DC-12345"}))
        );
        assert_eq!(get(DataType::Price).unwrap()["amount"], 75.0);
        assert_eq!(get(DataType::ConfirmationNumber), Some(json!({"value": "DC-12345"})));
        assert_eq!(get(DataType::BusinessName), Some(json!({"value": "Bright Smiles Dental"})));
        assert_eq!(get(DataType::Name), Some(json!({"value": "Sarah", "role": "staff"})));
        assert!(get(DataType::Instructions).is_some());
        assert_eq!(s.summary, "Appointment booked for Tuesday, December 1 at 2:30 PM. Cost: $75. Confirmation number DC-12345.");
        assert!(s.follow_up_tasks.iter().any(|f| f.contains("calendar")));
    }

    #[test]
    fn voicemail_and_refusal_are_not_achievements() {
        let vm = [
            l(Speaker::Human, "You've reached Dr. Lee's office. Please leave a message after the beep."),
            l(Speaker::System, "Voicemail detected; message left."),
        ];
        let s = summarize(&vm, Some(&booking_plan()), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), true);
        assert!(!s.goal_achieved && s.follow_up_required);
        assert!(s.summary.contains("voicemail"));
        let rude = [l(Speaker::Human, "Not interested. Stop calling us."), l(Speaker::Assistant, "I understand. Goodbye.")];
        let s = summarize(&rude, Some(&booking_plan()), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), true);
        assert!(!s.goal_achieved);
        assert_eq!(s.sentiment_overall, Sentiment::Negative);
    }

    #[test]
    fn extractors() {
        assert_eq!(understand::reference::find("Your order number is 4521."), Some("4521".into()));
        assert_eq!(understand::reference::find("reference: ab12c, thanks"), Some("AB12C".into()));
        assert_eq!(understand::reference::find("I'd like to order a pizza"), None);
        assert_eq!(understand::reference::find("Your job number is PL-4821."), Some("PL-4821".into()));
        assert_eq!(person_name("Please ask for Dr. Patel when you arrive"), Some(("Dr. Patel".into(), Some("doctor"))));
        assert_eq!(business_name("You've reached Tony's Pizzeria, what can I get you?"), Some("Tony's Pizzeria".into()));
    }
}
