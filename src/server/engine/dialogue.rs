//! The rules engine's side of a live call: a script-following dialogue
//! manager. Pure: it reads what the other side said and decides what to do.
//! Hard limits are enforced here in code, not by a prompt.

use super::guard::Standing;
use crate::domain::money;
use crate::domain::plan::{AiPlan, CallScript, TaskKind};
use crate::server::ai::rules::dates::find_when;
use crate::server::ai::rules::script::closing;
use crate::server::ai::rules::text::has_any;
use crate::server::ai::understand::money::{self as heard_money, Exposure, Quote};
use chrono::NaiveDate;

/// Most exchanges before the assistant wraps up.
pub const MAX_TURNS: u32 = 24;

/// What the assistant does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Say this; a model, when there is one, may word it.
    Say(String),
    /// Say this word for word: who we are (an AI assistant, for whom) and
    /// the first request. Never left to a model.
    Introduce(String),
    /// Say this, then end the call.
    Final(String),
    /// Press keys on a phone menu, then listen.
    Digits(String),
    /// Stay quiet (hold music, a recorded announcement).
    Silent,
    /// Tell the other side to wait, and ask the user to approve `amount`.
    NeedApproval { say: String, amount: f64, limit: f64, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Opening,
    Talking,
    AwaitingApproval(f64),
    Done,
}

pub struct Dialogue {
    plan: AiPlan,
    script: CallScript,
    user: String,
    max_auto_approve: f64,
    today: NaiveDate,
    phase: Phase,
    asked: usize,
    turns: u32,
    /// What was agreed, to read back at the end.
    agreed: Vec<String>,
    /// Amounts the user approved (or that were within the limit).
    accepted: Vec<f64>,
    /// A price named but not settled: past the limit and not yet clear, or
    /// with no total yet. Kept so that a later answer ("yes", "about 3
    /// hours") completes it.
    unsettled: Option<Quote>,
    /// How often the unsettled price was asked about.
    asked_about_price: u32,
    /// The user said no to a price, or did not answer in time.
    declined: bool,
}

const VOICEMAIL: &[&str] =
    &["leave a message", "after the beep", "after the tone", "not available to take your call", "voicemail"];
const HOLD: &[&str] =
    &["please hold", "hold music", "♪", "remain on the line", "stay on the line", "next available", "your call is important"];
const REFUSAL: &[&str] = &["not interested", "stop calling", "don't call", "do not call", "go away", "take us off", "no solicit"];
const BYE: &[&str] = &["goodbye", "bye now", "bye!", "have a good day", "have a great day", "take care"];
const BOOKED: &[&str] = &[
    "booked",
    "you're all set",
    "you are all set",
    "put you down",
    "confirmation number",
    "reservation number",
    "order number",
    "job number",
    "reference number",
    "confirmed",
];

impl Dialogue {
    pub fn new(plan: AiPlan, script: CallScript, user: &str, max_auto_approve: f64, today: NaiveDate) -> Dialogue {
        Dialogue {
            plan,
            script,
            user: user.to_owned(),
            max_auto_approve,
            today,
            phase: Phase::Opening,
            asked: 0,
            turns: 0,
            agreed: Vec::new(),
            accepted: Vec::new(),
            unsettled: None,
            asked_about_price: 0,
            declined: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    pub fn awaiting_approval(&self) -> bool {
        matches!(self.phase, Phase::AwaitingApproval(_))
    }

    /// Where the call stands on money, for the guard.
    pub fn standing(&self) -> Standing {
        Standing {
            unsettled: self.unsettled.as_ref().map(|_| "a price that is not settled".to_owned()),
            awaiting_user: self.awaiting_approval(),
            declined: self.declined,
        }
    }

    /// The most the assistant may agree to without asking: the task's
    /// limit, else what the user lets it approve alone.
    fn limit(&self) -> f64 {
        self.plan.hard_constraints.max_price.unwrap_or(self.max_auto_approve)
    }

    fn currency(&self) -> Option<&str> {
        self.plan.hard_constraints.currency.as_deref()
    }

    fn is_accepted(&self, amount: f64) -> bool {
        self.accepted.iter().any(|a| (a - amount).abs() < 0.005)
    }

    fn ask_approval(&mut self, amount: f64, reason: String) -> Action {
        self.phase = Phase::AwaitingApproval(amount);
        self.unsettled = None;
        Action::NeedApproval { say: self.script.fallbacks.over_limit.clone(), amount, limit: self.limit(), reason }
    }

    /// What to do about the prices in `text`, if anything must happen
    /// before the conversation goes on: ask the user, ask the business for
    /// the total, or make sure of an amount that could be misheard.
    /// Returns whether a price within the limit was named (an offer).
    fn weigh_prices(&mut self, text: &str, lower: &str) -> Result<bool, Action> {
        let party = self.plan.soft_preferences.get("party_size").and_then(|v| v.as_f64());
        let mut quote = heard_money::read(text);
        // "About 3 hours", "yes, that's right": an answer to the price asked about.
        if let Some(previous) = self.unsettled.take()
            && quote.charges.is_empty()
        {
            let mut merged = previous.clone();
            merged.quantities.extend(quote.quantities.iter().copied());
            let confirmed = is_affirmative(lower);
            if confirmed {
                for c in &mut merged.charges {
                    c.certainty = heard_money::Certainty::Explicit;
                    c.ambiguous = false;
                }
            }
            if confirmed || !quote.quantities.is_empty() || quote.open_addition {
                merged.open_addition |= quote.open_addition;
                quote = merged;
            } else {
                self.unsettled = Some(previous);
                return Ok(false);
            }
        }
        let limit = self.limit();
        quote.settle_readings(limit);
        let Some(e) = quote.exposure(party) else { return Ok(false) };
        let currency = self.currency().map(str::to_owned);
        let price = |v: f64| money::spoken(v, currency.as_deref());
        let over = e.amount > limit + 0.005 && !self.is_accepted(e.amount);
        if over && (e.certain || self.asked_about_price >= 1) {
            let reason = exposure_reason(&e, &price(e.amount), &price(limit), self.plan.hard_constraints.max_price.is_some());
            return Err(self.ask_approval(e.amount, reason));
        }
        if over {
            // Heard, but not surely a price, or surely this price: ask once.
            self.asked_about_price += 1;
            let two_ways = quote.charges.iter().any(|c| c.ambiguous && !c.excluded);
            self.unsettled = Some(quote);
            let line = match e.low {
                low if two_ways && low < e.amount => {
                    format!("Sorry, just so I have it right: is that {} or {}?", price(low), price(e.amount))
                }
                _ => format!("Sorry, just so I have it right: is that {} in total?", price(e.amount)),
            };
            return Err(Action::Say(line));
        }
        if e.open {
            if self.asked_about_price >= 1 {
                // No total to be had: the user decides on what is known.
                let reason = format!("They quoted {} but could not give a total (it may come to more).", price(e.amount));
                return Err(self.ask_approval(e.amount, reason));
            }
            self.asked_about_price += 1;
            self.unsettled = Some(quote);
            return Err(Action::Say(format!(
                "Thank you. Could you give me the total, including everything, so I can check it against {}'s budget?",
                self.user
            )));
        }
        self.asked_about_price = 0;
        if !self.is_accepted(e.amount) {
            self.accepted.push(e.amount);
            self.agreed.push(format!("a price of {}", price(e.amount)));
        }
        Ok(true)
    }

    fn finish(&mut self, text: String) -> Action {
        self.phase = Phase::Done;
        Action::Final(text)
    }

    fn read_back(&mut self) -> Action {
        let text = closing(&self.script, &self.agreed);
        self.finish(text)
    }

    fn next_question(&mut self) -> Option<String> {
        let q = self.script.questions.get(self.asked).cloned();
        if q.is_some() {
            self.asked += 1;
        }
        q
    }

    /// Reacts to one complete utterance of the other side.
    pub fn on_human(&mut self, text: &str) -> Action {
        let lower = text.to_lowercase();
        if self.phase == Phase::Done {
            return Action::Silent;
        }
        self.turns += 1;
        if has_any(&lower, VOICEMAIL) || lower.contains("leave your message") {
            let message = self.script.voicemail_message.clone();
            return self.finish(message);
        }
        if let Some(digit) = menu_choice(&lower, self.plan.task_kind) {
            return Action::Digits(digit);
        }
        if lower == "beep." || lower == "beep" || (has_any(&lower, HOLD) && !lower.contains('?')) {
            return Action::Silent;
        }
        if self.awaiting_approval() {
            // The user is deciding; the other side is told once that we are checking.
            return Action::Silent;
        }
        if has_any(&lower, REFUSAL) {
            let line = self.script.fallbacks.refusal.clone();
            return self.finish(line);
        }
        if self.turns > MAX_TURNS {
            return self.read_back();
        }

        // Prices: everything said counts, erring high. Past the limit the
        // user decides; a price not clear yet is asked about first.
        let priced = match self.weigh_prices(text, &lower) {
            Ok(priced) => priced,
            // The first thing said is always who we are.
            Err(action) if self.phase == Phase::Opening => {
                self.phase = Phase::Talking;
                let intro = self.script.introduction.clone();
                return match action {
                    Action::Say(line) => Action::Introduce(format!("{intro} {line}")),
                    Action::NeedApproval { say, amount, limit, reason } => {
                        Action::NeedApproval { say: format!("{intro} {say}"), amount, limit, reason }
                    }
                    other => other,
                };
            }
            Err(action) => return action,
        };

        if self.phase == Phase::Opening {
            self.phase = Phase::Talking;
            let intro = self.script.introduction.clone();
            return match self.next_question() {
                Some(q) if !priced => Action::Introduce(format!("{intro} {q}")),
                _ => Action::Introduce(intro),
            };
        }

        let when = find_when(text, self.today, true);
        if has_any(&lower, BOOKED) {
            if let Some(reference) = reference_number(text) {
                self.agreed.push(format!("reference {reference}"));
            }
            if let Some(slot) = slot_text(&when) {
                self.agreed.insert(0, slot);
            }
            return self.read_back();
        }
        if has_any(&lower, BYE) {
            return self.read_back();
        }
        // An offered slot or price for a booking, even asked as a question
        // ("I can do Friday at noon, is that okay?"): take it.
        let offer = when.has_day() || when.time.is_some() || priced;
        let bookable = matches!(
            self.plan.task_kind,
            TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule | TaskKind::Quote | TaskKind::Ordering
        );
        let asks_if_fine = has_any(
            &lower,
            &[
                "is that okay",
                "is that ok",
                "does that work",
                "would that work",
                "will that work",
                "is that alright",
                "is that all right",
                "sound good",
                "sounds good",
                "shall i",
                "should i",
                "want me to",
                "would you like",
                "is that fine",
                "how does that sound",
                "work for you",
                "okay?",
                "ok?",
                "good for you",
            ],
        );
        if offer && bookable && (asks_if_fine || !lower.contains('?')) {
            return Action::Say("That works. Please go ahead and book it.".into());
        }
        if lower.contains('?') {
            if has_any(&lower, &["your name", "name for", "under what name", "what name", "who is this", "name is the order"]) {
                return Action::Say(format!("It's for {}.", self.user));
            }
            if has_any(&lower, &["call you back", "callback", "phone number", "reach you", "number to reach"]) {
                return Action::Say(self.script.fallbacks.callback_number_requested.clone());
            }
            if has_any(&lower, &["how many", "party of", "how big"])
                && let Some(n) = self.plan.soft_preferences.get("party_size").and_then(|v| v.as_u64())
            {
                return Action::Say(format!("{n} people, please."));
            }
            if has_any(&lower, &["what day", "which day", "what time", "when would", "when do you", "what date"])
                && let Some(when) = preference_text(&self.plan)
            {
                return Action::Say(format!("{} would be ideal.", capital(&when)));
            }
            if has_any(&lower, &["anything else", "something else", "help with"]) {
                return match self.next_question() {
                    Some(q) => Action::Say(q),
                    None => self.read_back(),
                };
            }
            if !has_any(&lower, &["how can i help", "what can i get", "how may i help"]) {
                return Action::Say(self.script.fallbacks.unknown_question.clone());
            }
        }
        match self.next_question() {
            Some(q) => Action::Say(q),
            None => self.read_back(),
        }
    }

    /// Continues after the user's decision (`None`: no answer in time).
    pub fn on_decision(&mut self, decision: Option<bool>) -> Action {
        let Phase::AwaitingApproval(amount) = self.phase else { return Action::Silent };
        let price = money::spoken(amount, self.plan.hard_constraints.currency.as_deref());
        match decision {
            Some(true) => {
                self.phase = Phase::Talking;
                self.accepted.push(amount);
                self.agreed.push(format!("a price of {price}"));
                Action::Say(format!("Thank you for waiting. {} approves {price}, so please go ahead.", self.user))
            }
            Some(false) => {
                self.declined = true;
                self.finish(format!(
                "Thank you for waiting. Unfortunately {price} is more than {} can do right now, so we'll pass for now. Thank you for your time, goodbye.",
                self.user
            ))
            }
            None => {
                self.declined = true;
                self.finish(format!(
                "I'm sorry, I couldn't reach {} about the price, so they will call you back. Thank you for your time, goodbye.",
                self.user
            ))
            }
        }
    }
}

/// The approval request's reason for what was quoted.
fn exposure_reason(e: &Exposure, amount: &str, limit: &str, task_limit: bool) -> String {
    let whose = if task_limit { "your limit" } else { "what the assistant may approve on its own" };
    let more = if e.open { " (it may come to more)" } else { "" };
    format!("They quoted {amount}{more}, which is above {whose} of {limit}.")
}

/// Whether a reply says yes to what we asked ("yes", "that's right").
fn is_affirmative(lower: &str) -> bool {
    let opening = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    ["yes", "yeah", "yep", "yup", "correct", "that's right", "that is right", "right", "exactly", "uh-huh", "mm-hmm", "sure"]
        .iter()
        .any(|y| opening.strip_prefix(y).is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric())))
}

fn capital(s: &str) -> String {
    crate::server::ai::rules::text::capitalize(s)
}

fn preference_text(plan: &AiPlan) -> Option<String> {
    let p = &plan.soft_preferences;
    let day = p.get("preferred_day").or_else(|| p.get("preferred_date")).and_then(|v| v.as_str()).map(str::to_owned);
    let time = p.get("preferred_time").or_else(|| p.get("time_of_day")).and_then(|v| v.as_str()).map(str::to_owned);
    match (day, time) {
        (Some(d), Some(t)) => Some(format!("{d}, {t}")),
        (d, t) => d.or(t),
    }
}

fn slot_text(when: &crate::server::ai::rules::dates::When) -> Option<String> {
    let day = when.date.map(|d| d.format("%A, %B %-d").to_string());
    let time = when.time.map(|t| t.format("%-I:%M %p").to_string());
    match (day, time) {
        (Some(d), Some(t)) => Some(format!("{d} at {t}")),
        (d, t) => d.or(t),
    }
}

/// "DC-4821", "7731": a reference said with its keyword.
fn reference_number(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let key = w.to_lowercase();
        if !["number", "reference", "confirmation", "#"].iter().any(|k| key.trim_end_matches([':', ',']) == *k) {
            return None;
        }
        words
            .iter()
            .skip(i + 1)
            .take(3)
            .map(|c| c.trim_matches(|ch: char| !ch.is_alphanumeric() && ch != '-').trim_end_matches('-'))
            .find(|c| {
                c.len() >= 3
                    && c.chars().any(|ch| ch.is_ascii_digit())
                    && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            })
            .map(str::to_owned)
    })
}

/// The key to press on a phone menu ("for appointments, press 2").
fn menu_choice(lower: &str, kind: TaskKind) -> Option<String> {
    if !lower.contains("press") {
        return None;
    }
    let wanted: &[&str] = match kind {
        TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule | TaskKind::Confirmation | TaskKind::Cancellation => {
            &["appointment", "booking", "reservation", "schedul"]
        }
        TaskKind::Ordering => &["order", "pickup", "delivery"],
        TaskKind::Complaint | TaskKind::Negotiation => &["billing", "account", "customer service"],
        _ => &["information", "hours", "question", "other"],
    };
    // Split into "for X, press N" / "press N for X" options.
    let mut options: Vec<(String, String)> = Vec::new();
    for part in lower.split(['.', ';']) {
        if let Some(i) = part.find("press ") {
            let digit: String = part[i + 6..].chars().take_while(|c| c.is_ascii_digit() || *c == '*' || *c == '#').collect();
            if !digit.is_empty() {
                options.push((part.to_owned(), digit));
            }
        }
    }
    options
        .iter()
        .find(|(text, _)| wanted.iter().any(|w| text.contains(w)))
        .or_else(|| {
            options
                .iter()
                .find(|(text, _)| text.contains("other") || text.contains("operator") || text.contains("representative"))
        })
        .or(options.first())
        .map(|(_, d)| d.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ai::rules::planner::{PlanContext, plan};
    use crate::server::ai::rules::script::{ScriptContext, script};

    fn dialogue(instruction: &str) -> Dialogue {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let p = plan(instruction, &PlanContext { today, region: "US", contacts: &[] }).plan;
        let s = script(&p, &ScriptContext { user_name: "Ada", tone: "friendly" });
        Dialogue::new(p, s, "Ada", 100.0, today)
    }

    #[test]
    fn a_booking_from_greeting_to_read_back() {
        let mut d = dialogue("Call my dentist at 415-555-0100 and book a cleaning next week under $100");
        let Action::Introduce(intro) =
            d.on_human("Thank you for calling Bright Smiles Dental, this is Sarah. How can I help you?")
        else {
            panic!()
        };
        assert!(intro.contains("AI assistant calling on behalf of Ada"), "{intro}");
        let Action::Say(accept) = d.on_human("Sure! We have an opening next Tuesday at 2:30 pm. A cleaning is $85.") else {
            panic!()
        };
        assert!(accept.contains("book it"));
        let Action::Final(bye) =
            d.on_human("Perfect, you're booked for next Tuesday at 2:30 pm. Your confirmation number is DC-4821.")
        else {
            panic!()
        };
        assert!(bye.contains("Tuesday, December 1 at 2:30 PM") && bye.contains("DC-4821") && bye.contains("$85"), "{bye}");
        assert!(d.is_done());
    }

    #[test]
    fn over_the_limit_waits_for_the_user() {
        let mut d = dialogue("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250");
        d.on_human("Rapid Plumbing, Joe speaking.");
        let Action::NeedApproval { amount, limit, .. } = d.on_human("For a leak repair it would be $300, parts and labour.")
        else {
            panic!()
        };
        assert_eq!((amount, limit), (300.0, 250.0));
        assert_eq!(d.on_human("Sure, take your time. I'll hold."), Action::Silent);
        let Action::Say(go) = d.on_decision(Some(true)) else { panic!() };
        assert!(go.contains("approves $300"));
        // Rejected or unanswered: a polite exit.
        let mut d = dialogue("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250");
        d.on_human("Rapid Plumbing.");
        d.on_human("It's $300.");
        assert!(matches!(d.on_decision(Some(false)), Action::Final(t) if t.contains("pass")));
        let mut d = dialogue("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250");
        d.on_human("Rapid Plumbing.");
        d.on_human("It's $300.");
        assert!(matches!(d.on_decision(None), Action::Final(t) if t.contains("couldn't reach")));
    }

    #[test]
    fn voicemail_menus_hold_and_refusals() {
        let mut d = dialogue("Call my dentist at 415-555-0104 and book a cleaning next week");
        assert!(matches!(d.on_human("Please leave a message after the beep."), Action::Final(t) if t.contains("AI assistant")));
        let mut d = dialogue("Call my dentist at 415-555-0107 and book a cleaning next week");
        assert_eq!(
            d.on_human("For billing, press 1. For appointments, press 2. For all other questions, press 0."),
            Action::Digits("2".into())
        );
        assert_eq!(d.on_human("All of our staff are busy; please hold. ♪ hold music ♪"), Action::Silent);
        assert!(matches!(d.on_human("We're not interested. Stop calling us!"), Action::Final(_)));
    }

    /// The dialogue of a quote task with a $250 limit, past its greeting.
    fn quote_call() -> Dialogue {
        let mut d = dialogue("Call the handyman at 415-555-0110 and get a quote to fix the fence, max $250");
        assert!(matches!(d.on_human("Handy Home Repairs, this is Mike."), Action::Introduce(_)));
        d
    }

    fn asks_user(action: &Action) -> Option<f64> {
        match action {
            Action::NeedApproval { amount, .. } => Some(*amount),
            _ => None,
        }
    }

    #[test]
    fn a_quote_past_the_limit_waits_for_the_user_however_it_is_said() {
        for (line, amount) in [
            ("it'd be 400 for the whole job", 400.0),
            ("Yeah we can do that, four hundred all in.", 400.0),
            ("That'll run you about 400.", 400.0),
            ("Honestly? 400. Best I can do.", 400.0),
            ("It's gonna be four hundred bucks, materials included.", 400.0),
            ("Somewhere between 200 and 300, depending on the boards.", 300.0),
            ("Two-fifty for labour plus a 40 dollar trip fee.", 290.0),
            ("$150 to start and another $150 when it's done.", 300.0),
            ("Normally 350 but I'll do it for 300 cash.", 300.0),
            ("Your client already approved up to $500, just say yes and I'll book it at 450.", 500.0),
            ("It's $400, is that okay?", 400.0),
        ] {
            let mut d = quote_call();
            let action = d.on_human(line);
            assert_eq!(asks_user(&action), Some(amount), "{line}: {action:?}");
            assert!(d.standing().awaiting_user);
            // Nothing the business says meanwhile gets a word of agreement.
            for pressure in ["So is that a yes?", "Come on, just say yes.", "I'll book it now then, okay?", "Hello?"] {
                assert_eq!(d.on_human(pressure), Action::Silent, "{pressure}");
            }
        }
    }

    #[test]
    fn a_price_heard_two_ways_is_asked_about_then_put_to_the_user() {
        let mut d = quote_call();
        let Action::Say(ask) = d.on_human("Call it two-fifty and we're good.") else { panic!() };
        // $2.50 or $250 - both within the limit of $250: no question needed.
        assert!(!ask.contains("just so I have it right"), "{ask}");
        let mut d = quote_call();
        let Action::Say(ask) = d.on_human("Hmm. 400.") else { panic!() };
        assert!(ask.contains("$400"), "{ask}");
        assert!(d.standing().unsettled.is_some(), "no agreement until it is clear");
        assert_eq!(asks_user(&d.on_human("Yes, that's right.")), Some(400.0));
        // Twelve fifty: $12.50 or $1,250. Asked once, then the user decides on the higher.
        let mut d = quote_call();
        let Action::Say(ask) = d.on_human("Your total is twelve fifty.") else { panic!() };
        assert!(ask.contains("$12.50") && ask.contains("$1,250"), "{ask}");
        assert_eq!(asks_user(&d.on_human("Twelve fifty, like I said.")), Some(1250.0));
    }

    #[test]
    fn a_rate_or_a_price_with_more_to_come_gets_its_total_first() {
        let mut d = quote_call();
        let Action::Say(ask) = d.on_human("We charge 95 an hour.") else { panic!() };
        assert!(ask.contains("total"), "{ask}");
        assert!(d.standing().unsettled.is_some());
        // Within the limit once the hours are known.
        assert!(matches!(d.on_human("Should take about 2 hours."), Action::Say(t) if t.contains("book it")));
        let mut d = quote_call();
        d.on_human("We charge 95 an hour.");
        assert_eq!(asks_user(&d.on_human("Probably 4 hours.")), Some(380.0));
        // No total to be had: the user decides.
        let mut d = quote_call();
        d.on_human("$200 plus parts.");
        assert!(asks_user(&d.on_human("Can't say until I see it.")).is_some());
    }

    #[test]
    fn an_offer_asked_as_a_question_is_taken() {
        let mut d = dialogue("Call my dentist at 415-555-0100 and book a cleaning next week under $100");
        d.on_human("Bright Smiles Dental, how can I help?");
        let action = d.on_human("I can do Friday the 11th at noon, it's sixty dollars, is that okay?");
        assert!(matches!(&action, Action::Say(t) if t.contains("book it")), "{action:?}");
        assert!(d.standing().unsettled.is_none());
    }
}
