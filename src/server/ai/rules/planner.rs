//! From an instruction to a plan: kind, number, contact, limits, preferences,
//! what is missing, and the steps and questions of the call.

use super::dates::{When, find_when};
use super::kind::classify;
use super::money::{Amount, find_limit};
use super::phones::find_phone_spans;
use super::risk::redact_sensitive;
use super::text::Fold;
use super::text::{capitalize, has_word, number_words, said_to_them, tokenize};
use crate::domain::money;
use crate::domain::plan::{AiPlan, HardConstraints, MissingItem, TaskKind};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// A contact the planner may match ("my dentist", "Ace Movers").
#[derive(Debug, Clone)]
pub struct ContactRef {
    pub id: Uuid,
    pub name: String,
    pub company_name: Option<String>,
    /// E.164.
    pub phone_number: Option<String>,
    pub notes: Option<String>,
}

/// What the planner knows besides the instruction.
pub struct PlanContext<'a> {
    /// Today in the user's time zone.
    pub today: NaiveDate,
    /// Region for numbers written without a country code.
    pub region: &'a str,
    pub contacts: &'a [ContactRef],
}

/// The planner's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub title: String,
    pub plan: AiPlan,
    pub contact_id: Option<Uuid>,
}

pub fn plan(instruction: &str, ctx: &PlanContext<'_>) -> Planned {
    let text = redact_sensitive(instruction.trim());
    let lower = text.folded();
    let kind = classify(&text);

    // The number to call: the first one written that parses.
    let mut target = None;
    let mut phone_problem = None;
    let spans = find_phone_spans(&text);
    for span in spans.iter().filter(|s| s.digits.len() >= 7) {
        match crate::server::phone::parse("target_phone_number", &span.raw, ctx.region) {
            Ok(n) => {
                target = Some(n.as_str().to_owned());
                break;
            }
            Err(e) => phone_problem = phone_problem.or(Some(e.message)),
        }
    }

    let business_phrase = business_phrase(&text);
    let contact = match_contact(&lower, business_phrase.as_deref(), ctx.contacts);
    if target.is_none() {
        target = contact.and_then(|c| c.phone_number.clone());
    }
    let business = business_phrase
        .as_deref()
        .map(|b| b.trim_start_matches("my ").trim_start_matches("the ").to_owned())
        .or_else(|| contact.map(|c| c.company_name.clone().unwrap_or_else(|| c.name.clone())));

    let limit = find_limit(&text);
    let when = find_when(&text, ctx.today, ctx.region == "US");
    let party = party_size(&lower);
    let action = action_clause(&text, limit.as_ref());

    let mut prefs = Map::new();
    if let Some(d) = when.date {
        prefs.insert("preferred_date".into(), json!(d.format("%Y-%m-%d").to_string()));
    }
    if let Some((from, to)) = when.range {
        prefs.insert("preferred_date_range".into(), json!({"from": from.to_string(), "to": to.to_string()}));
    }
    if let Some(p) = &when.phrase {
        prefs.insert("preferred_day".into(), json!(p));
    }
    if let Some(t) = when.time {
        prefs.insert("preferred_time".into(), json!(t.format("%H:%M").to_string()));
    }
    if let Some(p) = when.part_of_day {
        prefs.insert("time_of_day".into(), json!(p));
    }
    if let Some(n) = party {
        prefs.insert("party_size".into(), json!(n));
    }
    if let Some(s) = service(&lower, kind) {
        prefs.insert(if kind == TaskKind::Ordering { "items" } else { "service" }.into(), json!(s));
    }

    // What is missing.
    let who = business_phrase.clone().or_else(|| business.clone()).unwrap_or_else(|| "the business".to_owned());
    let mut missing = Vec::new();
    if target.is_none() {
        missing.push(MissingItem {
            key: "target_phone_number".into(),
            label: format!("What is the phone number of {}?", with_article(&who)),
            hint: Some(phone_problem.unwrap_or_else(|| "Include the area code, e.g. (415) 555-0199.".into())),
        });
    }
    if matches!(kind, TaskKind::Booking | TaskKind::Reservation | TaskKind::Reschedule) && !when.has_day() {
        missing.push(MissingItem {
            key: "preferred_date".into(),
            label: "Which day would you like?".into(),
            hint: Some("A date such as 2026-12-05, or words like \"next week\" or \"Friday\".".into()),
        });
    }
    if kind == TaskKind::Reservation && party.is_none() {
        missing.push(MissingItem { key: "party_size".into(), label: "How many people?".into(), hint: None });
    }

    let constraints = HardConstraints {
        max_price: limit.as_ref().map(|a| a.value),
        currency: limit.as_ref().map(|a| a.currency.unwrap_or(default_currency(ctx.region)).to_owned()),
        per: limit.as_ref().and_then(|a| a.per.map(str::to_owned)),
    };
    let title = title_of(&action);
    let goal = goal_of(&action, kind, business_phrase.as_deref(), &constraints);
    let (steps, questions) = steps_and_questions(kind, &action, &who, &when, party, &constraints, &prefs);
    let plan = AiPlan {
        goal,
        steps,
        questions_to_ask: questions,
        missing_info: missing.iter().map(|m| m.key.clone()).collect(),
        requires_clarification: !missing.is_empty(),
        hard_constraints: constraints,
        soft_preferences: prefs,
        task_kind: kind,
        target_phone_number: target,
        business,
        missing_info_details: missing,
    };
    Planned { title, plan, contact_id: contact.map(|c| c.id) }
}

fn default_currency(region: &str) -> &'static str {
    match region {
        "GB" => "GBP",
        "DE" | "FR" | "ES" | "IT" | "NL" | "BE" | "AT" | "IE" | "PT" | "FI" | "GR" => "EUR",
        _ => "USD",
    }
}

fn with_article(who: &str) -> String {
    let starts_upper = who.chars().next().is_some_and(char::is_uppercase);
    if starts_upper || who.starts_with("my ") || who.starts_with("the ") { who.to_owned() } else { format!("the {who}") }
}

const CALL_VERBS: &[&str] = &["call", "phone", "ring", "contact", "dial", "telephone"];

/// Who is being called, as written: "my dentist", "Pizza Hut", "the plumber".
fn business_phrase(text: &str) -> Option<String> {
    let lower = text.folded();
    let body = lower.trim_start_matches("please ").trim_start_matches("can you ").trim_start_matches("could you ");
    let offset = lower.len() - body.len();
    for verb in CALL_VERBS {
        if let Some(rest) = body.strip_prefix(verb).filter(|r| r.starts_with(' ')) {
            let start = offset + verb.len() + 1;
            let end_rel =
                [" at ", " on ", " and ", ",", " to ", " about ", " for ", " tomorrow", " today", " asap", ".", " (", " +"]
                    .iter()
                    .filter_map(|stop| rest[1..].find(stop).map(|i| i + 1))
                    .min()
                    .unwrap_or(rest.len());
            let phrase = text[start..(offset + verb.len() + end_rel).min(text.len())].trim();
            let useful = !phrase.is_empty() && !phrase.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '(' || c == '+');
            if useful && phrase.split_whitespace().count() <= 5 && !matches!(phrase, "them" | "him" | "her" | "back") {
                return Some(phrase.to_owned());
            }
            return None;
        }
    }
    // "Ask the pharmacy ...", "check with my landlord ..."
    for lead in ["ask ", "check with ", "tell ", "contact "] {
        if let Some(rest) = lower.strip_prefix(lead) {
            for det in ["the ", "my "] {
                if let Some(after) = rest.strip_prefix(det) {
                    let word: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '\'' || *c == '-').collect();
                    if !word.is_empty() {
                        let start = lead.len();
                        return Some(text[start..start + det.len() + word.len()].to_owned());
                    }
                }
            }
        }
    }
    // "... at Luigi's", "... with Dr. Lee", "... from Ace Movers": capitalised names.
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if matches!(w.folded().as_str(), "at" | "with" | "from") {
            let name: Vec<&str> = words[i + 1..]
                .iter()
                .take_while(|n| {
                    n.chars().next().is_some_and(char::is_uppercase)
                        && !matches!(
                            **n,
                            "I" | "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday"
                        )
                })
                .take(4)
                .map(|n| n.trim_end_matches([',', '.', '!', '?']))
                .collect();
            if !name.is_empty() {
                return Some(name.join(" "));
            }
        }
    }
    None
}

/// The first four letters of a word, for loose matching ("dentist"/"dental").
fn stem(word: &str) -> String {
    word.chars().filter(|c| c.is_alphanumeric()).take(4).collect::<String>().folded()
}

/// A contact named in the instruction, or matching who is called ("my dentist").
fn match_contact<'c>(lower: &str, business: Option<&str>, contacts: &'c [ContactRef]) -> Option<&'c ContactRef> {
    let named = contacts.iter().find(|c| {
        let name = c.name.folded();
        let company = c.company_name.as_deref().map(str::to_lowercase);
        (name.len() >= 3 && has_word(lower, &name)) || company.is_some_and(|co| co.len() >= 3 && has_word(lower, &co))
    });
    if named.is_some() {
        return named;
    }
    let business = business?.folded();
    let words: Vec<String> = business
        .split_whitespace()
        .filter(|w| !matches!(*w, "my" | "the" | "a" | "our" | "local"))
        .map(stem)
        .filter(|s| s.len() >= 4)
        .collect();
    if words.is_empty() {
        return None;
    }
    contacts.iter().find(|c| {
        let haystack = format!("{} {} {}", c.name, c.company_name.as_deref().unwrap_or(""), c.notes.as_deref().unwrap_or(""));
        let stems: Vec<String> = haystack.split_whitespace().map(stem).collect();
        words.iter().all(|w| stems.contains(w))
    })
}

/// "table for 4", "for four people", "party of six", "4 people".
fn party_size(lower: &str) -> Option<u32> {
    let tokens = tokenize(lower);
    let people = |t: Option<&super::text::Token<'_>>| {
        t.is_some_and(|t| matches!(t.text, "people" | "persons" | "guests" | "adults" | "of" | "diners"))
    };
    for i in 0..tokens.len() {
        let after_cue = i > 0
            && (matches!(tokens[i - 1].text, "for") && (people(tokens.get(i + 1)) || (i > 1 && tokens[i - 2].text == "table"))
                || (tokens[i - 1].text == "of" && i > 1 && tokens[i - 2].text == "party"));
        let value = match tokens[i].kind {
            super::text::TokenKind::Number => tokens[i].text.parse::<u32>().ok().map(|v| (v, 1)),
            super::text::TokenKind::Word => number_words(&tokens, i).map(|(v, l)| (v as u32, l)),
            _ => None,
        };
        if let Some((v, len)) = value
            && (after_cue
                || people(tokens.get(i + len)).then_some(()).is_some() && tokens.get(i + len).is_some_and(|t| t.text != "of"))
            && (1..=50).contains(&v)
        {
            return Some(v);
        }
    }
    None
}

/// What is booked or ordered: "a cleaning", "a large pepperoni".
fn service(lower: &str, kind: TaskKind) -> Option<String> {
    let verbs: &[&str] = match kind {
        TaskKind::Booking => &["book a ", "book an ", "schedule a ", "schedule an ", "make a ", "make an "],
        TaskKind::Ordering => &["order ", "get delivery of "],
        TaskKind::Quote => &["quote to ", "quote for ", "estimate for ", "estimate to "],
        _ => return None,
    };
    for v in verbs {
        if let Some(i) = lower.find(v) {
            let rest = &lower[i + v.len()..];
            let end = [
                " next ",
                " this ",
                " on ",
                " for ",
                " at ",
                " under ",
                " by ",
                ",",
                ".",
                " and ",
                " tomorrow",
                " today",
                " with ",
                " from ",
                " max",
                " no more",
                " up to",
                " less than",
                " below",
            ]
            .iter()
            .filter_map(|s| rest.find(s))
            .min()
            .unwrap_or(rest.len());
            let s = rest[..end].trim();
            if !s.is_empty() && s != "appointment" {
                return Some(s.trim_start_matches("a ").trim_start_matches("an ").to_owned());
            }
        }
    }
    None
}

/// The errand without the call preamble, the number and the price limit:
/// "Call my dentist at 415-555-0199 and book a cleaning next week under
/// $100" → "book a cleaning next week".
fn action_clause(text: &str, limit: Option<&Amount>) -> String {
    let mut s = text.to_owned();
    // Drop the limit phrase (with its cue words and a leading comma).
    if let Some(a) = limit
        && a.end <= s.len()
        && s.is_char_boundary(a.start)
        && s.is_char_boundary(a.end)
    {
        let head = &s[..a.start];
        let cues = [
            "no more than",
            "not more than",
            "nothing more than",
            "less than",
            "up to",
            "at most",
            "a maximum of",
            "maximum of",
            "max of",
            "maximum",
            "max",
            "under",
            "below",
            "budget of",
            "a budget of",
            "within",
            "don't pay more than",
            "do not pay more than",
            "not to exceed",
            "capped at",
            "cap of",
            "limit of",
        ];
        let lower_head = head.folded();
        let cut = cues
            .iter()
            .filter(|c| lower_head.trim_end().ends_with(*c))
            .map(|c| lower_head.trim_end().len() - c.len())
            .min()
            .unwrap_or(a.start);
        let tail_lower = s[a.end..].folded();
        let after = ["max", "maximum", "tops", "or less", "or under", "at most"]
            .iter()
            .find(|w| tail_lower.trim_start().starts_with(*w))
            .map(|w| a.end + (tail_lower.len() - tail_lower.trim_start().len()) + w.len())
            .unwrap_or(a.end);
        s = format!("{}{}", s[..cut].trim_end().trim_end_matches(',').trim_end_matches(" and"), &s[after..]);
    }
    // Drop "at <number>" and bare numbers.
    for span in find_phone_spans(&s).into_iter().rev().filter(|p| p.digits.len() >= 7) {
        let head = s[..span.start].trim_end();
        let head = head.strip_suffix(" at").or_else(|| head.strip_suffix(" on")).unwrap_or(head);
        s = format!("{}{}", head, &s[span.end..]);
    }
    let lower = s.folded();
    let body_start = ["please ", "can you ", "could you "].iter().find(|p| lower.starts_with(*p)).map(|p| p.len()).unwrap_or(0);
    let body = &s[body_start..];
    let body_lower = body.folded();
    let mut action = body.to_owned();
    if CALL_VERBS.iter().any(|v| body_lower.starts_with(&format!("{v} "))) {
        if let Some(i) = body_lower.find(" and ") {
            action = body[i + 5..].to_owned();
        } else if let Some(i) = body_lower.find(" to ") {
            action = body[i + 4..].to_owned();
        }
    }
    let action = action.split_whitespace().collect::<Vec<_>>().join(" ");
    action.trim().trim_end_matches(['.', ',', '!', ';']).trim().to_owned()
}

fn title_of(action: &str) -> String {
    let mut t = capitalize(action);
    if t.chars().count() > 80 {
        let cut: String = t.chars().take(80).collect();
        t = match cut.rfind(' ') {
            Some(i) => format!("{}…", &cut[..i]),
            None => cut,
        };
    }
    if t.is_empty() { "Phone call".to_owned() } else { t }
}

fn goal_of(action: &str, kind: TaskKind, business: Option<&str>, c: &HardConstraints) -> String {
    let mut goal = capitalize(action);
    if let Some(b) = business
        && !action.folded().contains(&b.folded())
    {
        let prep = match kind {
            TaskKind::Ordering | TaskKind::Quote | TaskKind::Enquiry => "from",
            TaskKind::Reservation => "at",
            _ => "with",
        };
        goal = format!("{goal} {prep} {b}");
    }
    if let Some(max) = c.max_price {
        let per = c.per.as_deref().map(|p| format!(" per {p}")).unwrap_or_default();
        goal = format!("{goal}, paying no more than {}{per}", money::spoken(max, c.currency.as_deref()));
    }
    format!("{goal}.")
}

fn when_text(when: &When) -> Option<String> {
    when.phrase.clone().map(|p| match p.as_str() {
        "next week" | "this week" | "this weekend" | "next weekend" | "next month" | "today" | "tonight" | "tomorrow" => p,
        _ if p.starts_with("in ") || p.starts_with("the ") => p,
        _ if p.starts_with("this ") || p.starts_with("next ") || p.starts_with("on ") => p,
        _ => format!("on {p}"),
    })
}

fn steps_and_questions(
    kind: TaskKind,
    action: &str,
    who: &str,
    when: &When,
    party: Option<u32>,
    c: &HardConstraints,
    prefs: &Map<String, Value>,
) -> (Vec<String>, Vec<String>) {
    let when_s = when_text(when).map(|w| format!(" {w}")).unwrap_or_default();
    let time_s = when.time.map(|t| format!(" at {}", t.format("%-I:%M %p"))).unwrap_or_default();
    let thing = prefs
        .get("service")
        .or_else(|| prefs.get("items"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| action.to_owned());
    let limit = c.max_price.map(|m| money::spoken(m, c.currency.as_deref()));
    let mut steps = vec![format!("Introduce the call as an AI assistant calling {} on the user's behalf", with_article(who))];
    let mut questions: Vec<String> = Vec::new();
    match kind {
        TaskKind::Booking => {
            steps.push(format!("Ask for an appointment for {}{when_s}{time_s}", with_indefinite(&thing)));
            steps.push("Agree on a date and time".into());
            questions.push(format!("Do you have availability{when_s} for {}?", with_indefinite(&thing)));
            questions.push("How much will it cost?".into());
            questions.push("Is there anything I should bring or prepare?".into());
        }
        TaskKind::Reservation => {
            let n = party.map(|n| format!(" for {n}")).unwrap_or_default();
            steps.push(format!("Ask for a reservation{n}{when_s}{time_s}"));
            questions.push(format!("Do you have a table{n}{when_s}{time_s}?"));
            questions.push("Is there a deposit or a cancellation policy?".into());
        }
        TaskKind::Ordering => {
            steps.push(format!("Place the order: {thing}"));
            steps.push("Get the total, including tax and delivery".into());
            questions.push(format!("I'd like to order {thing}. Is that available?"));
            questions.push("What is the total, including tax and any delivery fee?".into());
            questions.push("How long will it take?".into());
        }
        TaskKind::Quote => {
            steps.push(format!("Describe the job: {thing}"));
            steps.push("Get a price and what it includes".into());
            questions.push(format!("Could you give me a quote to {}?", thing.trim_start_matches("to ")));
            questions.push("What does that price include?".into());
            questions.push("When could you do the work?".into());
        }
        TaskKind::Cancellation => {
            steps.push(format!("Ask to {action}"));
            questions.push("What do you need from me to cancel?".into());
            questions.push("Are there any cancellation fees?".into());
        }
        TaskKind::Reschedule => {
            steps.push(format!("Ask to {action}"));
            questions.push(format!("Could we move it to{when_s}{time_s}?"));
        }
        TaskKind::Negotiation => {
            steps.push(format!("Ask to {action}"));
            steps.push("Ask about promotions, loyalty discounts and cheaper plans".into());
            questions.push("What am I paying now, and is there a lower rate available?".into());
            questions.push("Are there any current promotions or loyalty discounts?".into());
            questions.push("What would the new monthly price be?".into());
        }
        TaskKind::Complaint => {
            steps.push(format!("Explain the problem: {action}"));
            steps.push("Ask how they will resolve it".into());
            questions.push("Can you look into this and correct it?".into());
            questions.push("When will it be resolved?".into());
            questions.push("Could I have a reference number for this case?".into());
        }
        TaskKind::Confirmation => {
            steps.push(format!("Ask to {action}"));
            questions.push("Is everything still on record?".into());
            questions.push("Could you repeat the date and time?".into());
        }
        TaskKind::Enquiry => {
            steps.push(format!("Ask: {action}"));
            questions.push(enquiry_question(action));
        }
    }
    if let Some(l) = &limit {
        let per = c.per.as_deref().map(|p| format!(" per {p}")).unwrap_or_default();
        steps.push(format!("Check the price: never agree to more than {l}{per} without the user's approval"));
    }
    if matches!(
        kind,
        TaskKind::Booking
            | TaskKind::Reservation
            | TaskKind::Ordering
            | TaskKind::Cancellation
            | TaskKind::Reschedule
            | TaskKind::Complaint
    ) {
        steps.push("Get a confirmation or reference number".into());
        if !questions.iter().any(|q| q.contains("reference number")) {
            questions.push("Could I have a confirmation number?".into());
        }
    }
    steps.push("Read back what was agreed and thank them".into());
    (steps, questions)
}

fn with_indefinite(thing: &str) -> String {
    let t = thing.trim();
    if t.starts_with("a ") || t.starts_with("an ") || t.starts_with("the ") || t.starts_with("my ") {
        t.to_owned()
    } else if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

/// "ask the pharmacy what time they close today" → "Could you tell me what
/// time you close today?"
fn enquiry_question(action: &str) -> String {
    let lower = action.folded();
    let mut rest = lower.as_str();
    for lead in ["ask ", "find out ", "check ", "enquire ", "inquire "] {
        if let Some(r) = rest.strip_prefix(lead) {
            rest = r;
            break;
        }
    }
    for det in ["the ", "my ", "them ", "him ", "her "] {
        if let Some(r) = rest.strip_prefix(det) {
            // skip the noun after a determiner: "the pharmacy what..."
            rest = if det.ends_with("m ") || det == "him " || det == "her " {
                r
            } else {
                r.split_once(' ').map(|(_, x)| x).unwrap_or(r)
            };
            break;
        }
    }
    // "ask about X" asks about X, not "about about X".
    let rest = rest.strip_prefix("about ").unwrap_or(rest);
    // Folding keeps byte offsets: the same words as the user wrote them ("Sunday", "iPhone").
    let q = said_to_them(&action[lower.len() - rest.len()..]);
    if q.is_empty() {
        return "Could you help me with a question?".into();
    }
    let starts_wh = ["what", "when", "where", "whether", "if", "how", "which", "who", "why"].iter().any(|w| rest.starts_with(w));
    if starts_wh { format!("Could you tell me {q}?") } else { format!("Could you tell me about {q}?") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "ask about X" asks about X once, whatever verb leads it.
    #[test]
    fn an_enquiry_about_something_asks_about_it_once() {
        for (action, question) in [
            ("ask about their opening hours", "Could you tell me about your opening hours?"),
            ("enquire about parking near them", "Could you tell me about parking near you?"),
            ("find out about their delivery area", "Could you tell me about your delivery area?"),
            ("inquire about whether they take walk-ins", "Could you tell me whether you take walk-ins?"),
            ("ask about if they are open on Sunday", "Could you tell me if you are open on Sunday?"),
            ("ask them about the warranty", "Could you tell me about the warranty?"),
        ] {
            assert_eq!(enquiry_question(action), question, "{action}");
        }
    }

    fn ctx<'a>(contacts: &'a [ContactRef]) -> PlanContext<'a> {
        PlanContext { today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), region: "US", contacts }
    }

    #[test]
    fn the_seed_example() {
        let p = plan("Call my dentist at 415-555-0199 and book a cleaning next week under $100", &ctx(&[]));
        assert_eq!(p.title, "Book a cleaning next week");
        assert_eq!(p.plan.task_kind, TaskKind::Booking);
        assert_eq!(p.plan.target_phone_number.as_deref(), Some("+14155550199"));
        assert_eq!(p.plan.hard_constraints.max_price, Some(100.0));
        assert_eq!(p.plan.hard_constraints.currency.as_deref(), Some("USD"));
        assert_eq!(p.plan.soft_preferences["preferred_day"], "next week");
        assert_eq!(p.plan.soft_preferences["service"], "cleaning");
        assert!(!p.plan.requires_clarification, "{:?}", p.plan.missing_info);
        assert_eq!(p.plan.goal, "Book a cleaning next week with my dentist, paying no more than $100.");
        assert_eq!(p.plan.business.as_deref(), Some("dentist"));
    }

    #[test]
    fn missing_number_and_date_ask_the_user() {
        let p = plan("Call my dentist and book an appointment", &ctx(&[]));
        assert_eq!(p.plan.missing_info, ["target_phone_number", "preferred_date"]);
        assert!(p.plan.requires_clarification);
        assert_eq!(p.plan.missing_info_details[0].label, "What is the phone number of my dentist?");
        let p = plan("Call Pizza Hut at 555-1234 and order a large pepperoni", &ctx(&[]));
        assert_eq!(p.plan.missing_info, ["target_phone_number"]);
        assert!(p.plan.missing_info_details[0].hint.as_deref().unwrap().contains("area code"));
        assert_eq!(p.plan.target_phone_number, None, "never a guess");
    }

    #[test]
    fn contacts_supply_the_number() {
        let contacts = [
            ContactRef {
                id: Uuid::nil(),
                name: "Dr. Lee".into(),
                company_name: Some("Bright Smiles Dental".into()),
                phone_number: Some("+14155550100".into()),
                notes: None,
            },
            ContactRef {
                id: Uuid::from_u128(7),
                name: "Sam".into(),
                company_name: Some("Ace Movers".into()),
                phone_number: Some("+14155550142".into()),
                notes: None,
            },
        ];
        let p = plan("Call my dentist and book a cleaning on Friday", &ctx(&contacts));
        assert_eq!(p.plan.target_phone_number.as_deref(), Some("+14155550100"));
        assert_eq!(p.contact_id, Some(Uuid::nil()));
        let p = plan("Get a moving quote from Ace Movers for next Saturday", &ctx(&contacts));
        assert_eq!(p.contact_id, Some(Uuid::from_u128(7)));
        assert_eq!(p.plan.target_phone_number.as_deref(), Some("+14155550142"));
    }

    #[test]
    fn enquiries_become_questions() {
        assert_eq!(
            enquiry_question("ask the pharmacy what time they close today"),
            "Could you tell me what time you close today?"
        );
        assert_eq!(
            enquiry_question("find out if they have the iPhone in stock"),
            "Could you tell me if you have the iPhone in stock?"
        );
    }
}
