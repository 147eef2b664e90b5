//! The offline CLI commands (`plan`, `summarize`): the configured AI engine,
//! no database.

use super::ai::Ai;
use super::ai::rules::planner::PlanContext;
use super::ai::rules::summarize::Line;
use super::config::Config;
use crate::domain::plan::AiPlan;
use chrono::NaiveDate;
use serde_json::{Value, json};

/// A failure of a CLI command, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

fn date_arg(flag: &str, value: Option<&str>) -> Result<NaiveDate, CliError> {
    match value {
        None => Ok(chrono::Local::now().date_naive()),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| CliError::Usage(format!("{flag} must be a date like 2026-11-24, not `{v}`"))),
    }
}

/// `callwright plan "<instruction>" [--region US] [--today YYYY-MM-DD]`
pub async fn plan(config: &Config, instruction: &str, region: Option<&str>, today: Option<&str>) -> Result<Value, CliError> {
    let region = region.unwrap_or("US").to_ascii_uppercase();
    if !super::phone::is_known_region(&region) {
        return Err(CliError::Usage(format!("--region `{region}` is not a region code such as US or GB")));
    }
    let today = date_arg("--today", today)?;
    let ai = Ai::from_config(&config.ai);
    let o = ai
        .plan(instruction, &PlanContext { today, region: &region, contacts: &[] })
        .await
        .map_err(|e| CliError::Failed(e.message))?;
    Ok(json!({ "title": o.title, "ai_plan": o.plan, "risk": o.risk, "engine": o.engine }))
}

/// `callwright summarize --transcript FILE [--plan FILE] [--call-date YYYY-MM-DD]`
pub async fn summarize(
    config: &Config,
    transcript: &str,
    plan: Option<&str>,
    call_date: Option<&str>,
) -> Result<Value, CliError> {
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| CliError::Failed(format!("cannot read {path}: {e}")));
    let lines: Vec<Line> = serde_json::from_str(&read(transcript)?)
        .map_err(|e| CliError::Failed(format!("{transcript}: expected [{{\"speaker\", \"content\", \"timestamp_ms\"}}]: {e}")))?;
    let plan: Option<AiPlan> = match plan {
        None => None,
        Some(path) => {
            let v: Value = serde_json::from_str(&read(path)?).map_err(|e| CliError::Failed(format!("{path}: {e}")))?;
            // Either a plan, or the output of `callwright plan`.
            let v = v.get("ai_plan").cloned().unwrap_or(v);
            Some(serde_json::from_value(v).map_err(|e| CliError::Failed(format!("{path}: not a plan: {e}")))?)
        }
    };
    let call_date = date_arg("--call-date", call_date)?;
    let ai = Ai::from_config(&config.ai);
    let done = ai.summarize(&lines, plan.as_ref(), call_date, true).await.map_err(|e| CliError::Failed(e.message))?;
    let (s, engine) = (done.summary, done.engine);
    Ok(json!({
        "summary": s.summary,
        "extracted_data": s.extracted_data,
        "sentiment_overall": s.sentiment_overall,
        "goal_achieved": s.goal_achieved,
        "follow_up_required": s.follow_up_required,
        "follow_up_tasks": s.follow_up_tasks,
        "engine": engine,
    }))
}
