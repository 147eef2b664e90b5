//! What kind of errand an instruction is.

use super::text::has_any;
use crate::domain::plan::TaskKind;

/// Cue words for each kind, most specific kinds first: the first kind with
/// a cue wins.
const CUES: &[(TaskKind, &[&str])] = &[
    (
        TaskKind::Cancellation,
        &["cancel", "cancellation", "unsubscribe", "terminate my", "end my subscription", "stop my subscription"],
    ),
    (
        TaskKind::Reschedule,
        &[
            "reschedule",
            "move my appointment",
            "change my appointment",
            "move my reservation",
            "change my reservation",
            "push back my",
        ],
    ),
    (TaskKind::Complaint, &["dispute", "complain", "complaint", "refund", "overcharged", "charged me", "wrong order", "damaged"]),
    (
        TaskKind::Negotiation,
        &[
            "negotiate",
            "lower my",
            "lower the",
            "reduce my",
            "better rate",
            "discount",
            "bring down",
            "cheaper plan",
            "price match",
        ],
    ),
    (TaskKind::Reservation, &["reservation", "reserve", "table for", "book a table", "a table", "book a room", "party of"]),
    (TaskKind::Ordering, &["order", "deliver", "delivery", "takeout", "take-out", "pick up an order", "pizza"]),
    (TaskKind::Quote, &["quote", "estimate", "how much", "price for", "prices for", "cost to", "costs to", "rates for"]),
    (TaskKind::Confirmation, &["confirm", "confirmation", "verify", "double-check", "double check", "make sure my"]),
    (
        TaskKind::Booking,
        &[
            "book",
            "appointment",
            "schedule",
            "sign me up",
            "set up a",
            "make an appointment",
            "check-up",
            "checkup",
            "cleaning",
            "haircut",
        ],
    ),
    (
        TaskKind::Enquiry,
        &[
            "ask",
            "find out",
            "check if",
            "check whether",
            "hours",
            "open",
            "availability",
            "available",
            "in stock",
            "inquire",
            "enquire",
            "whether",
        ],
    ),
];

pub fn classify(instruction: &str) -> TaskKind {
    let lower = instruction.to_lowercase();
    CUES.iter().find(|(_, cues)| has_any(&lower, cues)).map(|(kind, _)| *kind).unwrap_or(TaskKind::Enquiry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_everyday_errands() {
        let cases = [
            ("Call my dentist at 415-555-0199 and book a cleaning next week under $100", TaskKind::Booking),
            ("Call Pizza Hut at 555-1234 and order a large pepperoni", TaskKind::Ordering),
            ("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250", TaskKind::Quote),
            ("Reserve a table for 4 at Luigi's on Friday at 7pm", TaskKind::Reservation),
            ("Cancel my gym membership", TaskKind::Cancellation),
            ("Call Comcast and negotiate a lower rate on my internet bill", TaskKind::Negotiation),
            ("Ask the pharmacy what time they close today", TaskKind::Enquiry),
            ("Confirm my appointment with Dr. Lee tomorrow", TaskKind::Confirmation),
            ("Dispute a $45.99 charge with my bank", TaskKind::Complaint),
            ("Reschedule my haircut to next Tuesday", TaskKind::Reschedule),
        ];
        for (text, kind) in cases {
            assert_eq!(classify(text), kind, "{text}");
        }
    }
}
