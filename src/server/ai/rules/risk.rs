//! What no assistant should do, and what it should handle with care. The
//! risk rules always run, whichever engine plans the call.

use super::phones::find_phone_spans;
use super::text::Fold;
use super::text::has_any;
use crate::domain::plan::{RiskAssessment, RiskCategory, RiskConcern};

/// Emergency numbers around the world (US/CA, EU, UK, AU, JP/KR/CN, IN, ...).
const EMERGENCY: &[&str] = &["911", "112", "999", "000", "110", "119", "118", "100", "101", "102", "108", "15", "17", "18", "08"];

const THREATS: &[&str] = &[
    "threaten",
    "threat",
    "or else",
    "kill",
    "hurt them",
    "hurt him",
    "hurt her",
    "beat up",
    "burn down",
    "blow up",
    "make them pay",
    "they'll regret",
    "they will regret",
    "i know where they live",
    "scare them",
    "intimidate",
    "know where their kids",
    "know where his kids",
    "know where her kids",
    "know where your kids",
    "where their kids go",
    "where his kids go",
    "where her kids go",
    "won't be safe",
    "will not be safe",
    "not be safe",
    "watch their back",
    "watch his back",
    "watch her back",
    "watch your back",
    "be a shame if",
    "accidents happen",
    "something could happen",
    "something might happen",
    "something bad will",
    "what happens to people",
    "we're watching",
    "we are watching",
    "i'm watching",
    "they'll be sorry",
    "he'll be sorry",
    "she'll be sorry",
    "teach them a lesson",
    "teach him a lesson",
    "teach her a lesson",
    "rough them up",
    "rough him up",
    "break his legs",
    "break their legs",
    "make her pay",
    "make him pay",
    "better watch",
    "or there will be consequences",
    "face the consequences",
];
const HARASSMENT: &[&str] = &[
    "harass",
    "keep calling",
    "call them over and over",
    "call repeatedly",
    "every 5 minutes",
    "every five minutes",
    "every minute",
    "all night",
    "100 times",
    "50 times",
    "a hundred times",
    "prank",
    "spam them",
    "annoy them",
    "bother them until",
    "yell at",
    "insult",
    "swear at",
    "curse at",
    "humiliate",
    "every day until she",
    "every day until he",
    "every day until they",
    "every night until",
    "until she picks up",
    "until he picks up",
    "until they pick up",
    "until she answers",
    "until he answers",
    "don't stop calling",
    "do not stop calling",
    "keep ringing",
    "over and over",
    "her again and again",
    "him again and again",
    "them again and again",
    "non-stop",
    "nonstop",
    "every hour",
    "all day long",
    "won't leave her alone",
    "won't leave him alone",
];
const IMPERSONATION: &[&str] = &[
    "pretend to be",
    "pretending to be",
    "pretending you're",
    "pretending you are",
    "pretending that you",
    "pretend you are",
    "pretend you're",
    "impersonate",
    "pose as",
    "posing as",
    "say you are me",
    "say you're me",
    "say that you are me",
    "as if you were me",
    "claim to be",
    "act as my",
    "pretend that you are",
    "say you are the",
    "say you're the",
    "say you are from the",
    "say you're from the",
    "say you are a police",
    "pretend to be a",
    "tell them you're",
    "tell them you are",
    "tell her you're",
    "tell her you are",
    "tell him you're",
    "tell him you are",
    "say you work for",
    "say you're with",
    "say you are with",
    "act like you're",
    "act like you are",
    "act as if you",
    "call as a",
    "calling as a",
    "as a police officer",
    "as a detective",
    "as an officer",
    "as a federal agent",
    "as an agent",
    "as an inspector",
    "as a government",
    "from the irs",
    "from the fbi",
    "from the police",
    "from immigration",
    "from social services",
    "from child services",
    "as her doctor",
    "as his doctor",
    "as their doctor",
    "as her lawyer",
    "as his lawyer",
];
const FRAUD: &[&str] = &[
    "fake",
    "lie to",
    "lie about",
    "make up a",
    "scam",
    "fraud",
    "trick them",
    "bribe",
    "forge",
    "without them knowing",
    "someone else's account",
    "someone else's card",
    "their password",
    "get their password",
    "steal",
    "phish",
    "fake review",
    "false claim",
    "pretend i was",
    "pretend it was",
];
/// Emergencies that, told to someone as a ruse, make a false alarm.
const EMERGENCY_CLAIMS: &[&str] = &[
    "gas leak",
    "bomb",
    "explosive",
    "shooter",
    "gunman",
    "fire in",
    "on fire",
    "building is burning",
    "anthrax",
    "poisoned",
    "contaminated",
    "carbon monoxide",
    "chemical spill",
    "hazmat",
    "outbreak",
    "hostage",
    "evacuate",
    "evacuation",
    "terror",
    "radiation",
];
/// Signs that an emergency told to someone is a ruse, or meant to make them act.
const RUSE: &[&str] = &[
    "so they evacuate",
    "so they leave",
    "so they close",
    "so they shut",
    "so they have to",
    "so everyone leaves",
    "to get them out",
    "to clear the",
    "to empty the",
    "to close the",
    "to scare",
    "as a joke",
    "for a laugh",
    "prank",
    "even though",
    "there isn't",
    "there is no",
    "there's no",
    "pretend",
    "fake",
    "make them think",
    "make them believe",
    "convince them",
    "so they panic",
    "just to",
];
/// Telling a third party, rather than asking about or reporting at one's own place.
const TELL: &[&str] = &[
    "tell them",
    "tell the",
    "tell her",
    "tell him",
    "say there",
    "say that there",
    "let them know there",
    "warn them",
    "warn the",
    "report that there",
];
/// Claims that are a false alarm on their own, whoever is told.
const ALWAYS_ALARM: &[&str] = &["bomb", "explosive", "shooter", "gunman", "anthrax", "hostage"];

/// Someone else's whereabouts, routine or details.
const SOMEONE_ELSES_DATA: &[&str] = &[
    "where she lives",
    "where he lives",
    "where they live now",
    "where my ex lives",
    "her address",
    "his address",
    "her new address",
    "his new address",
    "her home address",
    "his home address",
    "their home address",
    "her schedule",
    "his schedule",
    "when she leaves",
    "when he leaves",
    "when she gets off",
    "when he gets off",
    "where she works",
    "where he works",
    "where she is staying",
    "where he is staying",
    "where she's staying",
    "where he's staying",
    "who she's seeing",
    "who he's seeing",
    "who she is seeing",
    "who he is seeing",
    "who she's dating",
    "who he's dating",
    "her new number",
    "his new number",
    "her phone number",
    "his phone number",
    "her social security",
    "his social security",
    "her date of birth",
    "his date of birth",
    "her account",
    "his account",
    "her medical",
    "his medical",
    "her records",
    "his records",
    "track her",
    "track him",
    "locate my ex",
    "find my ex",
    "where my ex",
    "my ex's new",
    "her whereabouts",
    "his whereabouts",
    "their whereabouts",
];

/// Getting into accounts needs real identity; combined with pretending, it is blocked.
const ACCESS: &[&str] = &["account", "password", "pin", "verification code", "reset", "access", "login", "social security"];

/// The verdict on an instruction (and the number it would dial).
pub fn assess(instruction: &str, target_e164: Option<&str>, is_premium_rate: bool) -> RiskAssessment {
    let lower = instruction.folded();
    let mut concerns = Vec::new();
    let mut block =
        |category, message: &str| concerns.push(RiskConcern { category, message: message.to_owned(), blocking: true });

    let dials_emergency = find_phone_spans(&lower).iter().any(|s| {
        let before = &lower[..s.start];
        EMERGENCY.contains(&s.digits.as_str())
            && (before.trim_end().ends_with("call")
                || before.trim_end().ends_with("dial")
                || before.trim_end().ends_with("ring")
                || before.trim_end().ends_with("phone")
                || before.trim_end().ends_with("at")
                || before.trim_end().ends_with("number"))
    }) || target_e164
        .is_some_and(|n| EMERGENCY.iter().any(|e| n.trim_start_matches('+') == *e || n == format!("+1{e}")))
        || (has_any(&lower, &["emergency services", "the police", "an ambulance", "the fire department", "emergency line"])
            && !has_any(&lower, &["non-emergency", "non emergency"]));
    if dials_emergency {
        block(
            RiskCategory::EmergencyNumber,
            "Callwright never calls emergency services. In an emergency, call them yourself right now.",
        );
    }
    if is_premium_rate {
        block(
            RiskCategory::PremiumRate,
            "The number is a premium-rate line, which can cost a lot per minute; Callwright does not call those.",
        );
    }
    if has_any(&lower, THREATS) {
        block(RiskCategory::Threat, "The request involves threatening someone. Callwright will not make threatening calls.");
    }
    if has_any(&lower, HARASSMENT) {
        block(
            RiskCategory::Harassment,
            "The request looks like harassment or repeated nuisance calls, which Callwright will not make.",
        );
    }
    let impersonates = has_any(&lower, IMPERSONATION);
    if impersonates {
        let message = if has_any(&lower, ACCESS) {
            "Pretending to be you or anyone else to get access to an account is not something Callwright will do. It always says it is an AI assistant calling on your behalf."
        } else {
            "Callwright does not impersonate anyone: it always says it is an AI assistant calling on your behalf."
        };
        block(RiskCategory::Impersonation, message);
    }
    let alarm = has_any(&lower, ALWAYS_ALARM) && has_any(&lower, TELL)
        || has_any(&lower, EMERGENCY_CLAIMS) && (has_any(&lower, RUSE) || has_any(&lower, TELL) && !own_place(&lower));
    if alarm {
        block(
            RiskCategory::FalseAlarm,
            "The request would raise a false alarm. Callwright will not tell anyone of an emergency that is not real; if there is a real one, call emergency services yourself.",
        );
    }
    if has_any(&lower, SOMEONE_ELSES_DATA) {
        block(
            RiskCategory::Stalking,
            "The request is to find out where someone is or their personal details behind their back, which Callwright will not do.",
        );
    }
    if has_any(&lower, FRAUD) {
        block(
            RiskCategory::Fraud,
            "The request involves deceiving the other side or getting something dishonestly, which Callwright will not do.",
        );
    }

    if card_number(&lower) {
        concerns.push(RiskConcern {
            category: RiskCategory::SensitiveData,
            message: "The instruction contains what looks like a payment card number. It will not be read out on the call; share card details yourself when the business asks.".into(),
            blocking: false,
        });
    }
    if ssn(&lower) {
        concerns.push(RiskConcern {
            category: RiskCategory::SensitiveData,
            message: "The instruction contains what looks like a social security number. It will not be said on the call.".into(),
            blocking: false,
        });
    }
    if has_any(&lower, &["lawsuit", "sue ", "legal action", "lawyer", "attorney"]) {
        concerns.push(RiskConcern {
            category: RiskCategory::Legal,
            message: "Legal matters: the assistant can ask questions but will not make legal commitments for you.".into(),
            blocking: false,
        });
    }
    RiskAssessment::from_concerns(concerns)
}

/// Whether an emergency is about the user's own place ("a gas smell in my
/// kitchen"), which they may report.
fn own_place(lower: &str) -> bool {
    has_any(
        lower,
        &[
            "in my",
            "at my",
            "my house",
            "my home",
            "my apartment",
            "my flat",
            "my kitchen",
            "my building",
            "our house",
            "our building",
            "our apartment",
            "in our",
        ],
    )
}

/// 13–19 digits (spaces/dashes allowed) passing the Luhn check.
pub fn card_number(text: &str) -> bool {
    card_spans(text).next().is_some()
}

fn card_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            let mut digits = Vec::new();
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_digit()
                    || ((bytes[j] == b' ' || bytes[j] == b'-') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)))
            {
                if bytes[j].is_ascii_digit() {
                    digits.push(bytes[j] - b'0');
                }
                j += 1;
            }
            if (13..=19).contains(&digits.len()) && luhn(&digits) {
                out.push((start, j));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out.into_iter()
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &d)| {
            let d = d as u32;
            if k % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn ssn_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len().saturating_sub(10) {
        let w = &b[i..i + 11];
        let shape = w.iter().enumerate().all(|(k, c)| if k == 3 || k == 6 { *c == b'-' } else { c.is_ascii_digit() });
        let bounded = (i == 0 || !b[i - 1].is_ascii_alphanumeric()) && b.get(i + 11).is_none_or(|c| !c.is_ascii_alphanumeric());
        if shape && bounded {
            out.push((i, i + 11));
        }
    }
    out
}

pub fn ssn(text: &str) -> bool {
    !ssn_spans(text).is_empty()
}

/// The text with card and social security numbers replaced, for anything
/// that is said on a call or shown in a plan.
pub fn redact_sensitive(text: &str) -> String {
    let mut spans: Vec<(usize, usize, &str)> = card_spans(text).map(|(a, b)| (a, b, "[card number withheld]")).collect();
    spans.extend(ssn_spans(text).into_iter().map(|(a, b)| (a, b, "[SSN withheld]")));
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (a, b, label) in spans {
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(label);
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(text: &str) -> Option<RiskCategory> {
        let r = assess(text, None, false);
        r.concerns.iter().find(|c| c.blocking).map(|c| c.category)
    }

    #[test]
    fn blocks_what_no_assistant_should_do() {
        let cases = [
            ("Call 911 and say there is a fire", RiskCategory::EmergencyNumber),
            ("dial 112 for me", RiskCategory::EmergencyNumber),
            ("call 999 and report my neighbour", RiskCategory::EmergencyNumber),
            ("Call my ex and threaten him until he pays", RiskCategory::Threat),
            ("Keep calling my neighbor every 5 minutes all night", RiskCategory::Harassment),
            ("Call the bank and pretend to be me to reset my password", RiskCategory::Impersonation),
            ("Call my landlord and pose as a lawyer", RiskCategory::Impersonation),
            ("Call the insurer and make up a fake accident claim", RiskCategory::Fraud),
            ("Call the store and yell at the manager", RiskCategory::Harassment),
        ];
        for (text, category) in cases {
            assert_eq!(blocked(text), Some(category), "{text}");
        }
        let premium = assess("call this hotline", Some("+19005550100"), true);
        assert!(premium.blocked && premium.concerns[0].category == RiskCategory::PremiumRate);
    }

    #[test]
    fn everyday_errands_pass() {
        for text in [
            "Call my dentist at 415-555-0199 and book a cleaning next week under $100",
            "Call the plumber and get a quote to fix a leak, max $250",
            "Ask the pharmacy what time they close",
            "Dispute a $45.99 charge with my bank",
            "Book a table for 2 at 7pm",
            "Call the clinic at 415-555-0100 and ask if Dr. Lee accepts my insurance",
        ] {
            let r = assess(text, Some("+14155550199"), false);
            assert!(!r.blocked, "{text}: {r:?}");
            assert!(r.concerns.is_empty(), "{text}: {r:?}");
        }
    }

    #[test]
    fn sensitive_data_is_flagged_and_redacted() {
        let text = "Pay the bill with card 4111 1111 1111 1111 and my SSN is 123-45-6789";
        let r = assess(text, None, false);
        assert!(!r.blocked);
        assert_eq!(r.concerns.iter().filter(|c| c.category == RiskCategory::SensitiveData).count(), 2);
        let clean = redact_sensitive(text);
        assert!(!clean.contains("4111") && !clean.contains("6789"), "{clean}");
        assert!(clean.contains("[card number withheld]") && clean.contains("[SSN withheld]"));
        // Not a card: fails Luhn.
        assert!(!card_number("order 1234 5678 9012 3456"));
    }
}
