//! What may never be said on a call, whichever engine wrote the words: an
//! agreement while a price past the user's limit (or one not yet clear) is
//! on the table, while the user is deciding, or after they said no; card,
//! bank, identity or password data; a denial of being an AI. Every reply
//! passes [`check`] before a token of it is spoken.

use crate::server::ai::rules::script::RECORDING_NOTICE;
use crate::server::ai::rules::text::Fold;
use crate::server::ai::rules::text::has_any;

/// Where the call stands on money, as the guard needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    /// A price the other side named that may not be agreed to yet: past the
    /// limit and not approved, or not clear (no total, an amount that could
    /// be heard two ways).
    pub unsettled: Option<String>,
    /// The user is deciding on a price.
    pub awaiting_user: bool,
    /// The user turned the price down (or did not answer in time).
    pub declined: bool,
}

impl Standing {
    fn blocks_agreement(&self) -> bool {
        self.unsettled.is_some() || self.awaiting_user || self.declined
    }
}

/// Why a reply may not be spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// It agrees, books or confirms while that is not allowed.
    Agrees,
    /// It carries payment, bank, identity or password data.
    PrivateData,
    /// It denies being an AI or claims to be a person.
    DeniesAi,
    /// It states a number that is not in the task, the user's data or the
    /// call so far (a model making up a time, a price, a reference).
    Invents,
}

impl Blocked {
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::Agrees => "agrees while a price is not settled",
            Blocked::PrivateData => "payment or identity data",
            Blocked::DeniesAi => "denies being an AI",
            Blocked::Invents => "states a number the call did not give",
        }
    }
}

/// Phrases by which a reply agrees, books or confirms.
const AGREEING: &[&str] = &[
    "that works",
    "works for me",
    "works for us",
    "sounds good",
    "sounds great",
    "sounds fine",
    "go ahead",
    "book it",
    "book that",
    "book me",
    "book us",
    "book the",
    "please book",
    "schedule it",
    "lock it in",
    "let's do it",
    "lets do it",
    "let's go with",
    "we'll go with",
    "i'll go with",
    "deal",
    "it's a deal",
    "agreed",
    "i agree",
    "we agree",
    "we accept",
    "i accept",
    "accept the",
    "i'll take it",
    "we'll take it",
    "take it",
    "confirm",
    "confirmed",
    "that's fine",
    "that is fine",
    "that's okay",
    "that is okay",
    "that's ok",
    "that's acceptable",
    "that is acceptable",
    "fine by",
    "okay with that",
    "ok with that",
    "happy with that",
    "happy to pay",
    "we can pay",
    "i can pay",
    "will pay",
    "we'll pay",
    "i'll pay",
    "that price is",
    "approve",
    "approves",
    "approved",
    "go for it",
    "yes please",
    "yes, please",
    "please do",
    "proceed",
    "put us down",
    "put me down",
    "reserve it",
    "sign us up",
    "sign me up",
];

/// Words a reply may open with that say yes to what was just asked.
const YES: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "okay",
    "ok",
    "alright",
    "all right",
    "absolutely",
    "of course",
    "certainly",
    "definitely",
    "perfect",
    "great",
    "fine",
    "correct",
    "right",
];

/// Phrases by which a reply says it is not an AI.
const DENYING_AI: &[&str] = &[
    "not an ai",
    "not a bot",
    "not a robot",
    "not a machine",
    "not automated",
    "not an assistant",
    "not a computer",
    "i'm a real person",
    "i am a real person",
    "i'm a person",
    "i am a person",
    "i'm human",
    "i am human",
    "i'm a human",
    "i am a human",
    "real human",
    "a real person here",
    "this is a real person",
    "i'm not artificial",
];

/// Words that name private data.
const PRIVATE_WORDS: &[&str] = &[
    "card number",
    "credit card",
    "debit card",
    "visa",
    "mastercard",
    "amex",
    "american express",
    "cvv",
    "cvc",
    "security code",
    "expiry",
    "expiration",
    "expires",
    "social security",
    "ssn",
    "password",
    "passcode",
    "pin",
    "routing number",
    "account number",
    "sort code",
    "iban",
    "bank account",
    "date of birth",
    "driver's license",
    "passport number",
];

/// Digit runs in `text`: consecutive digits, allowing single spaces,
/// dashes and dots between groups ("4111 1111 1111 1111", "123-45-6789").
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            gap = false;
        } else if !current.is_empty() && matches!(c, ' ' | '-' | '.' | '\u{a0}') && !gap {
            gap = true;
        } else {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            gap = false;
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Digits said as words ("four one one one ..."), as a digit string.
fn spoken_digits(lower: &str) -> String {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|w| {
            Some(match w {
                "zero" | "oh" => '0',
                "one" => '1',
                "two" => '2',
                "three" => '3',
                "four" => '4',
                "five" => '5',
                "six" => '6',
                "seven" => '7',
                "eight" => '8',
                "nine" => '9',
                _ => return None,
            })
        })
        .collect()
}

/// The card numbers in `text`, as their digits, however grouped
/// ("4111 1111 1111 1111").
pub fn card_numbers_in(text: &str) -> Vec<String> {
    digit_runs(text).into_iter().filter(|run| card_shaped(run)).collect()
}

/// Whether `digits` could be a card number: 13 to 19 digits passing the
/// Luhn check.
pub fn card_shaped(digits: &str) -> bool {
    (13..=19).contains(&digits.len()) && luhn(digits)
}

/// Whether `digits` passes the Luhn check that card numbers pass.
fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else { return false };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

fn carries_private_data(lower: &str, own: &[String], heard: &[String]) -> bool {
    let mut runs = digit_runs(lower);
    let spoken = spoken_digits(lower);
    if spoken.len() >= 9 {
        runs.push(spoken);
    }
    let in_list = |list: &[String], run: &str| {
        list.iter().any(|n| n.chars().filter(char::is_ascii_digit).collect::<String>().ends_with(run))
    };
    let known = |run: &str| in_list(own, run) || in_list(heard, run);
    for run in &runs {
        if card_shaped(run) && !known(run) {
            return true;
        }
        // An SSN's shape: nine digits, not a number we may say.
        if run.len() == 9 && !known(run) {
            return true;
        }
    }
    // Naming private data next to digits we do not know.
    // There only the task's own numbers may be said: a number the other
    // side offered ("is the CVV 123?") is not confirmed.
    has_any(lower, PRIVATE_WORDS) && runs.iter().any(|r| r.len() >= 3 && !in_list(own, r))
        || (has_any(lower, &["password is", "passcode is", "pin is", "password's", "pin's"]))
}

/// Whether `reply` agrees to something.
fn agrees(lower: &str) -> bool {
    if has_any(lower, AGREEING) {
        return true;
    }
    let opening = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    YES.iter()
        .any(|y| opening.strip_prefix(y).is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric())))
}

/// Whether `reply` may be spoken. `allowed_numbers` are numbers the agent
/// may say (the user's callback number, say).
pub fn check(reply: &str, standing: &Standing, allowed_numbers: &[String]) -> Result<(), Blocked> {
    check_said(reply, standing, allowed_numbers, &[])
}

/// [`check`], with the numbers the other side said (`heard`) told apart
/// from the task's own (`own`): both may be read back, but next to words
/// of private data (card, CVV, social security) only the task's may.
pub fn check_said(reply: &str, standing: &Standing, own: &[String], heard: &[String]) -> Result<(), Blocked> {
    let lower = reply.folded();
    if carries_private_data(&lower, own, heard) {
        return Err(Blocked::PrivateData);
    }
    if has_any(&lower, DENYING_AI) {
        return Err(Blocked::DeniesAi);
    }
    if standing.blocks_agreement() && agrees(&lower) {
        return Err(Blocked::Agrees);
    }
    Ok(())
}

/// Like [`check_said`], for words a model wrote: also stopped when they
/// state a number (two digits or more) that neither the task and the
/// user's data (`own`) nor the call so far (`heard`) holds.
pub fn check_model(reply: &str, standing: &Standing, own: &[String], heard: &[String]) -> Result<(), Blocked> {
    check_said(reply, standing, own, heard)?;
    let invented = reply
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 2)
        .any(|run| !own.iter().chain(heard).any(|k| k.contains(run)));
    if invented { Err(Blocked::Invents) } else { Ok(()) }
}

/// Words written with a full stop inside a name.
const TITLES: &[&str] =
    &["dr", "mr", "mrs", "ms", "mx", "prof", "st", "jr", "sr", "rev", "hon", "capt", "col", "gen", "lt", "sgt"];

/// The first line of a recorded call, with the recording notice in it: as
/// it is when it already says so, else told right after the sentence that
/// says who calls, or first of all when no sentence does (a voicemail, a
/// model's words, a reply to "who is this?").
pub fn with_recording_notice(line: &str) -> String {
    let notice = RECORDING_NOTICE;
    let lower = line.to_ascii_lowercase();
    if lower.contains(&notice.trim_end_matches('.').to_ascii_lowercase()) {
        return line.to_owned();
    }
    let line = line.trim();
    if line.is_empty() {
        return notice.to_owned();
    }
    // ASCII lower-casing keeps byte offsets, so they index `line` as well.
    let lower = line.to_ascii_lowercase();
    let end_of_who = lower.find("on behalf of").and_then(|at| {
        let rest = &line[at..];
        rest.char_indices()
            .find(|&(i, c)| {
                if !matches!(c, '.' | '!' | '?') {
                    return false;
                }
                let ends = rest[i + 1..].chars().next().is_none_or(char::is_whitespace);
                // "Dr. Ada", "J. Smith": a title or an initial, not the sentence's end.
                let word = rest[..i].rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_ascii_lowercase();
                let short = c == '.' && (word.chars().count() == 1 || TITLES.contains(&word.as_str()));
                ends && !short
            })
            .map(|(i, _)| at + i + 1)
    });
    match end_of_who {
        Some(end) if end < line.len() => format!("{} {notice} {}", &line[..end], line[end..].trim_start()),
        Some(_) => format!("{line} {notice}"),
        None => format!("{notice} {line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_recorded_call_says_so_in_its_first_line_whatever_that_line_is() {
        let n = RECORDING_NOTICE;
        let cases = [
            (
                "Hi there! This is Callwright, an AI assistant calling on behalf of Ada. I'm calling to book a cleaning.",
                format!(
                    "Hi there! This is Callwright, an AI assistant calling on behalf of Ada. {n} I'm calling to book a cleaning."
                ),
            ),
            (
                "I'm an AI assistant calling on behalf of Dr. Ada Lovelace-Byron.",
                format!("I'm an AI assistant calling on behalf of Dr. Ada Lovelace-Byron. {n}"),
            ),
            (
                "Hello, Ramón's salon? On behalf of José! Can I book?",
                format!("Hello, Ramón's salon? On behalf of José! {n} Can I book?"),
            ),
            ("Of course, I'll hold.", format!("{n} Of course, I'll hold.")),
            ("", n.to_owned()),
            ("   ", n.to_owned()),
            ("Calling on behalf of Ada", format!("{n} Calling on behalf of Ada")),
            (
                "Hello! On behalf of J. R. Smith Jr. and Mrs. Smith. Thanks.",
                format!("Hello! On behalf of J. R. Smith Jr. and Mrs. Smith. {n} Thanks."),
            ),
            ("On behalf of Ada...  Hi?", format!("On behalf of Ada... {n} Hi?")),
        ];
        for (line, expected) in cases {
            assert_eq!(with_recording_notice(line), expected, "{line:?}");
        }
        // Said already (the script's introduction of a recorded call): as it is.
        let said = format!("Hi! {n} This is Callwright.");
        assert_eq!(with_recording_notice(&said), said);
        assert_eq!(with_recording_notice("THIS CALL IS BEING RECORDED, hello"), "THIS CALL IS BEING RECORDED, hello");
    }

    proptest! {
        #[test]
        fn the_notice_is_added_once_and_nothing_said_is_lost(line in "\\PC{0,200}", who in proptest::bool::ANY) {
            let line = if who { format!("{line} on behalf of {line}. {line}") } else { line };
            let out = with_recording_notice(&line);
            if line.to_ascii_lowercase().contains("this call is being recorded") {
                prop_assert_eq!(out, line);
            } else {
                prop_assert_eq!(out.matches(RECORDING_NOTICE).count(), 1);
                let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
                prop_assert_eq!(words(&out.replacen(RECORDING_NOTICE, " ", 1)), words(&line));
            }
        }
    }

    fn pending() -> Standing {
        Standing { unsettled: Some("$400 for the job".into()), ..Standing::default() }
    }

    #[test]
    fn no_agreement_while_a_price_is_unsettled_pending_or_declined() {
        let attempts = [
            "That works. Please go ahead and book it.",
            "Yes.",
            "Yeah, sure.",
            "OK!",
            "Sounds good to me.",
            "Sure, let's do it.",
            "Deal.",
            "Great, I'll take it.",
            "Perfect, please book that in.",
            "Ada approves $400, so please go ahead.",
            "We accept the quote.",
            "That's fine, you can confirm it.",
            "Alright then, put us down for Friday.",
            "  yes please",
        ];
        for standing in [
            pending(),
            Standing { awaiting_user: true, ..Standing::default() },
            Standing { declined: true, ..Standing::default() },
        ] {
            for reply in attempts {
                assert_eq!(check(reply, &standing, &[]), Err(Blocked::Agrees), "{reply} / {standing:?}");
            }
        }
        // Settled: agreeing is the point.
        for reply in attempts {
            assert_eq!(check(reply, &Standing::default(), &[]), Ok(()), "{reply}");
        }
        // Not agreeing is always fine.
        for reply in [
            "Let me just check that with Ada, one moment.",
            "Could you give me the total, including everything?",
            "Yesterday you said something else.",
            "Okayish is not a word.",
        ] {
            assert_eq!(check(reply, &pending(), &[]), Ok(()), "{reply}");
        }
    }

    #[test]
    fn payment_identity_and_password_data_are_never_spoken() {
        for reply in [
            "The card number is 4111 1111 1111 1111.",
            "Sure: 4111-1111-1111-1111, expiry 12/28.",
            "It's four one one one one one one one one one one one one one one one.",
            "Her social security number is 123-45-6789.",
            "123456789",
            "The CVV is 737.",
            "The password is hunter2.",
            "Her PIN is 4821.",
            "Account number 000123456, routing 021000021.",
        ] {
            assert_eq!(check(reply, &Standing::default(), &[]), Err(Blocked::PrivateData), "{reply}");
        }
        // A callback number the task holds may be said; prices and times are fine.
        let callback = vec!["+14155550123".to_owned()];
        for reply in [
            "You can reach Ada at 415-555-0123.",
            "That would be $85 on Tuesday at 2:30.",
            "Confirmation DC-4821, thank you.",
            "Ada will handle payment directly with you.",
        ] {
            assert_eq!(check(reply, &Standing::default(), &callback), Ok(()), "{reply}");
        }
    }

    #[test]
    fn the_agent_never_denies_being_an_ai() {
        for reply in [
            "No, I'm not an AI.",
            "I'm a real person, don't worry.",
            "I am human, just like you.",
            "This is a real person calling.",
            "I'm not a robot!",
        ] {
            assert_eq!(check(reply, &Standing::default(), &[]), Err(Blocked::DeniesAi), "{reply}");
        }
        assert_eq!(check("Yes, I'm an AI assistant calling on Ada's behalf.", &Standing::default(), &[]), Ok(()));
    }

    #[test]
    fn a_model_states_no_number_the_call_did_not_give() {
        let known: Vec<String> = ["2", "30", "85", "4821", "14155550100"].map(String::from).to_vec();
        for fine in ["Tuesday at 2:30 works, thank you.", "So that's $85, great.", "Reference 4821, got it.", "Thanks!"] {
            assert_eq!(check_model(fine, &Standing::default(), &known, &[]), Ok(()), "{fine}");
        }
        for invented in [
            "Your appointment is confirmed for 9:45.",
            "That will be $120 then.",
            "Your reference is 88123.",
            "I'll call back on 415-555-0199.",
        ] {
            assert_eq!(check_model(invented, &Standing::default(), &known, &[]), Err(Blocked::Invents), "{invented}");
        }
    }

    #[test]
    fn card_numbers_are_told_apart_by_their_checksum() {
        assert!(luhn("4111111111111111"));
        assert!(luhn("79927398713"));
        assert!(!luhn("4111111111111112"));
        assert_eq!(digit_runs("call 415-555-0100 or 4111 1111 1111 1111."), ["4155550100", "4111111111111111"]);
    }

    /// A card number with a valid checksum, from `prefix` digits.
    fn card(prefix: &[u32]) -> String {
        let mut digits: Vec<u32> = prefix.to_vec();
        digits.push(0);
        let text: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
        let check = (0..10).find(|c| luhn(&format!("{}{c}", &text[..text.len() - 1]))).unwrap();
        format!("{}{check}", &text[..text.len() - 1])
    }

    proptest::proptest! {
        /// However a valid card number is written into a reply (grouped,
        /// dashed, dotted, among other words), the reply is stopped.
        #[test]
        fn a_card_number_never_passes(
            prefix in proptest::collection::vec(0u32..10, 12..18),
            separator in proptest::sample::select(vec!["", " ", "-", "."]),
            group in 3usize..6,
            before in "[a-zA-Z ,]{0,30}",
            after in "[a-zA-Z ,.]{0,30}",
        ) {
            let number = card(&prefix);
            let grouped: Vec<String> = number.as_bytes().chunks(group).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            let reply = format!("{before} {} {after}", grouped.join(separator));
            proptest::prop_assert_eq!(check(&reply, &Standing::default(), &[]), Err(Blocked::PrivateData), "{}", reply);
        }

        /// Any text is checked without panic.
        #[test]
        fn any_reply_is_checked_without_panic(reply in "\\PC{0,300}") {
            let _ = check(&reply, &pending(), &["+14155550100".to_owned()]);
        }
    }
}
