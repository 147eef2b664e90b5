//! What kind of moment an utterance is, and what it asks of us: a
//! voicemail greeting, a phone menu and its options, hold, a transfer, a
//! new person, a call screener, a request to repeat, a wrong number, a
//! business that is closed, a goodbye, a refusal, hostility; and questions
//! about who we are, the user's name, a callback number, details of the
//! errand, or payment and identity data.

use crate::server::ai::rules::text::Fold;
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
    /// An automated system: a menu's introduction, a prompt to key
    /// something in, a recorded notice.
    pub automated: bool,
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

// ---- the words of each moment ------------------------------------------------
//
// Phrases are matched as whole words in the lower-cased utterance. Where a
// word is common in ordinary talk ("hold", "card", "closed", "bye"), the
// reader asks for more than the word: its shape (a question, a request, the
// last words said), or a second word nearby.

const VOICEMAIL: &[&str] = &[
    "leave a message",
    "leave your message",
    "leave me a message",
    "leave us a message",
    "leave a brief message",
    "leave a short message",
    "leave a detailed message",
    "leave one after",
    "at the tone",
    "at the beep",
    "not available to take your call",
    "can't take your call",
    "cannot take your call",
    "can't come to the phone",
    "cannot come to the phone",
    "can't get to the phone",
    "unable to take your call",
    "unable to answer",
    "reached the voicemail",
    "reached voicemail",
    "welcome to voicemail",
    "voicemail of",
    "voicemail for",
    "voicemail box",
    "this is the voicemail",
    "forwarded to voicemail",
    "forwarded to an automatic voice message",
    "automated voice messaging",
    "automatic voice message",
    "voice mail of",
    "record your message",
    "record a message",
    "speak after the",
    "you know what to do",
    "answerphone",
    "you have reached the mailbox",
    "the mailbox of",
    "we'll get back to you as soon as",
    "we will get back to you as soon as",
    "i'll call you back as soon as",
    "i'll get back to you as soon as",
    "we'll return your call",
    "we will return your call",
    "when you have finished recording",
    "record your",
    "leave a voicemail",
    "leave a massage",
    "the answering machine for",
    "the answering machine of",
    "this is the answering machine",
    "reached the answering machine",
    "an answering machine",
    "when it beeps",
    "once you hear the tone",
    "when you hear the tone",
    "hear the beep",
    "after the signal",
    "at the signal",
    "voice note",
    "voice message",
    "record whatever",
    "know what to do",
    "after the bip",
    "at the bip",
];

/// A greeting that says nobody is there, and that they will call back.
const AWAY: &[&str] = &[
    "not here",
    "not in",
    "out of the office",
    "out on",
    "all out",
    "away from",
    "with clients",
    "with a client",
    "with customers",
    "can't talk",
    "cant talk",
    "can't answer",
    "can't pick up",
    "cant pick up",
    "unavailable",
    "not available",
    "busy with",
    "on another line",
    "out at the moment",
    "away at the moment",
    "get to the phone",
    "cannae",
    "can't hear the phone",
    "not by the phone",
    "away from the phone",
    "we're frying",
    "nobody here to pick up",
    "not at the phone",
    "with patients",
    "nobody here",
    "no one here to",
    "no one available",
    "nobody available",
    "under a sink",
    "on a job",
];
const CALL_YOU_BACK: &[&str] = &[
    "ring you back",
    "call you back",
    "get back to you",
    "hit you back",
    "call back",
    "return it",
    "return your call",
    "get back to",
    "ring back",
    "reply",
    "ring ye back",
    "bell you back",
    "call to confirm",
    "ring you straight back",
    "call you straight back",
    "pick it up",
    "holler back",
    "we call back",
    "i call you",
    "call you right back",
    "will call you",
    "we'll call you",
];

/// Words of a mailbox, and of one that takes no message.
const MAILBOX: &[&str] = &[
    "mailbox",
    "voicemail",
    "voice mailbox",
    "voice mail",
    "message box",
    "answering machine",
    "voicemail box",
    "inbox",
    "male box",
    "the box is",
];
const MAILBOX_CANNOT: &[&str] = &[
    "is full",
    "full",
    "not been set up",
    "hasn't been set up",
    "has not set up",
    "hasn't set up",
    "not set up",
    "not yet set up",
    "yet to be set up",
    "not been initialized",
    "not been initialised",
    "no more messages",
    "not accepting",
    "cannot accept",
    "can't accept",
    "unable to accept",
    "reached its limit",
    "limit",
    "out of storage",
    "storage space",
    "not yet configured",
    "not configured",
    "isn't accepting",
    "no room",
    "no space",
    "not activated",
    "not been activated",
    "cannot receive",
    "can't receive",
    "chocca",
    "packed",
    "not taking",
    "no longer accepting",
    "jammed",
];
const MAILBOX_UNAVAILABLE: &[&str] = &[
    "cannot accept messages",
    "can't accept messages",
    "cannot accept any messages",
    "unable to accept messages",
    "unable to accept any messages",
    "not accepting messages",
    "not accepting new messages",
    "cannot leave a message",
    "can't leave a message",
    "cannot record",
    "is not in service",
    "no longer in service",
    "has been disconnected",
    "does not have a voicemail",
    "doesn't have a voicemail",
    "no room for new messages",
    "no room for messages",
    "cannot be recorded",
    "can't be recorded",
    "not accepting recordings",
    "isn't accepting recordings",
    "cannot receive voice messages",
    "can't receive voice messages",
    "cannot receive messages",
    "can't receive messages",
    "don't bother leaving a message",
    "not taking voicemails",
    "no longer accepting new messages",
    "will not be able to leave",
    "won't be able to leave",
    "not be able to leave a message",
    "don't bother recording",
    "voicemail service for this number is",
    "voicemail service is currently unavailable",
    "voicemail service is unavailable",
    "does not have a voice mailbox",
    "doesn't have a voice mailbox",
    "not have voicemail",
    "does not have voicemail",
    "not accepting voice messages",
];

const HOLD: &[&str] = &[
    "please hold",
    "hold please",
    "hold on",
    "hang on",
    "hold the line",
    "can you hold",
    "could you hold",
    "one moment",
    "a moment",
    "just a moment",
    "one second",
    "two seconds",
    "a second",
    "just a second",
    "one sec",
    "two secs",
    "a sec",
    "just a sec",
    "a minute",
    "one minute",
    "just a minute",
    "a tick",
    "two ticks",
    "a jiffy",
    "bear with",
    "give me a moment",
    "give me a second",
    "give me a sec",
    "let me check",
    "let me just check",
    "let me look",
    "let me have a look",
    "let me see",
    "let me pull",
    "let me find",
    "let me ask",
    "let me double-check",
    "let me just",
    "i'll just check",
    "i'll have a look",
    "i'll go and",
    "i'll go check",
    "i need to ask",
    "wait there",
    "wait a moment",
    "remain on the line",
    "stay on the line",
    "next available",
    "your call is important",
    "all of our",
    "calls are answered in the order",
    "estimated wait",
    "♪",
    "please continue to hold",
    "thank you for your patience",
    "still checking",
    "i'll be right with you",
    "be right with you",
    "right back",
    "whole on",
    "hold tight",
    "please wait",
    "in the queue",
    "in a queue",
    "in queue",
    "all our",
    "agents are",
    "currently busy",
    "gimme a minute",
    "gimme a sec",
    "hang about",
    "hang fire",
    "give me a minute",
    "two minutes",
    "a couple of minutes",
    "couple minutes",
    "go look",
    "i need to go",
    "don't go anywhere",
    "in line",
    "with you shortly",
    "just gonna check",
    "gonna check",
    "going to check",
    "go and check",
    "go check",
    "hang tight",
    "momentito",
    "mind waiting",
    "i'll check the",
    "let me go and ask",
    "let me go",
    "i check",
];

const TRANSFER: &[&str] = &[
    "transfer you",
    "transferring you",
    "transfer your call",
    "transferring your call",
    "being transferred",
    "put you through",
    "putting you through",
    "pop you through",
    "put you across",
    "pop you across",
    "put you over",
    "pop you over",
    "connect you",
    "connecting you",
    "patch you through",
    "pass you over",
    "pass you on",
    "pass you to",
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
    "on the line for you",
    "get you through",
    "forward this call",
    "forward your call",
    "redirect you",
    "redirecting you",
    "bounce you",
    "put ya through",
    "put you on to",
    "put you onto",
    "switch you over",
    "transfer this call",
    "put this call through",
    "stick you through",
    "patch you over",
    "passing you over",
    "passing you to",
    "route you",
    "routing you",
    "being connected",
    "putting you over",
    "putting you across",
    "their extension",
    "his extension",
    "her extension",
    "redirect your call",
    "redirecting your call",
    "send you over to",
    "send you through to",
    "put you to",
    "connect your call",
    "get you over to",
    "switch you to",
    "put you thru",
    "thru to",
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
    "being screened",
    "who is calling and why",
    "please say who you are",
    "tell me who you are",
    "your name and what",
    "name and the reason",
    "name and reason",
    "what you're calling about",
    "what you are calling about",
    "what are you calling about",
    "what is this regarding",
    "what's this regarding",
    "what is this about",
    "what's this about",
    "what's this call about",
    "what is the call about",
    "may i ask what this is about",
    "may i ask who's calling",
    "name and nature",
    "nature of your",
    "nature of business",
    "nature of the call",
    "say ur name",
    "ur name and",
    "what it's about",
    "what its about",
    "who may i say",
    "who must i say",
    "screen all",
    "screen his calls",
    "screen her calls",
    "purpose of the call",
    "in connection with",
    "whats it about",
    "what's it about",
    "before i pass you",
    "before i put you through",
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
    "that again",
    "bit again",
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
    "cut out",
    "cutting out",
    "bad line",
    "speak up",
    "a bit louder",
    "little louder",
    "say it again",
    "huh?",
    "what?",
    "excuse me?",
    "didn't get that",
    "didn't quite get",
    "didn't quite catch",
    "run that by",
    "what'd you say",
    "missed that",
    "missed what you",
    "going in and out",
    "got half",
    "only got half",
    "you said?",
    "did you say?",
    "didn't understand",
    "lost you there",
    "no hear",
    "didnae catch",
    "not getting that",
    "echoing",
    "one more go",
    "drowned out",
    "talk am again",
    "say am again",
    "catch a word",
    "louder",
    "go back over",
    "didnt get",
    "faint",
    "very low",
];

/// Short utterances made only of these words ask us to say it again
/// ("huh, sorry, what").
const REPEAT_WORDS: &[&str] =
    &["huh", "sorry", "what", "pardon", "eh", "come", "again", "say", "excuse", "me", "uh", "hm", "hmm"];

const WRONG_NUMBER: &[&str] = &[
    "wrong number",
    "wrong person",
    "wrong place",
    "wrong business",
    "wrong company",
    "wrong office",
    "no one by that name",
    "nobody by that name",
    "no one here by",
    "nobody here by",
    "no one called",
    "nobody called",
    "no-one called",
    "no one named",
    "nobody named",
    "there's no one here called",
    "there is no one here called",
    "doesn't work here",
    "does not work here",
    "don't work here",
    "doesn't live here",
    "does not live here",
    "never heard of",
    "you must have the wrong",
    "this isn't a",
    "this is not a",
    "we're not a",
    "we are not a",
    "this isn't the",
    "this is a private",
    "this is my personal",
    "this is a home",
    "this is a mobile",
    "this is a cell",
    "it's a mobile",
    "it's just a house",
    "just a house",
    "a home number",
    "a private number",
    "a residential",
    "you've got the wrong",
    "you have got the wrong",
    "not a business",
    "that's not us",
    "that isn't us",
    "that is not us",
    "it's not us",
    "by mistake",
    "one digit off",
    "different place",
    "different business",
    "different company",
    "personal phone",
    "personal number",
    "personal line",
    "a residence",
    "private residence",
    "home phone",
    "this is not the",
    "not his line",
    "not her line",
    "isn't his line",
    "isn't her line",
    "doesn't belong to",
    "does not belong to",
    "no business here",
    "i don't run",
    "we don't run",
    "mixed up the digits",
    "mixed up the numbers",
    "different number",
    "their old number",
    "the old number",
    "misdialed",
    "misdialled",
    "dialed the wrong",
    "dialled the wrong",
    "dialed wrong",
    "dialled wrong",
    "rang the wrong",
    "called the wrong",
    "ain't no",
    "lines crossed",
    "after someone else",
    "private number",
    "changed numbers",
    "changed their number",
    "this is my cell",
    "my cell phone",
    "my mobile",
    "common mix-up",
    "muddled",
    "never been a",
    "this line belongs to",
    "had this number before",
    "had this number",
    "don't know a",
    "don't know any",
    "no, this is a",
    "no this is a",
];

/// "You want the Thai place next door": the business is elsewhere.
const ELSEWHERE_WHO: &[&str] = &[
    "you want",
    "you're after",
    "you are after",
    "you need",
    "you're looking for",
    "you mean",
    "you wanted",
    "you'll want",
    "you want the",
    "you probably want",
];
const ELSEWHERE_WHERE: &[&str] =
    &["next door", "down the road", "up the road", "across the road", "across the street", "different", "other"];

const CLOSED: &[&str] = &[
    "we're closed",
    "we are closed",
    "now closed",
    "currently closed",
    "closed right now",
    "closed today",
    "closed until",
    "closed till",
    "closed for the",
    "we're shut",
    "we are shut",
    "shut for",
    "shut until",
    "shut till",
    "about to close",
    "closing up",
    "office is closed",
    "closed at the moment",
    "outside of our",
    "outside our",
    "after hours",
    "out of hours",
    "not open",
    "locking up",
    "not a good time",
    "phones reopen",
    "reopen",
    "we reopen",
    "finished for the day",
    "done for the day",
    "after closing",
    "closed for the day",
    "closed now",
    "doesn't open on",
    "don't open on",
    "not open today",
    "annual leave",
    "on leave until",
    "on holiday until",
    "shut early",
    "is close",
    "has closed for",
];

/// Asked to call back: unless it is a condition ("call us back if it
/// rattles"), an open offer ("call us back anytime") or what they do ("we
/// always call back").
const CALL_BACK_ASK: &[&str] = &[
    "call back",
    "call us back",
    "call again",
    "try again later",
    "try again tomorrow",
    "try tomorrow",
    "try us again",
    "try back",
    "ring back",
    "phone back",
    "try again first thing",
];

/// Asking to be called, and when: together, "call back later".
const CALL_US: &[&str] = &[
    "give us a buzz",
    "give us a ring",
    "give us a call",
    "ring us",
    "call us",
    "phone us",
    "try us",
    "try again",
    "give me a shout",
    "give us a shout",
    "call after",
    "ring again",
    "contact us",
    "you call",
    "call me",
];
const LATER: &[&str] = &[
    "after",
    "later",
    "tomorrow",
    "first thing",
    "in the morning",
    "this afternoon",
    "next week",
    "in an hour",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "back",
];

/// Farewells: they count when they are the last words said ("thanks,
/// bye!"), not inside a sentence ("the goodbye card is ready").
const FAREWELL: &[&str] = &[
    "goodbye",
    "good bye",
    "bye",
    "bye now",
    "bye bye",
    "ta-ra",
    "tara",
    "cheerio",
    "see ya",
    "catch ya",
    "catch ya later",
    "catch you later",
    "have a good day",
    "have a great day",
    "have a good one",
    "have a nice day",
    "have a lovely day",
    "have a good evening",
    "have a good weekend",
    "have a good night",
    "enjoy the rest of your day",
    "enjoy your day",
    "take care",
    "talk soon",
    "speak soon",
    "see you then",
    "see you soon",
    "i'll let you go",
    "let you go",
    "hooroo",
    "cheers",
    "bye-bye",
    "bye-bye-bye",
    "ciao",
    "toodles",
    "ta ta",
    "so long",
    "all the best",
    "have a blessed day",
    "blessed day",
    "rest of your evening",
    "rest of your day",
    "mind how you go",
    "that's you",
    "that's you sorted",
    "see you later",
    "laters",
];

const REFUSAL: &[&str] = &[
    "not interested",
    "stop calling",
    "don't call",
    "do not call",
    "take us off",
    "take me off",
    "no solicit",
    "we can't help",
    "we cannot help",
    "can't help you",
    "cannot help you",
    "can't help with",
    "cannot help with",
    "not something we",
    "isn't something we",
    "don't offer",
    "do not offer",
    "don't provide",
    "no availability",
    "nothing available",
    "no openings",
    "can't do that",
    "cannot do that",
    "won't be able to",
    "not able to help",
    "no robots",
    "no ai calls",
    "don't deal with",
    "remove this number",
    "can't give out",
    "cannot give out",
    "no longer",
    "anymore",
    "any more",
    "not taking",
    "isn't taking",
    "aren't taking",
    "not accepting",
    "not possible",
    "afraid not",
    "not allowed",
    "don't allow",
    "do not allow",
    "discontinued",
    "can only make",
    "can only do that if",
    "only if the",
    "only the account holder",
    "has to come",
    "have to come in",
    "needs to come in",
    "need to come in",
    "someone has to come",
    "nothing i can offer",
    "nothing we can offer",
    "can't fit you in",
    "cannot fit you in",
    "can't squeeze you in",
    "list is closed",
];

/// "Fully booked" refuses; "we're not fully booked" does not.
const FULL: &[&str] = &[
    "fully booked",
    "booked solid",
    "booked up",
    "no space",
    "no room",
    "no spaces",
    "all booked up",
    "are full",
    "we're full",
    "completely full",
    "totally full",
    "full up",
    "no tables",
    "no table",
];

/// "We don't deliver", "we can't take bookings", "we're not able to hold
/// tables": a business saying what it will not do.
const WE_WONT: &[&str] = &[
    "we don't",
    "we do not",
    "we can't",
    "we cannot",
    "we won't",
    "we will not",
    "we're not able to",
    "we are not able to",
    "we aren't able to",
    "we're unable to",
    "we are unable to",
    "we're not allowed to",
    "we stopped",
    "i can't",
    "i cannot",
    "i'm not able to",
    "we'd need",
    "we dont",
    "we cant",
    "we just can't",
    "just can't",
    "won't",
    "can't",
    "cannot",
    "will not",
    "unable to",
    "not able to",
    "dinnae",
    "no dey",
    "we no",
];
const SERVICE_VERBS: &[&str] = &[
    "do",
    "deliver",
    "take",
    "service",
    "sell",
    "carry",
    "offer",
    "provide",
    "handle",
    "accept",
    "book",
    "hold",
    "ship",
    "install",
    "repair",
    "fix",
    "work",
    "give",
    "stock",
    "make",
    "cater",
    "go",
    "come",
    "talk",
    "see",
    "treat",
    "discuss",
    "release",
    "allow",
    "arrange",
    "change",
    "quote",
    "permit",
    "share",
    "disclose",
    "let",
    "substitute",
    "process",
    "send",
    "post",
    "cover",
    "refund",
    "waive",
    "doing",
    "offering",
    "selling",
    "taking",
    "making",
    "delivering",
    "carrying",
    "stocking",
    "booking",
    "servicing",
    "accepting",
    "fit",
];

const HOSTILE: &[&str] = &[
    "go away",
    "get lost",
    "piss off",
    "f off",
    "fuck",
    "f***",
    "crap",
    "the hell",
    "shut up",
    "screw you",
    "stop wasting my time",
    "wasting my time",
    "bugger off",
    "leave me alone",
    "leave us alone",
    "hang up on you",
    "i'm hanging up",
    "lose this number",
    "lose my number",
    "report you",
    "reporting you",
    "don't ever",
    "never call",
    "never ring",
    "don't ring",
    "harass",
    "scam",
    "rubbish",
    "time for this",
    "for god's sake",
    "for christ's sake",
    "christ almighty",
    "go to hell",
    "idiot",
    "stupid",
    "moron",
    "screw off",
    "you lot",
    "are you thick",
    "bloody",
    "damn you",
    "get off the phone",
    "get off my phone",
    "stop ringing",
    "stop phoning",
    "mind your own",
    "beat it",
    "nonsense",
    "sod off",
    "useless",
    "voetsek",
    "don't phone",
    "no disturb me",
    "are you having a laugh",
    "clowns",
    "pathetic",
    "for crying out loud",
    "bother someone else",
    "come find you",
    "you people",
];

/// Words for what a caller might be instead of a person.
const NOT_A_PERSON: &[&str] = &[
    "ai",
    "a.i",
    "robot",
    "bot",
    "robocall",
    "machine",
    "computer",
    "automated",
    "automatic",
    "recording",
    "recorded",
    "human",
    "real person",
    "actual person",
    "live person",
    "person",
    "chatgpt",
    "siri",
    "alexa",
    "virtual assistant",
    "artificial",
    "living",
    "being",
    "software",
    "program",
    "virtual",
    "assistants",
    "bots",
    "robots",
    "machines",
    "computers",
    "recordings",
    "real",
    "actual",
    "voice assistant",
    "human being",
    "chat gpt",
    "an a i",
    "a i",
];
/// Who "it" is, in a question about what is calling.
const ABOUT_THE_CALLER: &[&str] = &[
    "are you",
    "is this",
    "am i",
    "is it",
    "you're",
    "you are",
    "this is",
    "is that",
    "talking to",
    "speaking to",
    "speaking with",
    "on this line",
    "on the line",
    "is there a",
    "one of them",
    "one of those",
    "this one",
    "talk to",
    "other end",
    "i dey talk",
];

const WHO_IS_CALLING: &[&str] = &[
    "who is this",
    "who's this",
    "who is calling",
    "who's calling",
    "who am i speaking",
    "who am i talking",
    "who i'm speaking",
    "who i am speaking",
    "who i'm talking",
    "who are you",
    "who you are",
    "who you're with",
    "who you were with",
    "who are you with",
    "where are you calling from",
    "where you're calling from",
    "calling from where",
    "calling for who",
    "calling on behalf of who",
    "on whose behalf",
    "what company",
    "which company",
    "who do you work for",
    "who's on the line",
    "who is on the line",
    "what's your name",
    "what is your name",
    "and you are",
    "who you were",
    "who did you say",
    "calling for someone",
    "which firm",
    "what firm",
    "which business",
    "ringing from",
    "whom do i have",
    "pleasure of speaking",
    "who it is i'm",
    "who is it i'm",
    "who have i got",
    "who've i got",
    "who is speaking",
    "who's speaking",
    "say is calling",
    "who dis",
    "who be this",
    "who you're calling for",
    "who you are calling for",
    "whose behalf",
    "who this was",
    "who this is",
    "which office",
    "who're you ringing",
    "ringing on behalf",
    "are you from",
    "you from the",
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
    "who is the call for",
    "who's the call for",
    "who is this call for",
    "who's this call for",
    "who are you calling for",
    "who are you calling on behalf of",
    "on behalf of whom",
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
    "full name",
    "surname",
    "family name",
    "name should i put",
    "who should i put",
    "put it under",
    "put that under",
    "put you under",
    "book it under",
    "who will i say",
    "who shall i say",
    "good name",
    "a name",
    "name to hold",
    "customer's name",
    "name is?",
    "client's name",
    "patient's name",
    "name of customer",
    "name of the",
    "passenger's name",
    "guest's name",
    "name as it appears",
];

const SPELLING: &[&str] = &[
    "spell",
    "spelled",
    "spelt",
    "spelling",
    "how is that written",
    "written",
    "write that",
    "letter by letter",
    "spel",
    "the letters",
    "letters of",
    "spell it",
    "spell out",
    "phonetic",
    "letter at a time",
    "one letter",
    "phonetically",
    "character at a time",
];

const CALLBACK: &[&str] = &[
    "call you back",
    "call them back",
    "callback",
    "call-back",
    "phone number",
    "contact number",
    "daytime number",
    "mobile number",
    "cell number",
    "reach you",
    "reach them",
    "number to reach",
    "best number",
    "number we can",
    "number i can",
    "number should i",
    "number to call",
    "what number",
    "number for",
    "good number",
    "your number",
    "their number",
    "a number",
    "landline",
    "get you on",
    "best one to",
    "mobile we can",
    "number you're calling from",
    "reach you on",
    "contact you on",
    "text you",
    "call you on",
    "your digits",
    "hp number",
    "phone you on",
    "call back number",
    "cold back number",
    "where can i get you",
    "get you once",
    "reach you once",
    "number can we",
    "telephone number",
    "return your call",
    "daytime telephone",
];

const PARTY: &[&str] = &[
    "party of",
    "how big",
    "number of people",
    "number of guests",
    "for how many",
    "headcount",
    "how many people",
    "how many of you",
    "how many guests",
    "how many in your",
    "how many covers",
    "how many are",
    "how many will",
    "how many for",
    "how many adults",
    "of you, or more",
    "of you or more",
    "two of you",
    "just you",
    "how many heads",
    "numbers-wise",
    "numbers wise",
    "big group",
    "couple of you",
    "how many seats",
    "how many chairs",
    "how many places",
    "how many will be",
    "size of the group",
    "size of your party",
    "group size",
    "how many of yous",
    "pax",
    "how many persons",
    "size is the party",
    "party size",
    "how many's",
    "in your party",
    "in the party",
    "how many you dey",
    "how many person",
    "few of you",
    "for one person or",
];

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
    "any particular time",
    "when did you want",
    "when do they want",
    "which would you prefer",
    "which do you prefer",
    "which would suit",
    "which suits",
    "work better",
    "suit better",
    "are you flexible",
    "when suits",
    "what suits",
    "when's",
    "convenient",
    "in mind",
    "or next",
    "preferred slot",
    "sort of time",
    "kind of time",
    "a time that",
    "which time",
    "when d'you",
    "when you wan",
    "early or late",
    "what day were you",
    "were you wanting",
    "day were you",
    "when is the",
    "how soon",
    "which slot",
    "would you prefer",
];

/// Private data: asked for, never given.
const PAYMENT_OR_IDENTITY: &[&str] = &[
    "card number",
    "credit card",
    "debit card",
    "card details",
    "card on file",
    "a card",
    "the long number",
    "payment details",
    "pay by card",
    "pay over the phone",
    "take payment",
    "take a payment",
    "security code",
    "digits on the back",
    "cvv",
    "cvc",
    "expiry",
    "expiration",
    "billing address",
    "bank account",
    "bank details",
    "account number",
    "routing number",
    "sort code",
    "social security",
    "social",
    "ssn",
    "date of birth",
    "birth date",
    "dob",
    "d.o.b",
    "password",
    "passcode",
    "pin",
    "pin number",
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
    "read me the card",
    "by card",
    "card over the phone",
    "card to hold",
    "card to secure",
    "sixteen digits",
    "16 digits",
    "ic number",
    "account details",
    "bvn",
    "card you'll be paying",
    "long number",
    "what card",
    "card would you like",
    "iban",
    "swift code",
    "take the card",
    "how would you like to pay",
    "how will you be paying",
    "how are you paying",
];

/// The shapes of a request in a statement ("I'll need ...", "can I grab ...").
const REQUEST: &[&str] = &[
    "can i get",
    "can i have",
    "can i grab",
    "can i take",
    "could i get",
    "could i have",
    "could i take",
    "i'll need",
    "i will need",
    "i need",
    "i just need",
    "we need",
    "we'll need",
    "we will need",
    "give me",
    "read me",
    "i'll take",
    "i'll grab",
    "let me take",
    "let me grab",
    "let me get",
    "need your",
    "need the",
    "need her",
    "need his",
    "need their",
    "please",
    "i'll just need",
    "just need",
    "send your",
    "send me",
];

const ANYTHING_ELSE: &[&str] = &[
    "anything else",
    "something else",
    "what else",
    "any other",
    "anything more",
    "is that all",
    "was that all",
    "that all?",
    "is that everything",
    "was that everything",
    "is that it",
    "was that it",
    "will that be all",
    "will there be anything",
    "anything further",
    "that all for you",
    "that all",
    "any more questions",
    "anything i can help",
    "owt else",
    "that it for you",
    "that it?",
    "something more",
];

const STILL_THERE: &[&str] = &[
    "you there",
    "are you there",
    "anyone there",
    "anybody there",
    "still on the line",
    "still with me",
    "you with me",
    "gone quiet",
    "lost you",
    "hello hello",
    "hello, hello",
    "lose you",
    "drop off",
    "dropped off",
    "someone on the line",
    "anyone on the line",
    "still on",
    "you are on line",
    "on the call?",
    "can't hear anything",
    "can you hear me",
    "hear me?",
    "anybody on the line",
    "still dey",
    "still hanging on",
    "hanging on?",
    "on the other end",
    "did the call cut out",
    "call drop",
    "line go dead",
    "you are there?",
    "hallo?",
    "you still there",
    "are you still there",
    "still there?",
];

const PERMISSION: &[&str] = &[
    "shall i",
    "should i",
    "do you want me to",
    "want me to",
    "would you like me to",
    "would you like to",
    "is that okay",
    "is that ok",
    "is it okay if",
    "is it ok if",
    "okay if i",
    "ok if i",
    "alright if i",
    "all right if i",
    "happy for me to",
    "happy to go ahead",
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
    "i'll book that",
    "i'll book you",
    "i'll put you down",
    "i'll pencil",
    "do you want it",
    "want it?",
    "you want it",
    "shall we",
    "should we",
    "book it in?",
    "lock that in",
    "i book for you",
    "book for you",
    "okay to go ahead",
    "ok to go ahead",
    "am i booking",
    "write your name down",
    "booking that for",
    "can?",
    "can i book",
    "shall i book",
    "proceed with",
    "would you like us to",
    "like us to proceed",
    "go ahead with",
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
    "what was it for",
    "what is it for",
    "what's it for",
    "what was that for",
    "what did you need",
    "what did you want",
    "what would you like to know",
    "what do you need to know",
    "what did you need to know",
    "what was it you needed",
    "what is it you need",
    "what's this about",
    "what is this about",
    "what's this regarding",
    "what is this regarding",
    "what's this in regard",
    "what is this in regard",
    "what's it about",
    "what was it about",
    "what were you after",
    "what are you after",
    "what's the call about",
    "what is the call about",
    "what was the call about",
    "remind me what",
];

// ---- the shapes of speech ----------------------------------------------------

/// Words that open a question ("what's ...", "is this ...", "and how many").
const WH: &[&str] =
    &["what", "what's", "whats", "who", "who's", "whose", "which", "why", "when's", "where's", "how's", "what'd", "whom"];
/// "When", "where" and "how" open questions when a verb or "many/much/long"
/// follows ("when did you ..."), and clauses otherwise ("when you arrive").
const WH_NEEDS_VERB: &[&str] = &["when", "where", "how"];
const AUX: &[&str] = &[
    "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "would", "will", "shall", "should", "may", "have",
    "has", "any", "anything", "isn't", "aren't", "don't", "doesn't", "won't", "wouldn't", "can't", "couldn't", "you", "and",
];
/// Who an auxiliary asks about ("do you", "is this", "can I").
const SUBJECTS: &[&str] = &[
    "you",
    "i",
    "we",
    "they",
    "he",
    "she",
    "it",
    "this",
    "that",
    "there",
    "the",
    "anyone",
    "someone",
    "somebody",
    "anybody",
    "everything",
    "that's",
];
/// Words said before the words that matter ("um, so, what's ...").
const FILLERS: &[&str] = &[
    "um", "uh", "er", "erm", "so", "and", "okay", "ok", "right", "yeah", "yes", "sorry", "oh", "well", "lovely", "great",
    "perfect", "alright", "now", "then", "and", "but", "hi", "hello", "wait", "hold", "hey", "just", "also", "mate", "love",
    "on", "abeg", "ey", "eh", "ja", "ach", "och", "haha",
];

/// The words of `text` (letters, digits, apostrophes and inner dashes).
fn words_of(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-' || c == '.'))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '-' || c == '.'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `lower` asks something: a question mark, or a sentence shaped as
/// a question (speech-to-text often drops the mark).
fn is_question(lower: &str) -> bool {
    if lower.contains('?') {
        return true;
    }
    lower.split(['.', '!', ';', ',', '\n']).any(|clause| {
        let words = words_of(clause);
        let mut rest = words.iter().copied().skip_while(|w| FILLERS.contains(w) && words.len() > 1);
        let (Some(first), second) = (rest.next(), rest.next()) else { return false };
        let second = second.unwrap_or("");
        // "... what day were you wanting it", "and that's spelt how".
        let embedded = words.windows(3).any(|w| {
            (WH.contains(&w[0]) || WH_NEEDS_VERB.contains(&w[0]))
                && ((AUX.contains(&w[1]) && SUBJECTS.contains(&w[2])) || (AUX.contains(&w[2]) && w[2] != "and" && w[2] != "you"))
        }) || words.windows(2).any(|w| (WH.contains(&w[0]) || WH_NEEDS_VERB.contains(&w[0])) && w[1] == "d'you");
        let trailing = words.len() >= 3 && words.last().is_some_and(|w| matches!(*w, "how" | "what" | "who" | "when"));
        embedded
            || trailing
            || WH.contains(&first)
            || (WH_NEEDS_VERB.contains(&first)
                && (AUX.contains(&second) || matches!(second, "many" | "much" | "long" | "soon" | "early" | "late" | "about")))
            || (AUX.contains(&first) && first != "you" && first != "and" && SUBJECTS.contains(&second))
    })
}

/// Whether one of `phrases` ends within the last `n` words of `lower`.
fn ends_with_any(lower: &str, phrases: &[&str], n: usize) -> bool {
    let words = words_of(lower);
    phrases.iter().any(|p| tail_ends_phrase(&words, &words_of(p), n))
}

/// Whether `phrase` occurs ending within the last `n` of `words`.
fn tail_ends_phrase(words: &[&str], phrase: &[&str], n: usize) -> bool {
    let len = phrase.len();
    if len == 0 || words.len() < len {
        return false;
    }
    let first_end = words.len().saturating_sub(n).max(len - 1);
    (first_end..words.len()).any(|end| words[end + 1 - len..=end] == *phrase)
}

/// Whether `phrase` occurs in `lower` with a negation just before it
/// ("not fully booked", "we're never closed").
fn negated(lower: &str, phrase: &str) -> bool {
    ["not ", "n't ", "never ", "no longer "].iter().any(|neg| {
        lower.contains(&format!("{neg}{phrase}"))
            || ["really ", "quite ", "totally ", "completely ", "all "]
                .iter()
                .any(|adv| lower.contains(&format!("{neg}{adv}{phrase}")))
    })
}

/// Whether `lower` says something the business will not do: "we don't
/// deliver that far", "I can't take a booking for someone else", "the chef
/// won't do substitutions". Not an instruction ("you can't park there") or
/// a condition ("if we can't fix it").
fn will_not(lower: &str) -> bool {
    lower.split(['.', '!', ';', '\n']).any(|sentence| {
        let words = words_of(sentence);
        if words.first().is_some_and(|w| matches!(*w, "if" | "unless" | "when")) {
            return false;
        }
        WE_WONT.iter().any(|lead| {
            let lead_words = words_of(lead);
            (0..words.len()).any(|i| {
                words.len() >= i + lead_words.len()
                    && words[i..i + lead_words.len()] == *lead_words
                    && (i == 0 || !matches!(words[i - 1], "you" | "if" | "ya" | "u"))
                    && words[i + lead_words.len()..].iter().take(2).any(|w| SERVICE_VERBS.contains(w))
            })
        })
    })
}

/// Whether a sentence of `lower` says the business is closed or to call
/// later: not a condition ("if it rattles, call us back"), not closed on one
/// day with another offered ("closed Sundays, but Saturday's free").
fn closed(lower: &str) -> bool {
    lower.split(['.', '!', ';', '\n']).any(|sentence| {
        let words = words_of(sentence);
        if words.first().is_some_and(|w| matches!(*w, "if" | "unless" | "when" | "should")) {
            return false;
        }
        // "Give us a buzz after two", "ring us tomorrow".
        let call_later = has_any(sentence, CALL_US) && has_any(sentence, LATER) && !has_any(sentence, &["if"]);
        let conditional = has_any(sentence, &["if", "anytime", "any time", "whenever"])
            || ["we ", "we'll ", "we will ", "always ", "i'll ", "i will ", "you can "]
                .iter()
                .any(|who| CALL_BACK_ASK.iter().any(|c| sentence.contains(&format!("{who}{c}"))));
        let asked_later = !conditional && (call_later || has_any(sentence, CALL_BACK_ASK));
        let said = asked_later || CLOSED.iter().any(|c| has_any(sentence, &[c]) && !negated(sentence, c));
        let but_offered = sentence.split(" but ").nth(1).is_some_and(|rest| {
            has_any(rest, &["free", "available", "open", "works", "can do", "could do", "have", "got", "is good", "fine"])
        });
        said && !but_offered
    })
}

/// "There's no Jason here", "we don't have a Dr. Reynolds here": a name
/// (capitalised in `text`) nobody there answers to.
fn no_such_person(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.folded().trim_matches(|c: char| !c.is_alphanumeric()).to_owned()).collect();
    (0..words.len()).any(|i| {
        let lead = matches!(lower[i].as_str(), "no" | "a" | "any")
            && i >= 1
            && matches!(lower[i - 1].as_str(), "there's" | "theres" | "is" | "have" | "got" | "no" | "there")
            && (lower[i] != "a" || i >= 2 && matches!(lower[i - 2].as_str(), "don't" | "dont" | "not"));
        lead && (i + 1..(i + 4).min(words.len())).any(|j| {
            words[j].chars().next().is_some_and(char::is_uppercase)
                && (j + 1..(j + 3).min(words.len())).any(|k| matches!(lower[k].as_str(), "here" | "working" | "at"))
        })
    })
}

/// "This is the Hilton in Leeds, not Manchester": another place than the one called.
fn this_is_not(lower: &str) -> bool {
    lower.split(['.', '!', ';', '\n']).any(|sentence| {
        let s = sentence.trim_start_matches(|c: char| !c.is_alphanumeric());
        let s = ["nope, ", "no, ", "no ", "nah, ", "nah ", "sorry, ", "uh, ", "um, ", "i'm afraid ", "i think "]
            .iter()
            .fold(s, |s, p| s.strip_prefix(p).unwrap_or(s));
        let reached = [
            "this is ",
            "you've rung ",
            "you've called ",
            "you've reached ",
            "you are calling ",
            "you're calling ",
            "ur calling ",
        ];
        let we_are_not =
            (s.starts_with("we're not ") || s.starts_with("we are not ")) && (s.contains(", we're ") || s.contains(", we are "));
        we_are_not || (reached.iter().any(|r| s.starts_with(r)) && (s.contains(", not ") || s.contains(" not the ")))
    })
}

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

/// Keys as speech-to-text mishears them ("press to for sales"): read only
/// right after a verb of pressing and before what the option is for.
fn misheard_key(word: &str) -> Option<&'static str> {
    match word {
        "to" | "too" => Some("2"),
        "tree" => Some("3"),
        "won" => Some("1"),
        _ => None,
    }
}

const PRESS: &[&str] =
    &["press", "dial", "push", "select", "enter", "hit", "key", "touch", "option", "oprima", "marque", "pulse", "tap"];

/// An automated system talking: a menu's introduction, or a prompt to key
/// something in ("enter your claim number using your keypad").
const AUTOMATED: &[&str] = &[
    "following options",
    "the following menu",
    "listen carefully",
    "options have changed",
    "menu options",
    "main menu",
    "your keypad",
    "your keyboard",
    "touch-tone",
    "touch tone",
    "followed by the hash",
    "followed by the pound",
    "followed by hash",
    "followed by pound",
    "party's extension",
    "extension at any time",
    "key in your",
    "enter your",
    "this call may be recorded",
    "this call is being recorded",
    "for quality and training",
    "for training and quality",
    "key in the",
    "digits of the",
    "using the keypad",
    "on your keypad",
    "select from the following",
    "from the following",
    "dial it at any time",
    "partys extension",
    "press the number",
    "matches your reason",
];
const OPTION_CUE: &[&str] = &["for", "to", "if", "para"];

/// The options of a phone menu in `lower`, in any usual phrasing: "press 2
/// for appointments", "for billing, press 1", "to reach the pharmacy,
/// press three", "if you are a new patient, press 4", "say or press 5 for
/// hours", "for hours, dial 0", "hit star to repeat". A key pressed for no
/// stated purpose ("press one on the gate keypad") is no menu.
pub fn menu_options(lower: &str) -> Vec<MenuOption> {
    let mut options: Vec<MenuOption> = Vec::new();
    for clause in lower.split(['.', ';', '!', '\n']) {
        let words: Vec<&str> = clause.split_whitespace().map(|w| w.trim_matches(',')).filter(|w| !w.is_empty()).collect();
        let verbs: Vec<usize> = (0..words.len()).filter(|&i| PRESS.contains(&words[i])).collect();
        let mut previous_end = 0;
        for (n, &at) in verbs.iter().enumerate() {
            // "press the pound key", "key in 4".
            let mut k = at + 1;
            while words.get(k).is_some_and(|w| matches!(*w, "the" | "in" | "number" | "el" | "número" | "numero")) {
                k += 1;
            }
            let next_verb = verbs.get(n + 1).copied().unwrap_or(words.len());
            let after_key = |k: usize| {
                let mut j = k + 1;
                while words.get(j).is_some_and(|w| matches!(*w, "key" | "button" | "now")) {
                    j += 1;
                }
                j
            };
            let key = match words.get(k).and_then(|w| key_word(w)) {
                Some(key) => key,
                None => match words.get(k).and_then(|w| misheard_key(w)) {
                    Some(key) if words.get(k + 1).is_none_or(|w| OPTION_CUE.contains(w)) => key,
                    _ => continue,
                },
            };
            let start = after_key(k);
            let after: &[&str] = if start < next_verb { &words[start..next_verb] } else { &[] };
            let before: Vec<&str> = words[previous_end.min(at)..at]
                .iter()
                .copied()
                .filter(|w| !matches!(*w, "please" | "or" | "say" | "now"))
                .collect();
            previous_end = start.min(words.len());
            // What the option is for: "for/to/if ..." after the key, else
            // before the verb; "Bookings, option one": before "option".
            let label_words: Vec<&str> = if words[at] == "option" {
                if before.is_empty() {
                    continue;
                }
                before.iter().copied().skip_while(|w| OPTION_CUE.contains(w) || *w == "and").collect()
            } else if after.first().is_some_and(|w| OPTION_CUE.contains(w)) {
                after.iter().copied().skip_while(|w| OPTION_CUE.contains(w)).collect()
            } else if let Some(cue) = before.iter().position(|w| OPTION_CUE.contains(w)) {
                before[cue..].iter().copied().skip_while(|w| OPTION_CUE.contains(w) || *w == "and").collect()
            } else {
                continue;
            };
            // The next option's lead-in ("... for sales press 3") is not this one's label.
            let label_words: Vec<&str> = match label_words.iter().skip(1).position(|w| *w == "for" || *w == "or") {
                Some(cut) if n + 1 < verbs.len() => label_words[..cut + 1].to_vec(),
                _ => label_words,
            };
            let label = label_words.join(" ").trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
            if !options.iter().any(|o| o.key == key) {
                options.push(MenuOption { key: key.to_owned(), label });
            }
        }
    }
    options
}

/// The voicemail greeting `l` is, if it is one.
fn voicemail(l: &str) -> Option<Voicemail> {
    let cannot = has_any(l, MAILBOX_UNAVAILABLE)
        || (has_any(l, MAILBOX) && MAILBOX_CANNOT.iter().any(|c| has_any(l, &[c]) && !negated(l, c)));
    if cannot {
        return Some(Voicemail::Unavailable);
    }
    let words = words_of(l);
    // "after the tone", "after the long beep".
    let after_the_tone =
        words.windows(4).any(|w| w[0] == "after" && w[1] == "the" && w[2..].iter().any(|x| matches!(*x, "beep" | "tone")))
            || words.windows(3).any(|w| w[0] == "after" && w[1] == "the" && matches!(w[2], "beep" | "tone"));
    // "leave us your details", "drop me your name and number".
    let leave_details = words.windows(4).any(|w| {
        matches!(w[0], "leave" | "drop")
            && w[1..].iter().any(|x| matches!(*x, "message" | "details" | "name" | "number" | "one" | "a"))
            && w[1..].iter().any(|x| matches!(*x, "message" | "details" | "name" | "number" | "line"))
    });
    // "We're all out on jobs ... one of the lads will ring you back".
    let away_and_back = has_any(l, AWAY) && has_any(l, CALL_YOU_BACK) && !l.contains('?');
    (has_any(l, VOICEMAIL) || after_the_tone || leave_details || away_and_back).then_some(Voicemail::CanLeave)
}

fn wrong_number(text: &str, l: &str) -> bool {
    has_any(l, WRONG_NUMBER)
        || (has_any(l, ELSEWHERE_WHO) && has_any(l, ELSEWHERE_WHERE) && !l.contains('?'))
        || no_such_person(text)
        || this_is_not(l)
        || no_such_business_here(l)
}

/// "There's no dentist here, mate": what we called is not at this number.
/// Not "there's no one here right now" (away), nor "there's no parking
/// here" (a remark).
fn no_such_business_here(l: &str) -> bool {
    const NOT_A_BUSINESS: &[&str] = &[
        "one",
        "body",
        "anyone",
        "anybody",
        "staff",
        "parking",
        "room",
        "space",
        "need",
        "point",
        "rush",
        "problem",
        "worries",
        "charge",
        "fee",
        "availability",
        "appointments",
        "slots",
        "signal",
        "reception",
        "wait",
    ];
    l.split(['.', '!', ';', '?', '\n']).any(|sentence| {
        let words = words_of(sentence);
        let not_now =
            has_any(sentence, &["right now", "at the moment", "today", "tonight", "until", "till", "this week", "anymore"]);
        let said = words.iter().enumerate().any(|(i, w)| {
            let there_is = i == 0
                || matches!(words[i - 1], "there's" | "sorry" | "nah" | "nope" | "uh" | "um" | "oh")
                || (i >= 2 && words[i - 2] == "there" && words[i - 1] == "is");
            *w == "no"
                && there_is
                && words.get(i + 1).is_some_and(|t| !NOT_A_BUSINESS.contains(t))
                && words[i + 1..].iter().take(3).any(|x| *x == "here")
        });
        said && !not_now
    })
}

fn refusal(l: &str) -> bool {
    // "Shoes only, sorry love."
    let only = l.split(['.', '!', ';', '\n']).any(|sentence| {
        let words = words_of(sentence);
        words.get(1) == Some(&"only") && has_any(sentence, &["sorry", "afraid"])
    });
    only || has_any(l, REFUSAL) && !REFUSAL.iter().any(|r| negated(l, r))
        || FULL.iter().any(|f| has_any(l, &[f]) && !negated(l, f))
        || will_not(l)
}

/// Whether `l` asks what is calling: "are you a robot?", "is this an
/// automated call", "am I talking to an actual person".
fn asks_if_human(l: &str, question: bool) -> bool {
    l.split(['.', '!', ';', '\n']).any(|sentence| {
        let asks = sentence.contains('?')
            || is_question(sentence)
            || (question && has_any(sentence, &["or"]))
            || has_any(sentence, &["are you", "is this", "am i talking", "am i speaking"]);
        asks && has_any(sentence, ABOUT_THE_CALLER) && has_any(sentence, NOT_A_PERSON)
    })
}

/// Whether `l` asks us to spell something: "how do you spell that?", "is
/// that Smith with an i or a y?", "two Ls or one?", "C-A-T-H or K-A-T-H?".
fn asks_spelling(l: &str, question: bool) -> bool {
    if has_any(l, SPELLING) {
        // "Spell the surname for me, love."
        let told = l
            .split(['.', '!', ';', ',', '\n'])
            .any(|c| words_of(c).into_iter().find(|w| !FILLERS.contains(w)).is_some_and(|w| w.starts_with("spel")));
        return question || told || has_any(l, REQUEST);
    }
    let words = words_of(l);
    let letter = |w: &str| w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic());
    let spelled = |w: &str| w.split('-').count() >= 2 && w.split('-').all(letter);
    // "with an i", "an e at the end", "two Ls or one", "one l or two".
    let a_letter =
        words.windows(2).any(|w| matches!(w[0], "a" | "an" | "with") && w[1] != "a" && (letter(w[1]) || spelled(w[1])));
    let counted = words.windows(2).any(|w| {
        matches!(w[0], "two" | "double" | "one" | "single")
            && (letter(w[1]) || w[1].len() == 2 && w[1].ends_with('s') && letter(&w[1][..1]))
    });
    let or = words.contains(&"or");
    let letter_for = words.windows(2).any(|w| letter(w[0]) && matches!(w[1], "for" | "as"));
    if letter_for && or {
        return true;
    }
    (question || or) && (a_letter || counted) || words.iter().any(|w| spelled(w)) && or
}

/// Whether `l` asks for private data: the words of it, asked for ("can I
/// grab a card", "and the three digits on the back?", "DOB please"), not
/// mentioned ("no need for card details now").
fn asks_private(l: &str, question: bool) -> bool {
    let named =
        has_any(l, PAYMENT_OR_IDENTITY) && !has_any(l, &["no need", "don't need", "do not need", "won't need", "not needed"]);
    named && (question || has_any(l, REQUEST))
}

/// Reads the situation of one utterance.
pub fn hear(text: &str) -> Heard {
    let lower = text.folded();
    let lower = lower.replace('’', "'");
    let l = lower.as_str();
    let question = is_question(l);
    let words = words_of(l);
    let short = words.len() <= 8;
    let mut asks = Vec::new();
    let mut ask = |hit: bool, a: Ask| {
        if hit {
            asks.push(a);
        }
    };
    ask(asks_if_human(l, question), Ask::AreYouHuman);
    ask(
        has_any(l, WHO_IS_CALLING)
            || (question && has_any(l, &["calling from", "on behalf", "calling for", "ringing for", "ringing from"])),
        Ask::WhoIsCalling,
    );
    ask(has_any(l, NAME) && (question || has_any(l, REQUEST) || short), Ask::Name);
    ask(asks_spelling(l, question), Ask::Spelling);
    ask(has_any(l, CALLBACK) && (question || has_any(l, REQUEST) || has_any(l, &["leave"]) || short), Ask::CallbackNumber);
    ask(has_any(l, PARTY) && question, Ask::PartySize);
    ask(
        has_any(l, WHEN) && question || has_any(l, &["morning or afternoon", "which slot", "what time suits", "what day suits"]),
        Ask::When,
    );
    ask(asks_private(l, question), Ask::PaymentOrIdentity);
    ask(has_any(l, ANYTHING_ELSE), Ask::AnythingElse);
    let drawn_out_hello = words.iter().any(|w| w.starts_with("hello") && w.len() > 5 && w[5..].chars().all(|c| c == 'o'));
    ask(
        has_any(l, STILL_THERE)
            || (l.trim_end().ends_with("hello?") && words.len() <= 12)
            || drawn_out_hello
            || (has_any(l, &["still there"]) && (question || words.len() <= 4)),
        Ask::StillThere,
    );
    ask(has_any(l, PERMISSION), Ask::Permission);
    ask(has_any(l, PURPOSE), Ask::Purpose);
    let only_repeat_words = !words.is_empty() && words.len() <= 4 && words.iter().all(|w| REPEAT_WORDS.contains(w));
    // "Kindly repeat", "one more time?", "once more?".
    let repeat_thing = has_any(
        l,
        &["repeat prescription", "repeat order", "repeat customer", "repeat booking", "repeat visit", "repeat business"],
    );
    let asked_again = (has_any(l, &["repeat"]) && !repeat_thing && (question || has_any(l, REQUEST) || has_any(l, &["kindly"])))
        || (question && has_any(l, &["one more time", "once more", "again"]) && !has_any(l, &["call again", "try again"]));
    Heard {
        voicemail: voicemail(l),
        menu: menu_options(l),
        hold: has_any(&l.replace("hang on to ", "keep ").replace("hold on to ", "keep "), HOLD) || l.trim() == "♪",
        automated: has_any(l, AUTOMATED),
        transfer: has_any(l, TRANSFER),
        greeting: has_any(l, GREETING),
        screener: has_any(l, SCREENER),
        repeat: has_any(l, REPEAT) || only_repeat_words || asked_again,
        wrong_number: wrong_number(text, l),
        closed: closed(l),
        goodbye: ends_with_any(l, FAREWELL, 3),
        refusal: refusal(l),
        hostile: has_any(l, HOSTILE),
        asks,
        question,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, String)> {
        menu_options(&text.folded()).into_iter().map(|o| (o.key, o.label)).collect()
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
            "You've reached the office of Dr. Patel. We can't take your call right now, please leave a message.",
            "Sorry we missed your call! Leave your name and number and we'll get back to you.",
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
            ("There's no dentist here, mate, you must have dialed wrong.", |h| h.wrong_number),
            ("There is no bakery here, love.", |h| h.wrong_number),
            ("Sorry, no plumber here, this is a flower shop.", |h| h.wrong_number),
            ("There's no parking here, you'll need to use the lot.", |h| !h.wrong_number),
            ("There's no one here right now, call back at two.", |h| !h.wrong_number),
            ("Okay, I'm back. What was it for?", |h| h.asks(Ask::Purpose)),
            ("Right, sorry, what did you need again?", |h| h.asks(Ask::Purpose)),
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
            // Heard by the outside benchmark, then phrasings nobody tuned to.
            ("Sorry, who is the call for?", Ask::Name),
            ("And who's this call for?", Ask::Name),
            ("Who are you calling for?", Ask::Name),
            ("Who are you calling on behalf of?", Ask::Name),
            ("Okay, and what did you want to know?", Ask::Purpose),
            ("What would you like to know?", Ask::Purpose),
            ("So what do you need to know?", Ask::Purpose),
            ("Sure, what did you want to ask?", Ask::Purpose),
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
