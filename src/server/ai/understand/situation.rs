//! What kind of moment an utterance is, and what it asks of us: a
//! voicemail greeting, a phone menu and its options, hold, a transfer, a
//! new person, a call screener, a request to repeat, a wrong number, a
//! business that is closed, a goodbye, a refusal, hostility; and questions
//! about who we are, the user's name, a callback number, details of the
//! errand, or payment and identity data.

use crate::server::ai::rules::text::has_any;

/// A voicemail greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voicemail {
    /// A message can be left.
    CanLeave,
    /// The mailbox is full or not set up: no message can be left.
    Unavailable,
}

/// One option of a phone menu: the key and what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuOption {
    pub key: String,
    pub label: String,
}

/// What the other side asks of us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// "Are you a real person?", "Is this a robot?"
    AreYouHuman,
    /// "Who is this?", "Who's calling?", "Where are you calling from?"
    WhoIsCalling,
    /// The name for the booking or order.
    Name,
    /// "How do you spell that?"
    Spelling,
    /// A number to call back on.
    CallbackNumber,
    /// How many people.
    PartySize,
    /// What day or time suits.
    When,
    /// Card, bank, identity data or a password.
    PaymentOrIdentity,
    /// "Anything else?", "What else can I do for you?"
    AnythingElse,
    /// "Are you still there?", "Hello?" while we are quiet.
    StillThere,
    /// Whether to go ahead ("Shall I book it?", "Is that okay?").
    Permission,
    /// What the call is about ("What can I do for you?", "How can I help?").
    Purpose,
}

/// Everything the situation readers found in one utterance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heard {
    pub voicemail: Option<Voicemail>,
    pub menu: Vec<MenuOption>,
    pub hold: bool,
    pub transfer: bool,
    /// Someone answering: "Bright Smiles, this is Sarah", "Hello?"
    pub greeting: bool,
    pub screener: bool,
    pub repeat: bool,
    pub wrong_number: bool,
    /// Closed now, or "call back later".
    pub closed: bool,
    pub goodbye: bool,
    /// They will not help ("not interested", "we don't do that").
    pub refusal: bool,
    pub hostile: bool,
    pub asks: Vec<Ask>,
    pub question: bool,
}

impl Heard {
    pub fn asks(&self, ask: Ask) -> bool {
        self.asks.contains(&ask)
    }
}

const VOICEMAIL: &[&str] = &[
    "leave a message",
    "leave your message",
    "leave me a message",
    "leave us a message",
    "after the beep",
    "after the tone",
    "at the tone",
    "at the beep",
    "not available to take your call",
    "can't take your call",
    "cannot take your call",
    "can't come to the phone",
    "cannot come to the phone",
    "unable to take your call",
    "unable to answer",
    "voicemail",
    "voice mail",
    "record your message",
    "leave your name and number",
    "leave your name, number",
    "you have reached the mailbox",
    "the mailbox of",
    "please leave a brief message",
    "we'll get back to you as soon as",
    "we will get back to you as soon as",
    "i'll call you back as soon as",
    "i'll get back to you as soon as",
    "we'll return your call",
    "we will return your call",
    "when you have finished recording",
];

const MAILBOX_UNAVAILABLE: &[&str] = &[
    "mailbox is full",
    "mailbox has not been set up",
    "mailbox is not set up",
    "has not set up their",
    "hasn't set up",
    "cannot accept messages",
    "can't accept messages",
    "cannot accept any messages",
    "not accepting messages",
    "is not in service",
    "no longer in service",
    "has been disconnected",
];

const HOLD: &[&str] = &[
    "please hold",
    "hold please",
    "hold on",
    "hold the line",
    "one moment",
    "just a moment",
    "one second",
    "just a second",
    "one sec",
    "just a sec",
    "bear with me",
    "give me a moment",
    "give me a second",
    "give me a sec",
    "let me check",
    "let me look",
    "let me see",
    "let me pull",
    "let me find",
    "remain on the line",
    "stay on the line",
    "next available",
    "your call is important",
    "all of our",
    "calls are answered in the order",
    "estimated wait",
    "hold music",
    "♪",
    "please continue to hold",
    "thank you for your patience",
    "still checking",
    "i'll be right with you",
    "be right with you",
    "right back",
];

const TRANSFER: &[&str] = &[
    "transfer you",
    "transferring you",
    "transferring your call",
    "put you through",
    "putting you through",
    "connect you",
    "connecting you",
    "patch you through",
    "pass you over",
    "pass you on",
    "send you to",
    "forward you",
    "forwarding your call",
    "get someone who",
    "get you to someone",
    "hand you over",
    "let me get the",
    "let me grab",
    "i'll get the manager",
    "i'll get my manager",
    "i'll get someone",
];

const GREETING: &[&str] = &[
    "this is",
    "speaking",
    "how can i help",
    "how may i help",
    "how can i assist",
    "how may i assist",
    "what can i do for you",
    "what can i help",
    "thanks for holding",
    "thank you for holding",
    "thanks for waiting",
    "thank you for waiting",
    "hello",
    "hi there",
    "good morning",
    "good afternoon",
    "good evening",
    "you're through to",
    "you are through to",
    "you've reached",
    "you have reached",
];

const SCREENER: &[&str] = &[
    "state your name",
    "say your name",
    "record your name",
    "reason for your call",
    "reason for calling",
    "purpose of your call",
    "screening service",
    "call screening",
    "screens calls",
    "who is calling and why",
    "please say who you are",
    "tell me who you are",
    "what are you calling about",
    "what is this regarding",
    "what's this regarding",
    "what is this about",
    "what's this about",
    "what's this call about",
    "what is the call about",
    "may i ask what this is about",
    "may i ask who's calling",
];

const REPEAT: &[&str] = &[
    "sorry?",
    "pardon",
    "say that again",
    "say again",
    "come again",
    "repeat that",
    "repeat yourself",
    "repeat it",
    "didn't catch",
    "did not catch",
    "didn't hear",
    "did not hear",
    "couldn't hear",
    "could not hear",
    "can't hear",
    "cannot hear",
    "what was that",
    "what did you say",
    "you're breaking up",
    "you are breaking up",
    "speak up",
    "a bit louder",
    "little louder",
    "say it again",
    "one more time",
    "huh?",
    "what?",
    "excuse me?",
];

const WRONG_NUMBER: &[&str] = &[
    "wrong number",
    "the wrong",
    "no one by that name",
    "nobody by that name",
    "no one here by",
    "nobody here by",
    "there's no one here called",
    "there is no one here called",
    "never heard of",
    "you must have the wrong",
    "this isn't a",
    "this is not a",
    "we're not a",
    "we are not a",
    "this isn't the",
    "this is a private",
    "this is my personal",
    "you've got the wrong",
    "you have got the wrong",
    "not a business",
];

const CLOSED: &[&str] = &[
    "we're closed",
    "we are closed",
    "currently closed",
    "closed right now",
    "closed today",
    "closed until",
    "closed for the",
    "call back",
    "call us back",
    "call again",
    "try again later",
    "try us again",
    "try back",
    "ring back",
    "phone back",
    "office is closed",
    "closed at the moment",
    "outside of our",
    "outside our",
    "after hours",
    "out of hours",
    "not open",
];

const GOODBYE: &[&str] = &[
    "goodbye",
    "good bye",
    "bye now",
    "bye!",
    "bye.",
    "bye bye",
    "have a good day",
    "have a great day",
    "have a good one",
    "have a nice day",
    "take care",
    "talk soon",
    "speak soon",
    "see you then",
    "see you soon",
    "cheers, bye",
    "thanks, bye",
];

const REFUSAL: &[&str] = &[
    "not interested",
    "stop calling",
    "don't call",
    "do not call",
    "take us off",
    "take me off",
    "no solicit",
    "we don't do that",
    "we don't do",
    "we do not do",
    "we don't sell",
    "we don't carry",
    "we don't handle",
    "we stopped doing",
    "we no longer do",
    "we do not do that",
    "we don't do those",
    "we can't help",
    "we cannot help",
    "can't help you",
    "cannot help you",
    "not something we do",
    "don't offer",
    "do not offer",
    "don't provide",
    "we don't take",
    "we do not take",
    "fully booked",
    "no availability",
    "nothing available",
    "no openings",
    "can't do that",
    "cannot do that",
    "won't be able to",
    "not able to help",
    "no robots",
    "no ai calls",
    "we don't talk to",
    "we do not talk to",
    "don't deal with",
    "remove this number",
];

const HOSTILE: &[&str] = &[
    "go away",
    "get lost",
    "piss off",
    "f off",
    "fuck",
    "f***",
    "shut up",
    "screw you",
    "stop wasting my time",
    "wasting my time",
    "bugger off",
    "leave me alone",
    "hang up on you",
    "i'm hanging up",
    "scam",
];

const ARE_YOU_HUMAN: &[&str] = &[
    "real person",
    "a person?",
    "a human",
    "are you human",
    "a robot",
    "a bot",
    "a machine",
    "a computer",
    "an ai",
    "artificial",
    "automated",
    "a recording",
    "recorded message",
    "am i talking to a",
    "am i speaking to a",
    "is this a person",
    "is this a real",
    "are you real",
    "are you a real",
    "talking to siri",
    "chatgpt",
];

const WHO_IS_CALLING: &[&str] = &[
    "who is this",
    "who's this",
    "who is calling",
    "who's calling",
    "who am i speaking",
    "who am i talking",
    "who are you",
    "where are you calling from",
    "what company",
    "who do you work for",
    "calling from where",
    "who's on the line",
    "who is on the line",
    "what's your name",
    "what is your name",
    "and you are",
];

const NAME: &[&str] = &[
    "your name",
    "name for",
    "under what name",
    "what name",
    "name is the order",
    "name on the",
    "name please",
    "a name for",
    "the name",
    "can i get a name",
    "can i have a name",
    "whose name",
    "who is it for",
    "who's it for",
    "who is the appointment for",
    "who's the appointment",
    "who is the appointment",
    "who's the booking",
    "who is the booking",
    "who's the reservation",
    "who is the reservation",
    "who's the order",
    "last name",
    "first name",
    "name should i put",
];

const SPELLING: &[&str] = &["spell", "spelled", "spelt", "how is that written"];

const CALLBACK: &[&str] = &[
    "call you back",
    "call them back",
    "callback",
    "call-back",
    "phone number",
    "contact number",
    "reach you",
    "reach them",
    "number to reach",
    "best number",
    "number we can",
    "number i can",
    "number for",
    "good number",
    "your number",
    "their number",
    "a number",
];

const PARTY: &[&str] = &["how many", "party of", "how big", "number of people", "number of guests", "for how many", "headcount"];

const WHEN: &[&str] = &[
    "what day",
    "which day",
    "what time",
    "when would",
    "when do you",
    "what date",
    "when works",
    "when were you",
    "when are you",
    "which date",
    "what works for",
    "when is good",
    "when would be",
    "a good time",
    "preferred time",
    "preferred day",
    "morning or afternoon",
    "any particular day",
    "when did you want",
    "when do they want",
];

const PAYMENT_OR_IDENTITY: &[&str] = &[
    "card number",
    "credit card",
    "debit card",
    "card details",
    "card on file",
    "the card",
    "payment details",
    "pay by card",
    "pay over the phone",
    "take payment",
    "take a payment",
    "security code",
    "cvv",
    "expiry",
    "expiration",
    "billing address",
    "bank account",
    "account number",
    "routing number",
    "sort code",
    "social security",
    "ssn",
    "date of birth",
    "birth date",
    "birthday",
    "password",
    "passcode",
    "pin number",
    "your pin",
    "insurance number",
    "member id",
    "policy number",
    "driver's license",
    "license number",
    "mother's maiden",
    "security question",
    "verify your identity",
    "verify the account",
    "last four",
];

const ANYTHING_ELSE: &[&str] = &[
    "anything else",
    "something else",
    "what else",
    "any other",
    "is that all",
    "is that everything",
    "will that be all",
    "will there be anything",
];

const STILL_THERE: &[&str] = &["still there", "you there", "are you there", "hello?", "anyone there", "still on the line"];

const PERMISSION: &[&str] = &[
    "shall i",
    "should i",
    "do you want me to",
    "want me to",
    "would you like me to",
    "would you like to",
    "is that okay",
    "is that ok",
    "does that work",
    "would that work",
    "will that work",
    "is that alright",
    "is that all right",
    "sound good",
    "sounds good?",
    "is that fine",
    "how does that sound",
    "work for you",
    "good for you",
    "go ahead and",
    "want to go ahead",
    "want to book",
    "want that",
];

const PURPOSE: &[&str] = &[
    "how can i help",
    "how may i help",
    "what can i do for you",
    "what can i help",
    "how can i assist",
    "how may i assist",
    "what do you need",
    "what are you calling about",
    "what can we do for you",
    "what are you looking for",
    "what do you want",
    "what's up",
    "go ahead",
];

/// Words that say a phone key ("two", "star").
fn key_word(word: &str) -> Option<&'static str> {
    Some(match word.trim_matches(|c: char| !c.is_alphanumeric() && c != '*' && c != '#') {
        "0" | "zero" | "oh" => "0",
        "1" | "one" => "1",
        "2" | "two" => "2",
        "3" | "three" => "3",
        "4" | "four" => "4",
        "5" | "five" => "5",
        "6" | "six" => "6",
        "7" | "seven" => "7",
        "8" | "eight" => "8",
        "9" | "nine" => "9",
        "star" | "*" => "*",
        "pound" | "hash" | "#" => "#",
        _ => return None,
    })
}

/// The options of a phone menu in `lower`, in any usual phrasing: "press 2
/// for appointments", "for billing, press 1", "to reach the pharmacy,
/// press three", "if you are a new patient, press 4", "say or press 5 for
/// hours", "for hours, dial 0".
pub fn menu_options(lower: &str) -> Vec<MenuOption> {
    let mut options: Vec<MenuOption> = Vec::new();
    for clause in lower.split(['.', ';', '!', '\n']) {
        let words: Vec<&str> = clause.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| matches!(w.trim_matches(','), "press" | "dial" | "push" | "select" | "enter"))
        else {
            continue;
        };
        // "say or press 5": the key follows the verb.
        let Some(key) = words.get(at + 1).and_then(|w| key_word(w)) else { continue };
        // What the option is for: after the key ("press 2 for appointments"),
        // else before the verb ("for appointments, press 2").
        let after: Vec<&str> = words[at + 2..].iter().copied().skip_while(|w| matches!(*w, "for" | "to" | "if")).collect();
        let before: Vec<&str> = words[..at]
            .iter()
            .copied()
            .filter(|w| !matches!(*w, "please" | "or" | "say" | "now"))
            .skip_while(|w| matches!(*w, "for" | "to" | "if" | "and"))
            .collect();
        let label = if after.is_empty() { before.join(" ") } else { after.join(" ") };
        let label = label.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
        if !options.iter().any(|o| o.key == key) {
            options.push(MenuOption { key: key.to_owned(), label });
        }
    }
    options
}

/// Reads the situation of one utterance.
pub fn hear(text: &str) -> Heard {
    let lower = text.to_lowercase();
    let lower = lower.replace('’', "'");
    let l = lower.as_str();
    let question = l.contains('?');
    let voicemail = if has_any(l, MAILBOX_UNAVAILABLE) {
        Some(Voicemail::Unavailable)
    } else if has_any(l, VOICEMAIL) {
        Some(Voicemail::CanLeave)
    } else {
        None
    };
    let mut asks = Vec::new();
    let mut ask = |hit: bool, a: Ask| {
        if hit {
            asks.push(a);
        }
    };
    ask(
        question && has_any(l, ARE_YOU_HUMAN)
            || has_any(
                l,
                &[
                    "are you a robot",
                    "are you a bot",
                    "are you an ai",
                    "are you human",
                    "are you a real person",
                    "is this a robot",
                    "is this a machine",
                    "is this automated",
                    "am i talking to a machine",
                    "am i talking to a robot",
                    "am i talking to a real",
                ],
            ),
        Ask::AreYouHuman,
    );
    ask(has_any(l, WHO_IS_CALLING), Ask::WhoIsCalling);
    ask(
        has_any(l, NAME)
            && (question || has_any(l, &["can i get", "can i have", "i'll need", "i need", "i just need", "give me"])),
        Ask::Name,
    );
    ask(has_any(l, SPELLING) && question, Ask::Spelling);
    ask(
        has_any(l, CALLBACK) && (question || has_any(l, &["can i get", "can i have", "i'll need", "i need", "give me", "leave"])),
        Ask::CallbackNumber,
    );
    ask(has_any(l, PARTY) && question, Ask::PartySize);
    ask(has_any(l, WHEN) && question, Ask::When);
    ask(has_any(l, PAYMENT_OR_IDENTITY), Ask::PaymentOrIdentity);
    ask(has_any(l, ANYTHING_ELSE), Ask::AnythingElse);
    ask(has_any(l, STILL_THERE) && l.trim().len() < 40, Ask::StillThere);
    ask(has_any(l, PERMISSION), Ask::Permission);
    ask(has_any(l, PURPOSE), Ask::Purpose);
    Heard {
        voicemail,
        menu: menu_options(l),
        hold: has_any(l, HOLD) || l.trim() == "♪",
        transfer: has_any(l, TRANSFER),
        greeting: has_any(l, GREETING),
        screener: has_any(l, SCREENER),
        repeat: has_any(l, REPEAT) || matches!(l.trim(), "sorry?" | "what?" | "huh?" | "pardon?" | "come again?"),
        wrong_number: has_any(l, WRONG_NUMBER),
        closed: has_any(l, CLOSED),
        goodbye: has_any(l, GOODBYE),
        refusal: has_any(l, REFUSAL),
        hostile: has_any(l, HOSTILE),
        asks,
        question,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, String)> {
        menu_options(&text.to_lowercase()).into_iter().map(|o| (o.key, o.label)).collect()
    }

    #[test]
    fn phone_menus_in_every_usual_phrasing() {
        assert_eq!(
            keys("For billing, press 1. For appointments, press 2. For all other questions, press 0."),
            [("1", "billing"), ("2", "appointments"), ("0", "all other questions")].map(|(a, b)| (a.into(), b.into()))
        );
        assert_eq!(
            keys("Press one for pharmacy. Press two for appointments; press star to repeat this menu."),
            [("1", "pharmacy"), ("2", "appointments"), ("*", "repeat this menu")].map(|(a, b)| (a.into(), b.into()))
        );
        assert_eq!(keys("To schedule a visit, press three."), [("3".into(), "schedule a visit".into())]);
        assert_eq!(keys("If you are a new patient, please press 4."), [("4".into(), "you are a new patient".into())]);
        assert_eq!(keys("Say or press 5 for our hours."), [("5".into(), "our hours".into())]);
        assert_eq!(keys("For the front desk, dial zero"), [("0".into(), "the front desk".into())]);
        assert_eq!(keys("Press pound to finish"), [("#".into(), "finish".into())]);
        assert!(keys("We'll press your shirts by Friday.").is_empty());
        assert!(keys("Thanks for calling, how can I help?").is_empty());
    }

    #[test]
    fn voicemail_greetings_in_their_many_forms() {
        for text in [
            "Hi, you've reached Dr. Lee's office. Please leave a message after the beep.",
            "The person you are trying to reach is not available. At the tone, please record your message.",
            "You've reached Mike, I can't come to the phone right now, leave your name and number and I'll call you back.",
            "Hello, this is the voicemail of Sunrise Bakery.",
            "We're unable to take your call, we'll get back to you as soon as possible.",
        ] {
            assert_eq!(hear(text).voicemail, Some(Voicemail::CanLeave), "{text}");
        }
        for text in ["The mailbox is full and cannot accept any messages.", "This mailbox has not been set up. Goodbye."] {
            assert_eq!(hear(text).voicemail, Some(Voicemail::Unavailable), "{text}");
        }
        assert_eq!(hear("Thanks for calling Bright Smiles, this is Sarah.").voicemail, None);
    }

    #[test]
    fn the_moments_of_a_call() {
        type Case = (&'static str, fn(&Heard) -> bool);
        let cases: &[Case] = &[
            ("Hold on, let me check the calendar.", |h| h.hold),
            ("One sec.", |h| h.hold),
            ("All of our agents are busy. Your call is important to us.", |h| h.hold),
            ("Let me put you through to our scheduling team.", |h| h.transfer),
            ("I'll transfer you to the manager, one moment.", |h| h.transfer && h.hold),
            ("Thanks for holding, this is Mark.", |h| h.greeting),
            ("Please state your name and the reason for your call.", |h| h.screener),
            ("Sorry, what was that? You're breaking up.", |h| h.repeat),
            ("Pardon?", |h| h.repeat),
            ("I think you've got the wrong number, this is a private residence.", |h| h.wrong_number),
            ("There's no one here called Bright Smiles.", |h| h.wrong_number),
            ("We're closed until 5, call back then.", |h| h.closed),
            ("Office is closed, try again tomorrow.", |h| h.closed),
            ("We open at nine and close at five.", |h| !h.closed),
            ("Alright, have a good one!", |h| h.goodbye),
            ("We don't do that kind of work, sorry.", |h| h.refusal),
            ("Stop wasting my time.", |h| h.hostile),
        ];
        for (text, holds) in cases {
            assert!(holds(&hear(text)), "{text}: {:?}", hear(text));
        }
    }

    #[test]
    fn what_is_asked_of_us() {
        let cases: &[(&str, Ask)] = &[
            ("Wait, am I talking to a machine right now?", Ask::AreYouHuman),
            ("Are you a real person?", Ask::AreYouHuman),
            ("Is this a robot?", Ask::AreYouHuman),
            ("Who is this?", Ask::WhoIsCalling),
            ("Sorry, where are you calling from?", Ask::WhoIsCalling),
            ("And what name should I put it under?", Ask::Name),
            ("Can I get a name for the reservation?", Ask::Name),
            ("How do you spell that?", Ask::Spelling),
            ("What's the best number to reach you on?", Ask::CallbackNumber),
            ("How many people will be joining?", Ask::PartySize),
            ("What day works best for you?", Ask::When),
            ("Can I get a card number to hold the booking?", Ask::PaymentOrIdentity),
            ("I'll need her date of birth to find the file.", Ask::PaymentOrIdentity),
            ("Anything else I can do for you?", Ask::AnythingElse),
            ("Hello? Are you still there?", Ask::StillThere),
            ("Shall I go ahead and book that?", Ask::Permission),
            ("Thanks for calling, how can I help?", Ask::Purpose),
        ];
        for (text, ask) in cases {
            assert!(hear(text).asks(*ask), "{text}: {:?}", hear(text).asks);
        }
        // Statements are not questions of ours.
        assert!(!hear("We open at nine.").asks(Ask::When));
        assert!(!hear("My name is Sarah.").asks(Ask::Name));
        assert!(!hear("Call back later.").asks(Ask::CallbackNumber));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_heard_without_panic(text in "\\PC{0,300}") {
            let _ = hear(&text);
        }
    }
}
