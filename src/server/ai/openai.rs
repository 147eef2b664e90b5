//! Any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM,
//! llama.cpp) through async-openai, with JSON-schema structured outputs
//! validated into the same types as the rules engine.

use super::rules::planner::{PlanContext, Planned};
use super::rules::summarize::Line;
use crate::domain::enums::Speaker;
use crate::domain::enums::{DataType, Sentiment};
use crate::domain::plan::{AiPlan, CallSummary, ExtractedItem, HardConstraints, MissingItem, TaskKind};
use crate::domain::usage::Usage;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequestArgs, FunctionObject, ResponseFormat, ResponseFormatJsonSchema,
};
use chrono::NaiveDate;
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// A function the model may call on a live call (described to it; what a
/// call does is decided and validated by the caller).
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema of the arguments.
    pub parameters: Value,
}

/// A piece of the model's streamed turn: words to speak, or part of a tool
/// call (its arguments arrive in fragments, keyed by `index`).
#[derive(Debug, Clone, PartialEq)]
pub enum TurnPiece {
    Text(String),
    Tool {
        index: u32,
        name: Option<String>,
        arguments: String,
    },
    /// What the turn used (the stream's last chunk, when the server reports it).
    Usage(Usage),
}

/// Why the model gave no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("the model did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the model server is unavailable: {0}")]
    Unavailable(String),
    /// The server answered 4xx: it turned this request down (a bad key, a
    /// model it does not have, a request it would not take). Not an outage.
    #[error("the model server rejected the request: {0}")]
    Rejected(String),
    /// Not asked: it failed repeatedly and is paused for this many seconds.
    #[error("the model has been failing; it is not asked for the next {0} s")]
    Paused(u64),
    #[error("the model refused: {0}")]
    Refused(String),
    #[error("the model's answer did not match the expected structure: {0}")]
    Malformed(String),
}

impl ModelError {
    /// Whether the model server itself is failing (no answer, 5xx, too
    /// slow): what opens the breaker. A refusal, a malformed answer or a
    /// rejected request are about one request.
    pub fn is_outage(&self) -> bool {
        matches!(self, ModelError::Timeout(_) | ModelError::Unavailable(_))
    }
}

/// A failed request as the model server answered it: 4xx rejected, the
/// rest unavailable.
fn served(e: async_openai::error::OpenAIError) -> ModelError {
    match e {
        async_openai::error::OpenAIError::ApiError(r) if r.status_code.is_client_error() => ModelError::Rejected(r.to_string()),
        other => ModelError::Unavailable(other.to_string()),
    }
}

#[derive(Clone)]
pub struct OpenAiEngine {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
}

impl std::fmt::Debug for OpenAiEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEngine").field("model", &self.model).field("timeout", &self.timeout).finish()
    }
}

impl OpenAiEngine {
    pub fn new(api_key: Option<&str>, base_url: Option<&str>, model: &str, timeout: Duration) -> OpenAiEngine {
        crate::server::crypto::install_tls_provider();
        let mut config = OpenAIConfig::new().with_api_key(api_key.unwrap_or("no-key"));
        if let Some(base) = base_url {
            config = config.with_api_base(base);
        }
        OpenAiEngine { client: Client::with_config(config), model: model.to_owned(), timeout }
    }

    /// The model asked for.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// One structured completion: the content parsed as JSON, and what it
    /// used (none when the server does not say).
    async fn complete(&self, name: &str, schema: Value, system: String, user: String) -> Result<(Value, Usage), ModelError> {
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(system).into(),
            ChatCompletionRequestUserMessage::from(user.as_str()).into(),
        ];
        let request = CreateChatCompletionRequestArgs::default()
            .model(&self.model)
            .messages(messages)
            .temperature(0.0)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema { description: None, name: name.to_owned(), schema, strict: Some(true) },
            })
            .build()
            .map_err(|e| ModelError::Malformed(e.to_string()))?;
        let response = tokio::time::timeout(self.timeout, self.client.chat().create(request))
            .await
            .map_err(|_| ModelError::Timeout(self.timeout.as_secs()))?
            .map_err(|e| match e {
                async_openai::error::OpenAIError::JSONDeserialize(err, _) => ModelError::Malformed(err.to_string()),
                other => served(other),
            })?;
        let usage = response
            .usage
            .map(|u| Usage::of_request(u.prompt_tokens.into(), u.completion_tokens.into()))
            .unwrap_or(Usage { requests: 1, ..Usage::default() });
        let message =
            response.choices.into_iter().next().map(|c| c.message).ok_or_else(|| ModelError::Malformed("no choices".into()))?;
        if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
            return Err(ModelError::Refused(refusal));
        }
        let content = message.content.ok_or_else(|| ModelError::Malformed("empty content".into()))?;
        let value = serde_json::from_str(content.trim()).map_err(|e| ModelError::Malformed(format!("not JSON: {e}")))?;
        Ok((value, usage))
    }

    /// The assistant's next turn on a live call, streamed as the model writes
    /// it: words, and calls of `tools`. `history` is the conversation so
    /// far; `system` the call's brief.
    pub async fn turn_stream(
        &self,
        system: String,
        history: &[(Speaker, String)],
        tools: &[ToolSpec],
    ) -> Result<impl Stream<Item = Result<Vec<TurnPiece>, ModelError>> + Send + Unpin + use<>, ModelError> {
        let mut messages: Vec<ChatCompletionRequestMessage> = vec![ChatCompletionRequestSystemMessage::from(system).into()];
        for (speaker, text) in history {
            messages.push(match speaker {
                Speaker::Human => ChatCompletionRequestUserMessage::from(text.as_str()).into(),
                Speaker::Assistant => ChatCompletionRequestAssistantMessage::from(text.as_str()).into(),
                Speaker::System => ChatCompletionRequestSystemMessage::from(format!("(note: {text})")).into(),
            });
        }
        let mut request = CreateChatCompletionRequestArgs::default();
        request
            .model(&self.model)
            .messages(messages)
            .temperature(0.3)
            .max_completion_tokens(200u32)
            // The last chunk says what the turn used.
            .stream_options(ChatCompletionStreamOptions { include_usage: Some(true), include_obfuscation: None });
        if !tools.is_empty() {
            let tools: Vec<ChatCompletionTools> = tools
                .iter()
                .map(|t| {
                    ChatCompletionTools::Function(ChatCompletionTool {
                        function: FunctionObject {
                            name: t.name.to_owned(),
                            description: Some(t.description.to_owned()),
                            parameters: Some(t.parameters.clone()),
                            strict: Some(true),
                        },
                    })
                })
                .collect();
            request.tools(tools);
        }
        let request = request.build().map_err(|e| ModelError::Malformed(e.to_string()))?;
        let stream = tokio::time::timeout(self.timeout, self.client.chat().create_stream(request))
            .await
            .map_err(|_| ModelError::Timeout(self.timeout.as_secs()))?
            .map_err(served)?;
        Ok(stream.map(|chunk| match chunk {
            Ok(c) => {
                let mut pieces = Vec::new();
                if let Some(u) = c.usage {
                    pieces.push(TurnPiece::Usage(Usage::of_request(u.prompt_tokens.into(), u.completion_tokens.into())));
                }
                for choice in c.choices {
                    if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                        pieces.push(TurnPiece::Text(text));
                    }
                    for call in choice.delta.tool_calls.unwrap_or_default() {
                        let (name, arguments) =
                            call.function.map(|f| (f.name, f.arguments.unwrap_or_default())).unwrap_or_default();
                        pieces.push(TurnPiece::Tool { index: call.index, name, arguments });
                    }
                }
                Ok(pieces)
            }
            Err(e) => Err(ModelError::Unavailable(e.to_string())),
        }))
    }

    /// Plans with the model; the rules engine's reading of the same text
    /// (and the user's contacts) backs up the phone number and the limit.
    pub async fn plan(&self, instruction: &str, ctx: &PlanContext<'_>, rules: &Planned) -> Result<(Planned, Usage), ModelError> {
        let system = format!(
            "You plan phone calls that an AI assistant will make on a user's behalf. Today is {} ({}). \
             Numbers written without a country code are in region {}. Rules: never invent a phone number — \
             use null unless the instruction contains one; a price limit is only what the user says they will \
             pay at most (\"under $100\", \"max $250\"), never an amount they merely mention (\"dispute a $45 charge\"); \
             list in missingInfo what the assistant cannot call without, with keys target_phone_number, preferred_date, \
             party_size or another snake_case key, and a question for the user as label; dates as YYYY-MM-DD, times as HH:MM (24h). \
             Answer with JSON only.",
            ctx.today.format("%Y-%m-%d"),
            ctx.today.format("%A"),
            ctx.region
        );
        let (value, usage) = self.complete("call_plan", plan_schema(), system, instruction.to_owned()).await?;
        let model: ModelPlan = serde_json::from_value(value).map_err(|e| ModelError::Malformed(e.to_string()))?;
        Ok((model.into_planned(ctx, rules), usage))
    }

    pub async fn summarize(
        &self,
        lines: &[Line],
        plan: Option<&AiPlan>,
        call_date: NaiveDate,
    ) -> Result<(CallSummary, Usage), ModelError> {
        let system = format!(
            "You summarise a finished phone call that an AI assistant made for a user. The call took place on {} ({}). \
             Extract facts stated by the other side: prices (amount, currency), appointments (date YYYY-MM-DD, time HH:MM 24h, \
             confirmationNumber), confirmation numbers, names (value, role), the business name, opening hours (text) and \
             instructions (text). Resolve relative dates against the call date. goal_achieved is true only if the call \
             reached its goal. Answer with JSON only.",
            call_date.format("%Y-%m-%d"),
            call_date.format("%A")
        );
        let goal = plan.map(|p| p.goal.clone()).unwrap_or_else(|| "unknown".into());
        let transcript: Vec<String> =
            lines.iter().map(|l| format!("[{} ms] {}: {}", l.timestamp_ms, l.speaker, l.content)).collect();
        let user = format!("Goal of the call: {goal}\n\nTranscript:\n{}", transcript.join("\n"));
        let (value, usage) = self.complete("call_summary", summary_schema(), system, user).await?;
        let model: ModelSummary = serde_json::from_value(value).map_err(|e| ModelError::Malformed(e.to_string()))?;
        Ok((model.into_summary()?, usage))
    }
}

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn object(properties: Value) -> Value {
    let required: Vec<String> = properties.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": properties })
}

/// The structured-output schema of a plan (strict mode: every property
/// required, optional ones nullable, no extra properties).
pub fn plan_schema() -> Value {
    let kinds: Vec<&str> = TaskKind::ALL.iter().map(|k| k.as_str()).collect();
    object(json!({
        "title": { "type": "string" },
        "goal": { "type": "string" },
        "taskKind": { "type": "string", "enum": kinds },
        "steps": { "type": "array", "items": { "type": "string" } },
        "questionsToAsk": { "type": "array", "items": { "type": "string" } },
        "missingInfo": { "type": "array", "items": object(json!({
            "key": { "type": "string" }, "label": { "type": "string" }, "hint": nullable("string")
        })) },
        "hardConstraints": object(json!({ "max_price": nullable("number"), "currency": nullable("string"), "per": nullable("string") })),
        "softPreferences": object(json!({
            "preferred_date": nullable("string"), "preferred_day": nullable("string"), "preferred_time": nullable("string"),
            "time_of_day": nullable("string"), "party_size": nullable("integer"), "service": nullable("string"), "items": nullable("string")
        })),
        "targetPhoneNumber": nullable("string"),
        "business": nullable("string"),
    }))
}

pub fn summary_schema() -> Value {
    let types: Vec<&str> = DataType::ALL.iter().map(|t| t.as_str()).collect();
    object(json!({
        "summary": { "type": "string" },
        "sentiment_overall": { "type": "string", "enum": ["positive", "neutral", "negative"] },
        "goal_achieved": { "type": "boolean" },
        "follow_up_required": { "type": "boolean" },
        "follow_up_tasks": { "type": "array", "items": { "type": "string" } },
        "extracted_data": { "type": "array", "items": object(json!({
            "data_type": { "type": "string", "enum": types },
            "confidence": { "type": "number" },
            "extracted_value": object(json!({
                "amount": nullable("number"), "currency": nullable("string"), "details": nullable("string"),
                "date": nullable("string"), "time": nullable("string"), "confirmationNumber": nullable("string"),
                "value": nullable("string"), "role": nullable("string"), "text": nullable("string")
            })),
        })) },
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ModelPlan {
    title: String,
    goal: String,
    task_kind: TaskKind,
    steps: Vec<String>,
    questions_to_ask: Vec<String>,
    missing_info: Vec<ModelMissing>,
    hard_constraints: HardConstraints,
    soft_preferences: Map<String, Value>,
    target_phone_number: Option<String>,
    business: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelMissing {
    key: String,
    label: String,
    hint: Option<String>,
}

impl ModelPlan {
    fn into_planned(self, ctx: &PlanContext<'_>, rules: &Planned) -> Planned {
        // A number the model gives must parse; otherwise what the text or a contact says.
        let phone = self
            .target_phone_number
            .as_deref()
            .and_then(|p| crate::server::phone::parse("target_phone_number", p, ctx.region).ok())
            .map(|n| n.as_str().to_owned())
            .or_else(|| rules.plan.target_phone_number.clone());
        // A stated limit is never lost: the lower of the two readings.
        let model_max = self.hard_constraints.max_price.filter(|m| m.is_finite() && *m >= 0.0);
        let max_price = match (model_max, rules.plan.hard_constraints.max_price) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let constraints = HardConstraints {
            max_price,
            currency: self
                .hard_constraints
                .currency
                .or_else(|| rules.plan.hard_constraints.currency.clone())
                .filter(|_| max_price.is_some()),
            per: self.hard_constraints.per.or_else(|| rules.plan.hard_constraints.per.clone()).filter(|_| max_price.is_some()),
        };
        let mut prefs: Map<String, Value> = self.soft_preferences.into_iter().filter(|(_, v)| !v.is_null()).collect();
        if prefs.get("preferred_date").and_then(Value::as_str).is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err())
        {
            prefs.remove("preferred_date");
        }
        let mut missing: Vec<MissingItem> = self
            .missing_info
            .into_iter()
            .filter(|m| {
                let answered = m.key == "target_phone_number" && phone.is_some();
                !m.key.trim().is_empty() && !answered
            })
            .map(|m| MissingItem { key: m.key, label: m.label, hint: m.hint })
            .collect();
        if phone.is_none() && !missing.iter().any(|m| m.key == "target_phone_number") {
            let item =
                rules.plan.missing_info_details.iter().find(|m| m.key == "target_phone_number").cloned().unwrap_or(MissingItem {
                    key: "target_phone_number".into(),
                    label: "What number should the assistant call?".into(),
                    hint: None,
                });
            missing.insert(0, item);
        }
        let title: String = self.title.trim().chars().take(80).collect();
        let plan = AiPlan {
            goal: if self.goal.trim().is_empty() { rules.plan.goal.clone() } else { self.goal.trim().to_owned() },
            steps: self.steps,
            questions_to_ask: self.questions_to_ask,
            missing_info: missing.iter().map(|m| m.key.clone()).collect(),
            requires_clarification: !missing.is_empty(),
            hard_constraints: constraints,
            soft_preferences: prefs,
            task_kind: self.task_kind,
            target_phone_number: phone,
            business: self.business.or_else(|| rules.plan.business.clone()),
            missing_info_details: missing,
        };
        Planned { title: if title.is_empty() { rules.title.clone() } else { title }, plan, contact_id: rules.contact_id }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSummary {
    summary: String,
    sentiment_overall: Sentiment,
    goal_achieved: bool,
    follow_up_required: bool,
    follow_up_tasks: Vec<String>,
    extracted_data: Vec<ModelItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelItem {
    data_type: DataType,
    confidence: f64,
    extracted_value: Map<String, Value>,
}

impl ModelSummary {
    fn into_summary(self) -> Result<CallSummary, ModelError> {
        if self.summary.trim().is_empty() {
            return Err(ModelError::Malformed("empty summary".into()));
        }
        let extracted_data = self
            .extracted_data
            .into_iter()
            .map(|i| {
                let value: Map<String, Value> = i.extracted_value.into_iter().filter(|(_, v)| !v.is_null()).collect();
                ExtractedItem {
                    data_type: i.data_type,
                    extracted_value: Value::Object(value),
                    confidence: i.confidence.clamp(0.0, 1.0),
                    // Where each fact was said is found by code, not taken from the model.
                    segment_ids: Vec::new(),
                    confirmed: false,
                }
            })
            .filter(|i| i.extracted_value.as_object().is_some_and(|o| !o.is_empty()))
            .collect();
        Ok(CallSummary {
            summary: self.summary.trim().to_owned(),
            extracted_data,
            sentiment_overall: self.sentiment_overall,
            goal_achieved: self.goal_achieved,
            follow_up_required: self.follow_up_required,
            follow_up_tasks: self.follow_up_tasks,
        })
    }
}
