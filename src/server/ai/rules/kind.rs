//! What kind of errand an instruction is.

use super::text::Fold;
use super::text::has_any;
use crate::domain::plan::TaskKind;

/// Cue words for each kind, most specific kinds first: the first kind with
/// a cue wins.
const CUES: &[(TaskKind, &[&str])] = &[
    // Asking about a policy is an enquiry, whatever the policy is about.
    (TaskKind::Enquiry, &["cancellation policy", "cancel policy", "refund policy", "return policy", "returns policy"]),
    // "Confirm my reservation" confirms; it books nothing.
    (
        TaskKind::Confirmation,
        &[
            "confirm my",
            "confirm our",
            "confirm the",
            "confirm that my",
            "confirm her",
            "confirm his",
            "make sure my",
            "double-check my",
            "double check my",
        ],
    ),
    (
        TaskKind::Cancellation,
        &[
            "cancel",
            "cancellation",
            "unsubscribe",
            "terminate my",
            "end my subscription",
            "stop my subscription",
            "close my",
            "close the account",
            "close our",
            "stop my",
            "stop the",
            "end my",
        ],
    ),
    // "Get a quote to move my one-bedroom" is a quote for a house move, not
    // an appointment moved.
    (TaskKind::Quote, &["get a quote", "a quote to", "a quote for", "get an estimate", "an estimate for", "an estimate to"]),
    (
        TaskKind::Reschedule,
        &[
            "reschedule",
            "move my appointment",
            "change my appointment",
            "move my reservation",
            "change my reservation",
            "push back my",
            "move my",
            "push my",
            "shift my",
            "bring forward my",
            "bring my",
            "switch my",
            "change the date",
            "change the time",
            "different day",
            "different time",
        ],
    ),
    (
        TaskKind::Complaint,
        &[
            "dispute",
            "complain",
            "complaint",
            "refund",
            "overcharged",
            "charged me",
            "charged twice",
            "wrong order",
            "damaged",
            "report that",
            "report a",
            "is broken",
            "are broken",
            "isn't working",
            "not working",
            "stopped working",
            "was missing",
            "were missing",
            "a credit for",
            "credit for the",
        ],
    ),
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
            "price-match",
            "lowered",
            "waive",
            "waived",
            "payment plan",
            "match a",
            "match their",
            "match the",
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
            "installed",
            "replaced",
            "get me seen",
            "get me in",
            "get me an appointment",
            "fitted",
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
    let lower = instruction.folded();
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
            ("Call Willow Spa and move my massage from tomorrow to later this week", TaskKind::Reschedule),
            ("Call the movers at 415-555-0111 and get a quote to move my one-bedroom, max $250", TaskKind::Quote),
            ("Ring Two Men and a Van for an estimate to move my piano across town", TaskKind::Quote),
            ("Get a quote for pushing my fence line back two feet", TaskKind::Quote),
            ("Move my piano lesson to Friday please", TaskKind::Reschedule),
            ("Call the dermatologist and push my appointment today back by about a week", TaskKind::Reschedule),
            ("Call the Marlowe Hotel and confirm my reservation for December 11th", TaskKind::Confirmation),
            ("Call Clay Corner and ask what their cancellation policy is", TaskKind::Enquiry),
            ("Call Bayline and get my monthly bill lowered from $89", TaskKind::Negotiation),
            ("Call Harbor Bank and ask them to waive the late fee", TaskKind::Negotiation),
            ("Call the property manager and report that my heating is broken", TaskKind::Complaint),
            ("Call the credit union and close my old savings account", TaskKind::Cancellation),
            ("Call Dale's and get a toilet replaced, under $500", TaskKind::Booking),
            ("Stop my paper delivery with Patel's Newsagents, 415-555-0120", TaskKind::Cancellation),
        ];
        for (text, kind) in cases {
            assert_eq!(classify(text), kind, "{text}");
        }
    }
}
