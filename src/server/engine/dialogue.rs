//! The rules engine's side of a live call: a script-following dialogue
//! manager. Pure: it reads what the other side said and decides what to do.
//! Hard limits are enforced here in code, not by a prompt.

use crate::domain::money;
use crate::domain::plan::{AiPlan, CallScript, TaskKind};
use crate::server::ai::rules::approval;
use crate::server::ai::rules::dates::find_when;
use crate::server::ai::rules::script::closing;
use crate::server::ai::rules::text::has_any;
use chrono::NaiveDate;

/// Most exchanges before the assistant wraps up.
pub const MAX_TURNS: u32 = 24;

/// What the assistant does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Say(String),
    /// Say this, then end the call.
    Final(String),
    /// Press keys on a phone menu, then listen.
    Digits(String),
    /// Stay quiet (hold music, a recorded announcement).
    Silent,
    /// Tell the other side to wait, and ask the user to approve `amount`.
    NeedApproval {
        say: String,
        amount: f64,
        limit: f64,
        reason: String,
    },
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
        }
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    pub fn awaiting_approval(&self) -> bool {
        matches!(self.phase, Phase::AwaitingApproval(_))
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

        // Prices: anything above the limit needs the user.
        let check = approval::check(text, &self.plan.hard_constraints, self.max_auto_approve);
        if let Some(amount) = check.amount {
            if check.required && !self.accepted.iter().any(|a| (a - amount).abs() < 0.005) {
                self.phase = Phase::AwaitingApproval(amount);
                return Action::NeedApproval {
                    say: self.script.fallbacks.over_limit.clone(),
                    amount,
                    limit: check.limit.unwrap_or(self.max_auto_approve),
                    reason: check.reason.unwrap_or_default(),
                };
            }
            if !self.accepted.iter().any(|a| (a - amount).abs() < 0.005) {
                self.accepted.push(amount);
                self.agreed.push(format!("a price of {}", money::spoken(amount, self.plan.hard_constraints.currency.as_deref())));
            }
        }

        if self.phase == Phase::Opening {
            self.phase = Phase::Talking;
            let intro = self.script.introduction.clone();
            return match self.next_question() {
                Some(q) if check.amount.is_none() => Action::Say(format!("{intro} {q}")),
                _ => Action::Say(intro),
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
        // An offered slot or price for a booking: take it.
        let offer = when.has_day() || when.time.is_some() || check.amount.is_some();
        if offer
            && matches!(
                self.plan.task_kind,
                TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule | TaskKind::Quote | TaskKind::Ordering
            )
        {
            return Action::Say("That works. Please go ahead and book it.".into());
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
            Some(false) => self.finish(format!(
                "Thank you for waiting. Unfortunately {price} is more than {} can do right now, so we'll pass for now. Thank you for your time, goodbye.",
                self.user
            )),
            None => self.finish(format!(
                "I'm sorry, I couldn't reach {} to confirm the price, so they will call you back. Thank you for your time, goodbye.",
                self.user
            )),
        }
    }
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
        let Action::Say(intro) = d.on_human("Thank you for calling Bright Smiles Dental, this is Sarah. How can I help you?")
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
}
