//! Post-call processing: a summary, the facts (prices, appointments,
//! confirmation numbers, names, business name, hours, instructions), the
//! overall sentiment, whether the goal was achieved, and follow-ups.

use super::dates::find_when;
use super::text::Fold;
use super::text::has_any;
use crate::domain::enums::{DataType, Sentiment, Speaker};
use crate::domain::money;
use crate::domain::plan::{AiPlan, CallSummary, ExtractedItem, TaskKind};
use crate::server::ai::understand::{self, money::Certainty, situation::Heard};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
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

/// What the business says when something is booked, placed or done.
const CONFIRMED: &[&str] = &[
    "booked",
    "booked in",
    "scheduled",
    "reserved",
    "see you",
    "see her",
    "see him",
    "see them",
    "see you then",
    "you're all set",
    "you are all set",
    "all set",
    "confirmed",
    "appointment is",
    "reservation is",
    "we have you down",
    "have you down",
    "have her down",
    "have him down",
    "have you in",
    "i've put you down",
    "put you down",
    "put her down",
    "put him down",
    "got you down",
    "got her down",
    "got him down",
    "got you in",
    "pencilled",
    "penciled",
    "that's done",
    "all done",
    "sorted",
    "you're in",
    "locked in",
    "moved",
    "changed it",
    "updated",
    "i've got you",
    "you're under",
    "it's under",
    "under the name",
    "we'll see",
    "order is in",
    "order's in",
    "placed",
    "on its way",
    "coming up",
];

/// The outcome words of a cancellation.
const CANCELLED: &[&str] = &[
    "cancelled",
    "canceled",
    "cancellation is",
    "cancellation has",
    "closed the account",
    "account is closed",
    "won't be charged",
    "will not be charged",
    "terminated",
    "stopped",
    "ended",
    "processed",
    "taken care of",
    "you're all set",
    "all set",
    "that's done",
    "all done",
    "removed",
    "won't renew",
    "will not renew",
    "turned off",
    "done",
    "stop it",
    "stopped it",
    "i'll stop",
    "we'll stop",
];

/// What a business does to settle a complaint or a negotiation.
const GRANTED: &[&str] = &[
    "refund",
    "refunded",
    "refunding",
    "credit",
    "credited",
    "reverse",
    "reversed",
    "waive",
    "waived",
    "replace",
    "replacement",
    "send a new",
    "send another",
    "resend",
    "resolved",
    "discount",
    "lower",
    "lowered",
    "reduce",
    "reduced",
    "knock",
    "off",
    "match",
    "new rate",
    "promotion",
    "free",
    "comp",
    "on the house",
];

/// "I'll have someone call him back", "we'll get back to you": nothing
/// done yet.
const CALLBACK_PROMISED: &[&str] = &[
    "call you back",
    "call him back",
    "call her back",
    "call them back",
    "give you a call",
    "give him a call",
    "give her a call",
    "give them a call",
    "give you a ring",
    "give him a ring",
    "give her a ring",
    "get back to you",
    "get back to him",
    "get back to her",
    "get back to them",
    "ring you back",
    "ring him back",
    "ring her back",
    "they'll call",
    "he'll call",
    "she'll call",
    "will call him",
    "will call her",
    "will call you",
    "will call them",
    "will ring",
    "call him to",
    "call her to",
    "call you to",
    "someone will call",
    "someone'll call",
    "someone will be in touch",
    "be in touch",
    "reach out to",
    "let you know",
    "let him know",
    "let her know",
    "take a message",
    "pass the message",
    "pass it on",
    "pass that on",
    "leave a note for",
];

/// "She'll need to come in", "do it online": not on this call.
const ELSEWHERE: &[&str] = &[
    "come in",
    "come into",
    "come by",
    "stop by",
    "drop by",
    "in person",
    "in branch",
    "in-branch",
    "into a branch",
    "go online",
    "on our website",
    "on the website",
    "through the website",
    "online only",
    "book online",
    "online",
    "through the app",
    "in the app",
    "via the app",
    "email us",
    "send us an email",
    "mail us",
    "fill out",
    "fill in a form",
    "the form",
    "needs to call",
    "need to call",
    "has to call",
    "have to call",
    "contact the manufacturer",
    "account holder",
];

/// An order is placed: when it is ready or arrives.
const ORDER_PLACED: &[&str] = &[
    "ready",
    "minutes",
    "pick up",
    "pickup",
    "pick it up",
    "deliver",
    "delivery",
    "on its way",
    "order",
    "be there",
    "out for",
    "coming",
    "ship",
    "shipped",
];

/// A yes to a question about an existing booking.
const STILL_ON: &[&str] = &[
    "yes",
    "yep",
    "yeah",
    "that's right",
    "correct",
    "we have",
    "you're down",
    "still on",
    "you're booked",
    "all good",
    "confirmed",
    "see you",
    "that's it",
    "we've got",
    "i've got",
];

/// Words that move a slot: "moved to Friday", "instead of Thursday".
const MOVE: &[&str] =
    &["move", "moved", "moving", "change", "changed", "switch", "switched", "reschedule", "rescheduled", "instead"];

/// The sentences of a line, with their place in the call.
struct Said<'a> {
    line: usize,
    speaker: Speaker,
    text: &'a str,
}

/// A day and maybe a time being talked about.
type Slot = (NaiveDate, Option<NaiveTime>);

/// Follows the day and time being talked about, line by line, through offers,
/// counter-offers and the agent's choice; returns the slot as it stood at
/// the end of each line.
fn track_slots(said: &[Said<'_>], lines: usize, call_date: NaiveDate, month_first: bool) -> Vec<Option<Slot>> {
    let mut slot: Option<Slot> = None;
    let mut pending_time: Option<NaiveTime> = None;
    let mut at_line = vec![None; lines];
    for s in said {
        let lower = s.text.to_ascii_lowercase();
        // What to do before it ("no food after midnight", "arrive by 8:45")
        // is not when it is.
        let instruction =
            has_any(&lower, &["no food", "nothing to eat", "don't eat", "arrive", "bring", "no later than", "before"])
                || has_any(&lower, &["after"]) && !has_any(&lower, &["after tomorrow"]);
        if s.speaker != Speaker::System && !understand::hours::states_hours(s.text) && !instruction {
            // "Moved to Friday", "from the 3rd to the 4th": the day it goes to.
            let when = match lower.rfind(" to ").filter(|_| has_any(&lower, MOVE)) {
                Some(cut) => {
                    let after = find_when(&s.text[cut..], call_date, month_first);
                    if after.date.is_some() { after } else { find_when(s.text, call_date, month_first) }
                }
                None => find_when(s.text, call_date, month_first),
            };
            // "You're booked for Wednesday" after "next Wednesday": the day
            // named more exactly before.
            let bare_weekday = when.phrase.as_deref().is_some_and(|p| !p.contains(' ') && p.ends_with("day") && p != "today");
            let d = when.date.map(|d| match slot {
                Some((before, _)) if bare_weekday && before.weekday() == d.weekday() => before,
                _ => d,
            });
            match (d, when.time) {
                (Some(d), t) => {
                    let keep_time = slot.filter(|(old, _)| *old == d).and_then(|(_, t)| t);
                    slot = Some((d, t.or(keep_time).or(pending_time.take())));
                }
                (None, Some(t)) => match slot.as_mut() {
                    // "Nine o'clock, got it" after "tonight at 9 p.m.": the same clock reading.
                    Some((_, Some(old))) if old.hour() % 12 == t.hour() % 12 && old.minute() == t.minute() => {}
                    Some((_, time)) => *time = Some(t),
                    None => pending_time = Some(t),
                },
                (None, None) => {}
            }
        }
        at_line[s.line] = slot;
    }
    // A line with no sentence keeps the slot before it.
    for i in 1..lines {
        if at_line[i].is_none() {
            at_line[i] = at_line[i - 1];
        }
    }
    at_line
}

/// The price the user would pay, as it stood when the call ended: each
/// price said replaces the one before, a charge said to come on top adds to
/// it, a rate takes its quantity from the next words, a refund or credit is
/// no price to pay, and a sentence that is only a condition ("if he needs
/// x-rays that's another sixty") does not count. A number nothing marks as
/// money ("a hundred and twenty-five") counts when nothing else was said
/// to be a price, from ten up.
fn headline_price(
    said: &[Said<'_>],
    scale: f64,
    party: Option<f64>,
    known: &[(&'static str, f64)],
) -> Option<(f64, Option<&'static str>, String)> {
    type Price = (f64, Option<&'static str>, String);
    let mut strong: Option<Price> = None;
    let mut weak: Option<Price> = None;
    let mut open_rate: Option<understand::money::Quote> = None;
    let mut asked_price = false;
    // Amounts they named, so that the one we chose ("the queen at 179,
    // please") is the one that counts.
    let mut offered: Vec<f64> = Vec::new();
    for s in said {
        let lower = s.text.to_ascii_lowercase();
        if s.speaker == Speaker::Assistant {
            asked_price = has_any(&lower, &["price", "cost", "how much", "charge", "quote", "total", "rate"]);
            let chosen = understand::money::read(s.text)
                .charges
                .iter()
                .map(|c| c.amount)
                .find(|a| *a >= 10.0 && offered.len() > 1 && offered.iter().any(|o| (o - a).abs() < 0.005));
            if let Some(amount) = chosen {
                let currency = strong.as_ref().and_then(|p| p.1).or(weak.as_ref().and_then(|p| p.1));
                strong = Some((amount, currency, s.text.chars().take(120).collect()));
            }
            continue;
        }
        if s.speaker != Speaker::Human {
            continue;
        }
        let first = lower.split_whitespace().next().unwrap_or("");
        if matches!(first, "if" | "unless" | "otherwise") || understand::hours::states_hours(s.text) {
            continue;
        }
        // What holds whatever happens: "forty-five, and if it's past her
        // shoulders it's fifty-five" is forty-five; "ninety, plus ten if
        // he's matted" is ninety.
        let firm = firm_part(s.text);
        let mut quote = understand::money::read(firm);
        quote.settle_readings(scale);
        offered.extend(
            quote.charges.iter().filter(|c| !c.excluded && c.amount >= 10.0 && c.certainty != Certainty::Bare).map(|c| c.amount),
        );
        // Said with a currency; or marked as money and not a small count
        // ("we do eight to five"); or the answer to what it costs.
        let sure = |c: &understand::money::Charge| {
            !c.excluded
                && c.amount > 0.0
                && (c.certainty == Certainty::Explicit
                    || (c.amount >= 10.0 || c.amount.fract() != 0.0) && (c.certainty == Certainty::Cued || asked_price))
        };
        let plausible = |c: &understand::money::Charge| !c.excluded && c.amount >= 10.0;
        let (keep, is_strong): (&dyn Fn(&understand::money::Charge) -> bool, bool) =
            if quote.charges.iter().any(sure) { (&sure, true) } else { (&plausible, false) };
        let mut kept = quote.clone();
        kept.charges.retain(|c| keep(c));
        if kept.charges.is_empty() {
            // "About 3 hours": the quantity of the rate said before.
            if let Some(mut rate) = open_rate.take()
                && !quote.quantities.is_empty()
            {
                rate.quantities.extend(quote.quantities.iter().copied());
                if let Some(e) = rate.exposure(party) {
                    let currency = rate.charges.iter().find_map(|c| c.currency);
                    strong = Some((e.amount, currency, s.text.chars().take(120).collect()));
                }
            }
            continue;
        }
        // A rate with no quantity said: the quantity the task or we gave
        // ("a truck for 3 days": 70 a day is 210).
        for c in kept.charges.iter().filter_map(|c| c.per) {
            if !kept.quantities.iter().any(|(u, _)| *u == c)
                && let Some(q) = known.iter().find(|(u, _)| *u == c)
            {
                kept.quantities.push(*q);
            }
        }
        let Some(e) = kept.exposure(party) else { continue };
        let currency = kept.charges.iter().find_map(|c| c.currency);
        let only_on_top = kept.charges.iter().all(|c| c.additive && !c.total);
        let slot = if is_strong { &mut strong } else { &mut weak };
        let amount = match (&*slot, only_on_top) {
            (Some((before, ..)), true) => before + e.amount,
            _ => e.amount,
        };
        *slot = Some((amount, currency, s.text.chars().take(120).collect()));
        open_rate = kept.charges.iter().any(|c| c.per.is_some()).then_some(kept);
        asked_price = false;
    }
    strong.or(weak)
}

/// The part of a sentence that holds unconditionally: before an "if", less
/// a short "plus ten" right before it.
fn firm_part(sentence: &str) -> &str {
    let lower = sentence.to_ascii_lowercase();
    let Some(cut) = [" if ", ", if ", " unless "].iter().filter_map(|w| lower.find(w)).min() else { return sentence };
    let before = &sentence[..cut];
    let lower_before = &lower[..cut];
    let clause = [", ", " plus ", " and ", " or "].iter().filter_map(|w| lower_before.rfind(w).map(|i| i + w.len())).max();
    match clause {
        Some(start) if lower_before[start..].split_whitespace().count() <= 4 => {
            let end = [", ", " plus ", " and ", " or "].iter().filter_map(|w| lower_before.rfind(w)).max().unwrap_or(start);
            &before[..end]
        }
        _ => before,
    }
}

/// Summarises a finished call. `call_date` resolves "this Saturday";
/// `month_first` reads "12/5" as December 5.
pub fn summarize(lines: &[Line], plan: Option<&AiPlan>, call_date: NaiveDate, month_first: bool) -> CallSummary {
    analysed(lines, plan, call_date, month_first).0
}

/// The summary, and why a call that did not reach its goal did not, as
/// the transcript shows it: `voicemail` (a machine answered),
/// `unreachable` (a full mailbox, a phone menu it could not get past),
/// `wrong_number`, `refused` (the business would not do it); `None` when
/// nothing in the call says why.
pub fn analysed(
    lines: &[Line],
    plan: Option<&AiPlan>,
    call_date: NaiveDate,
    month_first: bool,
) -> (CallSummary, Option<&'static str>) {
    let them: Vec<&str> = lines.iter().filter(|l| l.speaker == Speaker::Human).map(|l| l.content.as_str()).collect();
    let all_lower = lines.iter().map(|l| l.content.folded()).collect::<Vec<_>>().join("\n");
    let them_lower = them.iter().map(|l| l.folded()).collect::<Vec<_>>().join("\n");
    let kind = plan.map(|p| p.task_kind).unwrap_or_default();
    let notes: Vec<String> = lines.iter().filter(|l| l.speaker == Speaker::System).map(|l| l.content.folded()).collect();
    let noted = |what: &str| notes.iter().any(|n| n.contains(what));
    let heard: Vec<Option<Heard>> =
        lines.iter().map(|l| (l.speaker == Speaker::Human).then(|| understand::situation::hear(&l.content))).collect();
    let first_heard = heard.iter().flatten().next();
    let voicemail =
        noted("voicemail") || first_heard.is_some_and(|h| h.voicemail == Some(understand::situation::Voicemail::CanLeave));
    let unreachable = noted("mailbox could not")
        || noted("kept repeating")
        || noted("phone system asked")
        || first_heard.is_some_and(|h| h.voicemail == Some(understand::situation::Voicemail::Unavailable));
    let rejected_by_user = noted("rejected");
    let approval_timed_out = noted("no answer from");
    let time_limit = noted("time limit");
    let wrong_number = heard.iter().flatten().any(|h| h.wrong_number);

    let said: Vec<Said<'_>> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, l)| sentences(&l.content).into_iter().map(move |text| Said { line: i, speaker: l.speaker, text }))
        .collect();

    let mut items: Vec<ExtractedItem> = Vec::new();
    let push = |items: &mut Vec<ExtractedItem>, t: DataType, v: serde_json::Value, c: f64| {
        if !items.iter().any(|i| i.data_type == t && i.extracted_value == v) {
            items.push(ExtractedItem {
                data_type: t,
                extracted_value: v,
                confidence: c,
                segment_ids: Vec::new(),
                confirmed: false,
            });
        }
    };

    // Business name: how they answered.
    if let Some(name) = them.iter().take(3).find_map(|l| business_name(l)) {
        push(&mut items, DataType::BusinessName, json!({ "value": name }), 0.8);
    }
    // The reference: the last one they gave (a corrected one replaces the first).
    let confirmation = them.iter().rev().find_map(|l| understand::reference::find_all(l).pop());
    // The price, read as the live call reads prices, at the scale the errand makes likely.
    let currency_default = plan.and_then(|p| p.hard_constraints.currency.clone()).unwrap_or_else(|| "USD".into());
    let scale = plan.and_then(|p| p.hard_constraints.max_price).unwrap_or(match kind {
        TaskKind::Ordering => 40.0,
        TaskKind::Reservation | TaskKind::Booking | TaskKind::Reschedule => 150.0,
        TaskKind::Quote | TaskKind::Negotiation => 500.0,
        _ => 200.0,
    });
    let party = plan.and_then(|p| p.soft_preferences.get("party_size")).and_then(|v| v.as_f64());
    // Quantities the task and our own lines gave ("for 3 days", "two bags").
    let mut known: Vec<(&'static str, f64)> = plan.map(|p| understand::money::read(&p.goal).quantities).unwrap_or_default();
    for l in lines.iter().filter(|l| l.speaker == Speaker::Assistant) {
        known.extend(understand::money::read(&l.content).quantities);
    }
    let price = headline_price(&said, scale, party, &known);
    if let Some((amount, currency, details)) = &price {
        let currency = currency.map(str::to_owned).unwrap_or_else(|| currency_default.clone());
        push(&mut items, DataType::Price, json!({ "amount": amount, "currency": currency, "details": details }), 0.9);
    }

    // Where the call got to, line by line: what was done, and what stood in the way.
    let slots = track_slots(&said, lines.len(), call_date, month_first);
    let mut done_at: Option<usize> = None;
    // Where a day (and time) was last agreed.
    let mut agreed_at: Option<usize> = None;
    let mut blocked_at: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        let Some(h) = &heard[i] else { continue };
        let lower = l.content.folded().replace('’', "'");
        let conditional = |phrases: &[&str]| {
            sentences(&lower).iter().any(|s| has_any(s, phrases) && !has_any(s, &["if", "when", "unless", "in case"]))
        };
        let callback = conditional(CALLBACK_PROMISED);
        let elsewhere = conditional(ELSEWHERE) && !has_any(&lower, CONFIRMED);
        // For a question, "we're closed Thursday" or "we don't do vegan" is
        // the answer; for anything else it stands in the way.
        let refused = if kind == TaskKind::Enquiry {
            h.wrong_number || h.hostile || (h.closed && !understand::hours::states_hours(&l.content))
        } else {
            h.refusal || h.hostile || h.closed || h.wrong_number
        };
        let ended_waiting = (h.hold || h.transfer) && !lines[i + 1..].iter().any(|l| l.speaker == Speaker::Human);
        if refused || callback || elsewhere || ended_waiting {
            blocked_at = Some(i);
        }
        if refused {
            continue;
        }
        // The agent asked for a slot and they said it back: agreed.
        let previous_ours = lines[..i].iter().rposition(|l| l.speaker == Speaker::Assistant);
        // Or we said yes to their offer and they said it back ("That works."
        // - "Wonderful, the sixteenth, four forty-five.").
        let said_back = previous_ours.is_some_and(|p| {
            let ours = find_when(&lines[p].content, call_date, month_first);
            let theirs = find_when(&l.content, call_date, month_first);
            let accepted = has_any(
                &lines[p].content.folded(),
                &[
                    "works",
                    "yes",
                    "perfect",
                    "great",
                    "please",
                    "book it",
                    "sounds good",
                    "that's fine",
                    "fine",
                    "okay",
                    "ok",
                    "go ahead",
                ],
            );
            let offered = if p > 0 { slots[p - 1] } else { None };
            (ours.date.is_some() && ours.date == theirs.date)
                || (ours.time.is_some() && ours.time == theirs.time)
                || (accepted
                    && offered.is_some_and(|(d, t)| theirs.date == Some(d) || (theirs.time.is_some() && theirs.time == t)))
        });
        // We said yes to a slot and they acknowledged it ("Thursday at half
        // seven works." - "Beauty. Full service is 389.").
        let acknowledged = previous_ours.is_some_and(|p| {
            has_any(&lines[p].content.folded(), &["works", "that's fine", "sounds good", "please book", "book it", "go ahead"])
                && slots[p].is_some()
                && !h.question
        }) && has_any(
            &lower,
            &[
                "great",
                "perfect",
                "lovely",
                "beauty",
                "brilliant",
                "done",
                "no worries",
                "no problem",
                "excellent",
                "wonderful",
                "okay",
                "ok",
                "alright",
                "got it",
                "noted",
                "cheers",
                "fab",
                "fantastic",
                "cool",
                "sure",
                "right",
            ],
        );
        let confirmed = has_any(&lower, CONFIRMED) || understand::reference::find(&l.content).is_some() || acknowledged;
        let done = match kind {
            TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule => {
                (confirmed || said_back) && slots[i].is_some() || understand::reference::find(&l.content).is_some()
            }
            TaskKind::Ordering => {
                confirmed || (price.is_some() && has_any(&lower, ORDER_PLACED)) || (said_back && slots[i].is_some())
            }
            TaskKind::Quote => !understand::money::read(&l.content).charges.is_empty() && price.is_some(),
            TaskKind::Cancellation => has_any(&lower, CANCELLED) || understand::reference::find(&l.content).is_some(),
            TaskKind::Confirmation => (has_any(&lower, STILL_ON) || confirmed) && slots[i].is_some(),
            TaskKind::Negotiation | TaskKind::Complaint => has_any(&lower, GRANTED) && !h.question,
            TaskKind::Enquiry => {
                i > 0
                    && l.content.split_whitespace().count() >= 4
                    && !callback
                    && !elsewhere
                    && !h.hold
                    && !h.transfer
                    && !h.asks(understand::situation::Ask::Purpose)
            }
        };
        if done && !callback && !elsewhere {
            done_at = Some(i);
        }
        // A day agreed: for a booking, confirmed or said back; for an order
        // or a quote, a visit or delivery booked; never the appointment a
        // cancellation or a complaint is about.
        let booking = matches!(kind, TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule | TaskKind::Confirmation);
        let visit = matches!(kind, TaskKind::Ordering | TaskKind::Quote | TaskKind::Enquiry)
            && (understand::reference::find(&l.content).is_some()
                || has_any(
                    &lower,
                    &["booked", "scheduled", "see you", "see her", "see him", "put you down", "be there", "come out", "all set"],
                ));
        if (booking && (confirmed || said_back) || visit) && slots[i].is_some() && !callback && !elsewhere {
            agreed_at = Some(i);
        }
    }
    let refused = blocked_at.is_some() && done_at.is_none_or(|d| blocked_at > Some(d)) && !them.is_empty();
    let goal_achieved = !voicemail
        && !unreachable
        && !wrong_number
        && !rejected_by_user
        && !approval_timed_out
        && !them.is_empty()
        && done_at.is_some()
        && done_at >= blocked_at
        && !(time_limit && done_at.is_none());

    // The appointment: the slot as it stood when it was agreed.
    let appointment: Option<Slot> = agreed_at.filter(|_| goal_achieved).and_then(|d| slots[d]).map(|(date, time)| {
        // A dinner booked "at eight" is at 8 pm.
        let evening = kind == TaskKind::Reservation && !has_any(&all_lower, &["breakfast", "brunch", "lunch", "morning", "a.m"]);
        (date, time.map(|t| if evening && (8..12).contains(&t.hour()) { t + chrono::Duration::hours(12) } else { t }))
    });
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
    for s in said.iter().filter(|s| s.speaker == Speaker::Human) {
        if understand::hours::states_hours(s.text) {
            push(&mut items, DataType::Hours, json!({ "text": s.text.trim() }), 0.7);
        }
    }
    for line in &them {
        let lower = line.folded();
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
                "park",
            ],
        ) {
            push(&mut items, DataType::Instructions, json!({ "text": line.trim() }), 0.7);
        }
    }
    let has = |t: DataType| items.iter().any(|i| i.data_type == t);

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
    } else if wrong_number || unreachable {
        follow_ups.push("Check the number, then call again.".to_owned());
    } else if !goal_achieved {
        follow_ups.push(if refused {
            "Try another business, or call again later.".to_owned()
        } else {
            "Call again to finish the task.".to_owned()
        });
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
        refused || wrong_number || unreachable,
        rejected_by_user,
        approval_timed_out,
        &items,
        appointment,
        &all_lower,
    );
    let why = [(voicemail, "voicemail"), (unreachable, "unreachable"), (wrong_number, "wrong_number"), (refused, "refused")]
        .into_iter()
        .find(|(so, _)| *so && !goal_achieved)
        .map(|(_, why)| why);
    let summary = CallSummary {
        summary,
        extracted_data: items,
        sentiment_overall: sentiment,
        goal_achieved,
        follow_up_required,
        follow_up_tasks: follow_ups,
    };
    (summary, why)
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
    let lower = line.folded();
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
    let lower = line.folded();
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
    fn why_a_call_failed_is_read_from_the_call() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let why = |lines: &[Line]| analysed(lines, Some(&booking_plan()), day, true).1;
        let cases: [(&[Line], Option<&str>); 7] = [
            (
                &[
                    l(Speaker::Human, "Hi, you've reached Marco. Leave a message and I'll get back to you."),
                    l(Speaker::System, "Voicemail detected; message left."),
                ],
                Some("voicemail"),
            ),
            (
                &[l(Speaker::Human, "We don't do that kind of work, sorry."), l(Speaker::Assistant, "Thanks anyway. Goodbye.")],
                Some("refused"),
            ),
            (
                &[
                    l(Speaker::Human, "Sorry hon, we're completely booked up through January."),
                    l(Speaker::Assistant, "I see. Thank you, goodbye."),
                ],
                Some("refused"),
            ),
            (
                &[
                    l(Speaker::Human, "There's no dentist here, you have the wrong number."),
                    l(Speaker::Assistant, "My apologies. Goodbye."),
                ],
                Some("wrong_number"),
            ),
            (
                &[
                    l(Speaker::Human, "The mailbox is full and cannot accept any messages."),
                    l(Speaker::System, "The mailbox could not take a message."),
                ],
                Some("unreachable"),
            ),
            // Reached: nothing to explain, however gruff.
            (
                &[
                    l(Speaker::Assistant, "I'd like to book a cleaning next Tuesday."),
                    l(Speaker::Human, "Fine. You're booked for Tuesday at 3 pm."),
                ],
                None,
            ),
            // Not reached, and nothing in the call says why.
            (
                &[
                    l(Speaker::Human, "Hello?"),
                    l(Speaker::Assistant, "Hi, I'd like to book a cleaning."),
                    l(Speaker::Human, "Let me think about it."),
                ],
                None,
            ),
        ];
        for (lines, expected) in cases {
            assert_eq!(why(lines), expected, "{:?}", lines.iter().map(|l| &l.content).collect::<Vec<_>>());
        }
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
