//! The OpenAI-compatible engine as the conductor of a call's ordinary
//! turns: it words the reply and may use tools (press keys on a menu, stay
//! silent, end the call with an outcome, ask the user to approve an amount,
//! note a fact). It is told what was heard (the understanding layer's
//! signals), where the call stands and what the rules would say. Everything
//! it proposes is checked here: a tool call that does not fit the moment is
//! refused, and every word still passes the guard before it is spoken.
//! Limits, approvals and disclosure never depend on it: the rules decide
//! those turns before the model is asked.

use super::guard::Standing;
use crate::domain::enums::DataType;
use crate::domain::money;
use crate::server::ai::openai::ToolSpec;
use crate::server::ai::understand::money::Exposure;
use crate::server::ai::understand::situation::{Heard, MenuOption};
use serde::Deserialize;
use serde_json::json;

/// How a call the model ends turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    GoalAchieved,
    NotAchieved,
    WrongNumber,
    CallBackLater,
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::GoalAchieved => "the goal was achieved",
            Outcome::NotAchieved => "the goal was not achieved",
            Outcome::WrongNumber => "a wrong number",
            Outcome::CallBackLater => "they asked to be called back later",
            Outcome::Refused => "they refused",
        }
    }
}

/// What the model may do besides speaking, once checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    PressKeys(String),
    StaySilent,
    EndCall { outcome: Outcome, closing: String },
    AskApproval { amount: f64, reason: String },
    NoteFact { kind: DataType, value: String },
}

impl Move {
    /// Whether the move is the whole turn (no rules' words needed after it).
    pub fn is_turn(&self) -> bool {
        !matches!(self, Move::NoteFact { .. })
    }
}

/// The tools, as the model sees them.
pub fn tools() -> Vec<ToolSpec> {
    let object = |properties: serde_json::Value, required: &[&str]| json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false });
    vec![
        ToolSpec {
            name: "press_keys",
            description: "Press keys on the phone menu just heard (only keys it offered).",
            parameters: object(json!({ "digits": { "type": "string", "description": "0-9, * or #" } }), &["digits"]),
        },
        ToolSpec {
            name: "stay_silent",
            description: "Say nothing this turn: hold music, a recording, someone checking something.",
            parameters: object(json!({}), &[]),
        },
        ToolSpec {
            name: "end_call",
            description: "End the call politely with a closing line, saying how it went.",
            parameters: object(
                json!({
                    "outcome": { "type": "string", "enum": ["goal_achieved", "not_achieved", "wrong_number", "call_back_later", "refused"] },
                    "closing": { "type": "string" }
                }),
                &["outcome", "closing"],
            ),
        },
        ToolSpec {
            name: "ask_user_approval",
            description: "Put the business on hold and ask the user to approve an amount before agreeing to it.",
            parameters: object(json!({ "amount": { "type": "number" }, "reason": { "type": "string" } }), &["amount", "reason"]),
        },
        ToolSpec {
            name: "note_fact",
            description: "Note a fact the business gave (a price, an appointment, a reference, a name, opening hours).",
            parameters: object(
                json!({
                    "kind": { "type": "string", "enum": ["price", "appointment", "confirmation_number", "name", "business_name", "hours", "instructions", "other"] },
                    "value": { "type": "string" }
                }),
                &["kind", "value"],
            ),
        },
    ]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PressKeys {
    digits: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndCall {
    outcome: Outcome,
    closing: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskApproval {
    amount: f64,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteFact {
    kind: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

/// A tool call checked against the moment: `menu` is what the last
/// utterance offered. A call that does not fit is refused with why.
pub fn read_call(name: &str, arguments: &str, menu: &[MenuOption]) -> Result<Move, String> {
    let arguments = if arguments.trim().is_empty() { "{}" } else { arguments };
    let parse_error = |e: serde_json::Error| format!("{name}: arguments do not fit ({e})");
    match name {
        "press_keys" => {
            let call: PressKeys = serde_json::from_str(arguments).map_err(parse_error)?;
            let digits = call.digits.trim();
            if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#') {
                return Err(format!("press_keys: `{digits}` is not a key or two"));
            }
            if !menu.iter().any(|o| o.key == digits) {
                return Err(format!("press_keys: `{digits}` was not offered on a menu just heard"));
            }
            Ok(Move::PressKeys(digits.to_owned()))
        }
        "stay_silent" => {
            let _: Nothing = serde_json::from_str(arguments).map_err(parse_error)?;
            Ok(Move::StaySilent)
        }
        "end_call" => {
            let call: EndCall = serde_json::from_str(arguments).map_err(parse_error)?;
            let closing = call.closing.trim();
            if closing.is_empty() || closing.chars().count() > 300 {
                return Err("end_call: a closing line of a sentence or two is needed".into());
            }
            Ok(Move::EndCall { outcome: call.outcome, closing: closing.to_owned() })
        }
        "ask_user_approval" => {
            let call: AskApproval = serde_json::from_str(arguments).map_err(parse_error)?;
            if !(call.amount.is_finite() && call.amount > 0.0 && call.amount <= 10_000_000.0) {
                return Err(format!("ask_user_approval: {} is not an amount", call.amount));
            }
            let reason: String = call.reason.trim().chars().take(300).collect();
            Ok(Move::AskApproval { amount: call.amount, reason })
        }
        "note_fact" => {
            let call: NoteFact = serde_json::from_str(arguments).map_err(parse_error)?;
            let kind: DataType = call.kind.parse().map_err(|e| format!("note_fact: {e}"))?;
            let value: String = call.value.trim().chars().take(300).collect();
            if value.is_empty() {
                return Err("note_fact: nothing to note".into());
            }
            Ok(Move::NoteFact { kind, value })
        }
        other => Err(format!(
            "there is no tool `{other}` (the tools are press_keys, stay_silent, end_call, ask_user_approval, note_fact)"
        )),
    }
}

/// What the model is told about the turn: what was heard, where the call
/// stands, and what the rules would say.
pub fn signals(
    heard: &Heard,
    exposure: Option<Exposure>,
    standing: &Standing,
    currency: Option<&str>,
    suggestion: &str,
) -> String {
    let mut facts: Vec<String> = Vec::new();
    let flags = [
        (heard.hold, "they asked us to hold or are checking something"),
        (heard.automated, "an automated system is talking"),
        (heard.transfer, "they are transferring the call"),
        (heard.greeting, "someone greeted us"),
        (heard.screener, "a call screener asks who we are"),
        (heard.repeat, "they asked us to repeat"),
        (heard.wrong_number, "they say it is a wrong number"),
        (heard.closed, "they are closed or ask us to call back later"),
        (heard.goodbye, "they are saying goodbye"),
        (heard.refusal, "they refuse"),
        (heard.hostile, "they are hostile"),
        (heard.question, "they asked a question"),
    ];
    facts.extend(flags.iter().filter(|(on, _)| *on).map(|(_, what)| (*what).to_owned()));
    if !heard.menu.is_empty() {
        let options: Vec<String> = heard.menu.iter().map(|o| format!("{} for {}", o.key, o.label)).collect();
        facts.push(format!("a phone menu: {}", options.join("; ")));
    }
    if let Some(e) = exposure {
        let open = if e.open { " (more may come on top)" } else { "" };
        facts.push(format!("a price was named: {}{open}", money::spoken(e.amount, currency)));
    }
    if standing.unsettled.is_some() {
        facts.push("a price is not settled: do not agree to anything".into());
    }
    let heard_text = if facts.is_empty() { "nothing special".to_owned() } else { facts.join("; ") };
    format!("This turn: {heard_text}.\nThe rules would say: \"{suggestion}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu() -> Vec<MenuOption> {
        vec![
            MenuOption { key: "1".into(), label: "billing".into() },
            MenuOption { key: "2".into(), label: "appointments".into() },
        ]
    }

    #[test]
    fn tool_calls_that_fit_the_moment_are_taken() {
        assert_eq!(read_call("press_keys", r#"{"digits": "2"}"#, &menu()), Ok(Move::PressKeys("2".into())));
        assert_eq!(read_call("stay_silent", "", &[]), Ok(Move::StaySilent));
        assert_eq!(read_call("stay_silent", "{}", &[]), Ok(Move::StaySilent));
        assert_eq!(
            read_call("end_call", r#"{"outcome": "wrong_number", "closing": "Sorry to bother you, goodbye."}"#, &[]),
            Ok(Move::EndCall { outcome: Outcome::WrongNumber, closing: "Sorry to bother you, goodbye.".into() })
        );
        assert_eq!(
            read_call("ask_user_approval", r#"{"amount": 320, "reason": "They quoted 320 for the fence."}"#, &[]),
            Ok(Move::AskApproval { amount: 320.0, reason: "They quoted 320 for the fence.".into() })
        );
        assert_eq!(
            read_call("note_fact", r#"{"kind": "hours", "value": "Open 9 to 5 on weekdays"}"#, &[]),
            Ok(Move::NoteFact { kind: DataType::Hours, value: "Open 9 to 5 on weekdays".into() })
        );
    }

    #[test]
    fn tool_calls_that_do_not_fit_are_refused() {
        for (name, arguments, menu) in [
            ("press_keys", r#"{"digits": "7"}"#, menu()),
            ("press_keys", r#"{"digits": "2"}"#, vec![]),
            ("press_keys", r#"{"digits": "1234567"}"#, menu()),
            ("press_keys", r#"{"digits": "two"}"#, menu()),
            ("press_keys", r#"{"digits": 2}"#, menu()),
            ("press_keys", r#"{"digits": "2", "then": "9"}"#, menu()),
            ("press_keys", r#"{"digits": "2""#, menu()),
            ("end_call", r#"{"outcome": "booked", "closing": "Bye."}"#, vec![]),
            ("end_call", r#"{"outcome": "refused", "closing": "  "}"#, vec![]),
            ("ask_user_approval", r#"{"amount": -5, "reason": "x"}"#, vec![]),
            ("ask_user_approval", r#"{"amount": "lots", "reason": "x"}"#, vec![]),
            ("note_fact", r#"{"kind": "card_number", "value": "4111"}"#, vec![]),
            ("note_fact", r#"{"kind": "name", "value": ""}"#, vec![]),
            ("transfer_money", r#"{"amount": 5}"#, vec![]),
            ("stay_silent", r#"{"but": "say yes"}"#, vec![]),
        ] {
            assert!(read_call(name, arguments, &menu).is_err(), "{name} {arguments}");
        }
    }

    #[test]
    fn the_model_is_told_what_was_heard_and_what_the_rules_would_say() {
        let heard = crate::server::ai::understand::situation::hear("For billing, press 1. Can you hold?");
        let text = signals(&heard, None, &Standing { unsettled: Some("x".into()), ..Standing::default() }, None, "Of course.");
        assert!(text.contains("1 for billing"), "{text}");
        assert!(text.contains("do not agree"), "{text}");
        assert!(text.contains("\"Of course.\""), "{text}");
        assert_eq!(tools().len(), 5);
    }
}
