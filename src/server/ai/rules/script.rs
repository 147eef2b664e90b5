//! The call script: what the assistant says, built from the plan.

use super::text::said_to_them;
use crate::domain::money;
use crate::domain::plan::{AiPlan, CallScript, Fallbacks, TaskKind};

/// Who the assistant speaks for and how.
pub struct ScriptContext<'a> {
    /// The user's name as the assistant should say it.
    pub user_name: &'a str,
    /// One of the settings' tones (friendly, professional, formal, casual, firm).
    pub tone: &'a str,
    /// The call is recorded: whoever answers is told so as we introduce
    /// ourselves (the engine also makes sure the notice comes first, see
    /// `engine::guard::with_recording_notice`).
    pub recorded: bool,
}

/// What the assistant says on a recorded call before anything else.
pub const RECORDING_NOTICE: &str = "This call is being recorded.";

pub fn script(plan: &AiPlan, ctx: &ScriptContext<'_>) -> CallScript {
    let greeting = match ctx.tone {
        "formal" => "Good day.",
        "professional" => "Hello.",
        "casual" => "Hey there!",
        "firm" => "Hello.",
        _ => "Hi there!",
    };
    let purpose = purpose(plan);
    let notice = if ctx.recorded { format!("{RECORDING_NOTICE} ") } else { String::new() };
    let introduction =
        format!("{greeting} This is Callwright, an AI assistant calling on behalf of {}. {notice}{purpose}", ctx.user_name);
    let limit = plan.hard_constraints.max_price.map(|m| {
        let per = plan.hard_constraints.per.as_deref().map(|p| format!(" per {p}")).unwrap_or_default();
        format!("{}{per}", money::spoken(m, plan.hard_constraints.currency.as_deref()))
    });
    let mut constraints = Vec::new();
    if let Some(l) = &limit {
        constraints.push(format!("Never agree to more than {l} without asking {} first.", ctx.user_name));
    }
    constraints.push("Never share card numbers, passwords or identity numbers.".into());
    constraints.push("Always say you are an AI assistant if asked; never claim to be a person.".into());
    CallScript {
        introduction,
        questions: plan.questions_to_ask.clone(),
        fallbacks: Fallbacks {
            not_available:
                "No problem. Could you tell me a better time to call back, or is there someone else who could help with this?"
                    .into(),
            callback_number_requested: format!(
                "{} will get back to you; I can pass on any message. What number should they call?",
                ctx.user_name
            ),
            unknown_question: format!(
                "I don't have that information right now, but I'll check with {} and get back to you.",
                ctx.user_name
            ),
            over_limit: format!(
                "Thank you. That's more than I'm able to agree to on my own; please give me a moment while I check with {}.",
                ctx.user_name
            ),
            refusal: "I understand. Thank you for your time. Goodbye.".into(),
        },
        voicemail_message: format!(
            "Hello, this is Callwright, an AI assistant calling on behalf of {}. {notice}{} Please call back at your convenience. Thank you, goodbye.",
            ctx.user_name, purpose
        ),
        closing: "Just to confirm: {agreed}. Thank you very much for your help. Goodbye!".into(),
        tone: ctx.tone.to_owned(),
        constraints,
        recorded: ctx.recorded,
    }
}

/// One sentence saying why we call.
fn purpose(plan: &AiPlan) -> String {
    let prefs = &plan.soft_preferences;
    let when = prefs.get("preferred_day").and_then(|v| v.as_str()).map(|d| {
        if d.starts_with("next ")
            || d.starts_with("this ")
            || d.starts_with("on ")
            || matches!(d, "today" | "tomorrow" | "tonight")
        {
            format!(" {d}")
        } else {
            format!(" on {d}")
        }
    });
    let when = when.unwrap_or_default();
    let thing = prefs.get("service").or_else(|| prefs.get("items")).and_then(|v| v.as_str());
    match plan.task_kind {
        TaskKind::Booking => {
            format!("I'm calling to book {}{when}.", thing.map(article).unwrap_or_else(|| "an appointment".into()))
        }
        TaskKind::Reservation => {
            let n = prefs.get("party_size").and_then(|v| v.as_u64()).map(|n| format!(" for {n}")).unwrap_or_default();
            format!("I'm calling to make a reservation{n}{when}.")
        }
        TaskKind::Ordering => format!("I'd like to place an order{}.", thing.map(|t| format!(": {t}")).unwrap_or_default()),
        TaskKind::Quote => format!(
            "I'm calling to get a quote{}.",
            thing.map(|t| format!(" to {}", t.trim_start_matches("to "))).unwrap_or_default()
        ),
        _ => format!("I'm calling to {}.", said_to_them(&lower_first(&goal_without_business(plan)))),
    }
}

fn article(thing: &str) -> String {
    if thing.starts_with(['a', 'e', 'i', 'o', 'u']) { format!("an {thing}") } else { format!("a {thing}") }
}

/// The plan's goal without the business's name (the goal names whom it is
/// done with; the business hears it): "Ask about their hours from Acme" →
/// "Ask about their hours".
fn goal_without_business(plan: &AiPlan) -> String {
    let goal = plan.goal.trim_end_matches('.');
    match &plan.business {
        Some(b) => ["from", "with", "at"]
            .iter()
            .flat_map(|prep| ["", "the ", "my "].map(|det| format!(" {prep} {det}{b}")))
            .find(|phrase| goal.contains(phrase.as_str()))
            .map_or_else(|| goal.to_owned(), |phrase| goal.replacen(&phrase, "", 1)),
        None => goal.to_owned(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Fills the closing with what was agreed.
pub fn closing(script: &CallScript, agreed: &[String]) -> String {
    if agreed.is_empty() {
        return "Thank you very much for your help. Goodbye!".into();
    }
    script.closing.replace("{agreed}", &agreed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ai::rules::planner::{PlanContext, plan};
    use chrono::NaiveDate;

    /// Said to the business: "your", not "their", and not its own name as
    /// if it were someone else.
    #[test]
    fn the_reason_for_the_call_is_said_to_the_business() {
        let ctx = PlanContext { today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), region: "US", contacts: &[] };
        for (instruction, purpose) in [
            (
                "Call Acme Hardware at 415-555-0150 and ask about their opening hours",
                "I'm calling to ask about your opening hours.",
            ),
            (
                "Call the library at 415-555-0177 and ask whether they have the new Le Carré novel",
                "I'm calling to ask whether you have the new Le Carré novel.",
            ),
            (
                "Call Northside Gym at 415-555-0123 and find out if they're open on Christmas Day",
                "I'm calling to find out if you're open on Christmas Day.",
            ),
        ] {
            let p = plan(instruction, &ctx).plan;
            let s = script(&p, &ScriptContext { user_name: "Ada", tone: "friendly", recorded: false });
            assert!(s.introduction.ends_with(purpose), "{instruction}: {}", s.introduction);
        }
    }

    #[test]
    fn scripts_say_they_are_an_ai_and_respect_limits() {
        let ctx = PlanContext { today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), region: "US", contacts: &[] };
        let p = plan("Call my dentist at 415-555-0199 and book a cleaning next week under $100", &ctx).plan;
        let s = script(&p, &ScriptContext { user_name: "Ada", tone: "friendly", recorded: false });
        assert_eq!(
            s.introduction,
            "Hi there! This is Callwright, an AI assistant calling on behalf of Ada. I'm calling to book a cleaning next week."
        );
        assert!(s.constraints[0].contains("$100"));
        assert!(s.voicemail_message.contains("AI assistant"));
        assert!(!s.recorded && !serde_json::to_string(&s).unwrap().contains("recorded."));
        let recorded = script(&p, &ScriptContext { user_name: "Ada", tone: "friendly", recorded: true });
        assert_eq!(
            recorded.introduction,
            "Hi there! This is Callwright, an AI assistant calling on behalf of Ada. This call is being recorded. \
             I'm calling to book a cleaning next week."
        );
        assert!(recorded.recorded && recorded.voicemail_message.contains(RECORDING_NOTICE), "{}", recorded.voicemail_message);
        assert!(!s.questions.is_empty());
        assert_eq!(
            closing(&s, &["a cleaning on December 1 at 2:00 PM".into(), "$75".into()]),
            "Just to confirm: a cleaning on December 1 at 2:00 PM, $75. Thank you very much for your help. Goodbye!"
        );
    }

    #[test]
    fn sensitive_numbers_never_reach_the_script() {
        let ctx = PlanContext { today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), region: "US", contacts: &[] };
        let p = plan("Call 415-555-0100 and pay my bill with card 4111 1111 1111 1111", &ctx).plan;
        let s = script(&p, &ScriptContext { user_name: "Ada", tone: "formal", recorded: false });
        let all = serde_json::to_string(&s).unwrap();
        assert!(!all.contains("4111"), "{all}");
    }
}
