//! Call tasks: planned from a sentence, clarified by the user, then called.
//! Instructions and phone numbers are encrypted at rest; every change goes
//! through the status machine and a guarded UPDATE.

use super::accounts::CurrentUser;
use super::ai::PlanOutcome;
use super::ai::rules::planner::{ContactRef, PlanContext};
use super::audit;
use super::calls::{SESSION_COLUMNS, SessionRow};
use super::crypto::Cipher;
use super::error::{ApiError, ApiResult, ErrorCode, internal};
use super::rate_limit::{self, Bucket};
use super::realtime::publish;
use super::state::AppState;
use super::usage::{self, Purpose};
use crate::domain::account::required_text;
use crate::domain::enums::{NotificationType, Priority, TaskSort, TaskStatus};
use crate::domain::events::ServerEvent;
use crate::domain::plan::{AiPlan, RiskCategory, RiskConcern};
use crate::domain::task::{
    CallSessionSummary, CallTask, DEFAULT_LIST_LIMIT, MAX_CLARIFICATION_CHARS, MAX_INSTRUCTION_CHARS, MAX_LIST_LIMIT,
    MAX_TITLE_CHARS, NewTask, TaskEvent, TaskPatch, still_missing,
};
use crate::domain::usage::CallCost;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    title: String,
    raw_instruction: String,
    status: String,
    priority: String,
    target_phone_number: Option<String>,
    contact_id: Option<Uuid>,
    ai_plan: Option<Value>,
    user_clarifications: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    scheduled_for: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, title, raw_instruction, status, priority, target_phone_number, contact_id, ai_plan, \
                       user_clarifications, created_at, updated_at, scheduled_for";

fn bad_stored(e: impl std::fmt::Display) -> ApiError {
    internal("stored call task cannot be read", e)
}

impl Row {
    fn open(self, cipher: &Cipher) -> ApiResult<CallTask> {
        let plan = match self.ai_plan {
            Some(v) => Some(open_plan(v, cipher)?),
            None => None,
        };
        Ok(CallTask {
            id: self.id,
            title: cipher.open(&self.title).map_err(bad_stored)?,
            raw_instruction: cipher.decrypt(&self.raw_instruction).map_err(bad_stored)?,
            status: self.status.parse().map_err(bad_stored)?,
            priority: self.priority.parse().map_err(bad_stored)?,
            target_phone_number: cipher.decrypt_opt(self.target_phone_number.as_deref()).map_err(bad_stored)?,
            contact_id: self.contact_id,
            ai_plan: plan,
            user_clarifications: match self.user_clarifications {
                Some(v) => cipher.open_json(v).map_err(bad_stored)?.as_object().cloned(),
                None => None,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            scheduled_for: self.scheduled_for,
        })
    }
}

/// The plan as stored: sealed whole (its goal and steps are the user's
/// errand).
fn seal_plan(plan: &AiPlan, cipher: &Cipher) -> Value {
    cipher.seal_json(&serde_json::to_value(plan).unwrap_or(Value::Null))
}

/// A stored plan, sealed, or from before plans were sealed (an object with
/// only its phone number encrypted).
fn open_plan(value: Value, cipher: &Cipher) -> ApiResult<AiPlan> {
    let mut plan: AiPlan = serde_json::from_value(cipher.open_json(value).map_err(bad_stored)?).map_err(bad_stored)?;
    plan.target_phone_number = cipher.open_opt(plan.target_phone_number.as_deref()).map_err(bad_stored)?;
    Ok(plan)
}

/// The user's region, today in their time zone, their language and their contacts.
struct Context {
    region: String,
    language: String,
    today: chrono::NaiveDate,
    contacts: Vec<ContactRef>,
}

async fn load_context(conn: &mut PgConnection, cipher: &Cipher) -> ApiResult<Context> {
    let settings = super::settings::load(conn).await?;
    let tz = super::settings::time_zone(&settings.time_zone)?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    #[derive(sqlx::FromRow)]
    struct ContactRow {
        id: Uuid,
        name: String,
        company_name: Option<String>,
        phone_number: Option<String>,
        notes: Option<String>,
    }
    let rows: Vec<ContactRow> =
        sqlx::query_as("SELECT id, name, company_name, phone_number, notes FROM contacts ORDER BY created_at, id LIMIT $1")
            .bind(super::contacts::MAX_CONTACTS)
            .fetch_all(conn)
            .await?;
    let contacts = rows
        .into_iter()
        .map(|c| {
            Ok(ContactRef {
                id: c.id,
                name: cipher.open(&c.name).map_err(bad_stored)?,
                company_name: cipher.open_opt(c.company_name.as_deref()).map_err(bad_stored)?,
                phone_number: cipher.decrypt_opt(c.phone_number.as_deref()).map_err(bad_stored)?,
                notes: cipher.decrypt_opt(c.notes.as_deref()).map_err(bad_stored)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Context { region: settings.default_region, language: settings.language_preference, today, contacts })
}

/// Plans an instruction for the user without storing anything (the
/// composer's live preview).
pub async fn preview(state: &AppState, user: &CurrentUser, instruction: &str) -> ApiResult<PlanOutcome> {
    let instruction = required_text("raw_instruction", instruction, MAX_INSTRUCTION_CHARS)?;
    // The same words again (a pause, another tab): the same preview, no engine.
    if let Some(outcome) = state.previews.get(user.id, &instruction) {
        return Ok(outcome);
    }
    rate_limit::hit(&state.db, Bucket::PlanPreview, &user.id.to_string(), state.config.limits.previews_per_minute).await?;
    let mut tx = state.db.begin_as(user.id).await?;
    let ctx = load_context(&mut tx, &state.cipher).await?;
    tx.commit().await?;
    let mut outcome =
        state.ai.plan(&instruction, &PlanContext { today: ctx.today, region: &ctx.region, contacts: &ctx.contacts }).await?;
    outcome.risk.concerns.extend(language_concern(state, &ctx.language));
    // A preview is planning the user pays for too (a repeat from memory is not).
    if let Some(used) = &outcome.usage {
        let mut tx = state.db.begin_as(user.id).await?;
        usage::record(
            &mut tx,
            state,
            usage::Owner { user_id: user.id, task_id: None, session_id: None },
            Purpose::Planning,
            used,
        )
        .await?;
        tx.commit().await?;
    }
    state.previews.put(user.id, &instruction, outcome.clone());
    Ok(outcome)
}

/// The offline engine speaks English only: a task in another language is
/// told so when it is planned (and its call is refused), rather than called
/// in the wrong language.
fn language_concern(state: &AppState, language: &str) -> Option<RiskConcern> {
    super::calls::unspeakable_language(state, language).map(|message| RiskConcern {
        category: RiskCategory::Language,
        message,
        blocking: false,
    })
}

/// A created task and how it was planned.
pub struct Created {
    pub task: CallTask,
    pub outcome: PlanOutcome,
}

pub async fn create(state: &AppState, user: &CurrentUser, input: &NewTask) -> ApiResult<Created> {
    let instruction = required_text("raw_instruction", &input.raw_instruction, MAX_INSTRUCTION_CHARS)?;
    if let Some(at) = input.scheduled_for {
        check_schedule(at)?;
    }
    if let Some(max) = input.max_price
        && !(max.is_finite() && max > 0.0 && max <= 1_000_000.0)
    {
        return Err(ApiError::validation("max_price", "max_price must be an amount above 0 and at most 1000000."));
    }
    rate_limit::hit(&state.db, Bucket::TaskCreate, &user.id.to_string(), state.config.limits.tasks_per_minute).await?;

    let mut tx = state.db.begin_as(user.id).await?;
    let ctx = load_context(&mut tx, &state.cipher).await?;
    let explicit_phone = match input.target_phone_number.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => Some(super::phone::parse("target_phone_number", raw, &ctx.region)?.as_str().to_owned()),
        None => None,
    };
    super::ai::refuse_undialable("target_phone_number", explicit_phone.as_deref())?;
    let chosen_contact = match input.contact_id {
        Some(id) => Some(
            ctx.contacts
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| ApiError::validation("contact_id", "No such contact."))?,
        ),
        None => None,
    };
    tx.commit().await?;

    // Planning may call a model: no transaction is held meanwhile.
    let mut outcome =
        state.ai.plan(&instruction, &PlanContext { today: ctx.today, region: &ctx.region, contacts: &ctx.contacts }).await?;
    outcome.risk.concerns.extend(language_concern(state, &ctx.language));
    if outcome.risk.blocked {
        let mut tx = state.db.begin_as(user.id).await?;
        if let Some(used) = &outcome.usage {
            let owner = usage::Owner { user_id: user.id, task_id: None, session_id: None };
            usage::record(&mut tx, state, owner, Purpose::Planning, used).await?;
        }
        let categories: Vec<_> = outcome.risk.concerns.iter().filter(|c| c.blocking).map(|c| c.category).collect();
        audit::record(&mut tx, user.audit("task.blocked", "call_task", None, json!({ "categories": categories }))).await?;
        tx.commit().await?;
        let reasons: Vec<&str> = outcome.risk.concerns.iter().filter(|c| c.blocking).map(|c| c.message.as_str()).collect();
        let mut e = ApiError::new(ErrorCode::RiskBlocked, reasons.join(" "));
        e.field = Some("raw_instruction".into());
        e.details = Some(json!({ "risk": outcome.risk }));
        return Err(e);
    }

    // The user's own choices win over what the planner inferred; a price
    // limit only ever tightens.
    if let Some(max) = input.max_price {
        let limits = &mut outcome.plan.hard_constraints;
        limits.max_price = Some(limits.max_price.map_or(max, |stated| stated.min(max)));
        limits.currency.get_or_insert_with(|| "USD".to_owned());
    }
    let contact_id = chosen_contact.as_ref().map(|c| c.id).or(outcome.contact_id);
    let phone = explicit_phone
        .or_else(|| chosen_contact.as_ref().and_then(|c| c.phone_number.clone()))
        .or_else(|| outcome.plan.target_phone_number.clone());
    super::ai::refuse_undialable("target_phone_number", phone.as_deref())?;
    outcome.plan.target_phone_number = phone.clone();
    refresh_missing(&mut outcome.plan, phone.is_some(), &Map::new());
    let status = if outcome.plan.requires_clarification { TaskStatus::WaitingForUser } else { TaskStatus::ReadyToCall };
    let priority = input.priority.unwrap_or(Priority::Normal);

    let mut tx = state.db.begin_as(user.id).await?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO call_tasks (user_id, title, raw_instruction, status, priority, target_phone_number, contact_id, ai_plan,
                                 scheduled_for, title_terms, task_kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    )))
    .bind(user.id)
    .bind(state.cipher.encrypt(&outcome.title))
    .bind(state.cipher.encrypt(&instruction))
    .bind(status.as_str())
    .bind(priority.as_str())
    .bind(state.cipher.encrypt_opt(phone.as_deref()))
    .bind(contact_id)
    .bind(seal_plan(&outcome.plan, &state.cipher))
    .bind(input.scheduled_for)
    .bind(state.cipher.terms(&outcome.title))
    // The kind of errand in the clear, for insights (the plan is sealed).
    .bind(outcome.plan.task_kind.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let task = row.open(&state.cipher)?;
    if let Some(used) = &outcome.usage {
        let owner = usage::Owner { user_id: user.id, task_id: Some(task.id), session_id: None };
        usage::record(&mut tx, state, owner, Purpose::Planning, used).await?;
    }
    let (kind, message) = if status == TaskStatus::WaitingForUser {
        let asks: Vec<&str> = outcome.plan.missing_info_details.iter().map(|m| m.label.as_str()).collect();
        (
            NotificationType::ClarificationNeeded,
            format!("“{}” needs a few details before calling: {}", task.title, asks.join(" ")),
        )
    } else {
        (NotificationType::TaskCreated, format!("“{}” is ready to call.", task.title))
    };
    super::notifications::create(&mut tx, &state.cipher, user.id, Some(task.id), None, kind, &message).await?;
    // Open pages (another tab's task list, say) learn of the new task; sent on commit.
    publish(&mut tx, user.id, ServerEvent::TaskStatus { call_task_id: task.id, status }).await?;
    if let (Some(at), TaskStatus::ReadyToCall) = (task.scheduled_for, status) {
        super::jobs::enqueue(&mut tx, &super::jobs::Job::StartCall { task_id: task.id }, Some(user.id), at).await?;
    }
    audit::record(
        &mut tx,
        user.audit(
            "task.create",
            "call_task",
            Some(task.id),
            json!({ "status": status, "kind": outcome.plan.task_kind, "engine": outcome.engine }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Created { task, outcome })
}

fn check_schedule(at: DateTime<Utc>) -> ApiResult<()> {
    if at < Utc::now() - chrono::Duration::minutes(1) {
        return Err(ApiError::validation("scheduled_for", "scheduled_for must be in the future."));
    }
    Ok(())
}

/// Recomputes what is still missing after the user's answers.
fn refresh_missing(plan: &mut AiPlan, has_phone: bool, clarifications: &Map<String, Value>) {
    let missing = still_missing(plan, has_phone, clarifications);
    plan.missing_info_details.retain(|m| missing.contains(&m.key));
    plan.missing_info = missing;
    plan.requires_clarification = !plan.missing_info.is_empty();
}

/// List filters (`GET /api/call-tasks`).
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub sort: Option<TaskSort>,
}

/// Where a page ended, in the list's order: the order itself (a cursor is
/// only valid for the order it came from), the last task's priority rank,
/// creation time and id.
fn encode_cursor(sort: TaskSort, priority: Priority, at: DateTime<Utc>, id: Uuid) -> String {
    let text = format!("{}|{}|{}|{id}", sort.as_str(), priority.rank(), at.timestamp_micros());
    URL_SAFE_NO_PAD.encode(text)
}

fn decode_cursor(sort: TaskSort, cursor: &str) -> ApiResult<(i16, DateTime<Utc>, Uuid)> {
    let bad = || ApiError::validation("cursor", "cursor is not one this server gave out for this order");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let mut parts = text.split('|');
    let (Some(tag), Some(rank), Some(micros), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if tag != sort.as_str() {
        return Err(bad());
    }
    let at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((rank.parse().map_err(|_| bad())?, at, id.parse().map_err(|_| bad())?))
}

/// The SQL rank of a task's priority, matching [`Priority::rank`].
const RANK: &str = "(CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END)";

/// One page in the asked-for order (newest first by default) and the
/// cursor of the next one.
pub async fn list(state: &AppState, user: &CurrentUser, filter: &ListFilter) -> ApiResult<(Vec<CallTask>, Option<String>)> {
    let limit = filter.limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("limit must be between 1 and {MAX_LIST_LIMIT}")));
    }
    let sort = filter.sort.unwrap_or(TaskSort::Newest);
    let after = filter.cursor.as_deref().map(|c| decode_cursor(sort, c)).transpose()?;
    // Keyset pagination: each order continues strictly after the last row shown.
    let (order, after_last) = match sort {
        TaskSort::Newest => ("created_at DESC, id DESC".to_owned(), "(created_at, id) < ($4, $5)".to_owned()),
        TaskSort::Oldest => ("created_at ASC, id ASC".to_owned(), "(created_at, id) > ($4, $5)".to_owned()),
        TaskSort::Priority => (
            format!("{RANK} ASC, created_at DESC, id DESC"),
            format!("({RANK} > $7 OR ({RANK} = $7 AND (created_at, id) < ($4, $5)))"),
        ),
    };
    // Titles are sealed: a search matches the keyed terms of their words.
    let terms = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| state.cipher.query_terms(q));
    if terms.as_ref().is_some_and(Vec::is_empty) {
        // Only punctuation: no word to find.
        return Ok((Vec::new(), None));
    }
    let mut tx = state.db.begin_as(user.id).await?;
    let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM call_tasks
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::text IS NULL OR priority = $2)
           AND ($3::bigint[] IS NULL OR title_terms @> $3)
           AND ($4::timestamptz IS NULL OR {after_last})
         ORDER BY {order}
         LIMIT $6"
    )))
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.priority.map(|p| p.as_str()))
    .bind(terms)
    .bind(after.map(|(_, at, _)| at))
    .bind(after.map(|(_, _, id)| id).unwrap_or_default())
    .bind(limit as i64 + 1);
    // $7 exists only in the priority order's condition.
    let query = if sort == TaskSort::Priority { query.bind(after.map(|(rank, _, _)| rank).unwrap_or_default()) } else { query };
    let rows: Vec<Row> = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let more = rows.len() > limit as usize;
    let tasks = rows.into_iter().take(limit as usize).map(|r| r.open(&state.cipher)).collect::<ApiResult<Vec<_>>>()?;
    let next = if more { tasks.last().map(|t| encode_cursor(sort, t.priority, t.created_at, t.id)) } else { None };
    Ok((tasks, next))
}

async fn fetch(conn: &mut PgConnection, id: Uuid) -> ApiResult<Row> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM call_tasks WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.ok_or_else(|| ApiError::not_found("Call task"))
}

/// A task with its call attempts, newest first, and what it cost in all
/// (planning and every call).
pub async fn get(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<(CallTask, Vec<CallSessionSummary>, CallCost)> {
    // One snapshot: the task's status and its sessions' agree.
    let mut tx = state.db.snapshot_as(user.id).await?;
    let task = fetch(&mut tx, id).await?.open(&state.cipher)?;
    let rows: Vec<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM call_sessions WHERE call_task_id = $1 ORDER BY started_at DESC"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let planning = usage::of_planning(&mut tx, id).await?;
    tx.commit().await?;
    let sessions = rows.into_iter().map(|row| row.open(&state.cipher)).collect::<ApiResult<Vec<_>>>()?;
    let cost = sessions.iter().fold(planning, |total, s| total.plus(&s.cost));
    Ok((task, sessions, cost))
}

pub async fn update(state: &AppState, user: &CurrentUser, id: Uuid, patch: &TaskPatch) -> ApiResult<CallTask> {
    let mut tx = state.db.begin_as(user.id).await?;
    let current = fetch(&mut tx, id).await?;
    let stamp = current.updated_at;
    let task = current.open(&state.cipher)?;
    let region = super::settings::load(&mut tx).await?.default_region;
    let mut changed: Vec<&str> = Vec::new();

    let mut title = task.title.clone();
    if let Some(t) = &patch.title {
        title = required_text("title", t, MAX_TITLE_CHARS)?;
        changed.push("title");
    }
    let mut phone = task.target_phone_number.clone();
    if let Some(p) = &patch.target_phone_number {
        phone = match p.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => Some(super::phone::parse("target_phone_number", raw, &region)?.as_str().to_owned()),
            None => None,
        };
        changed.push("target_phone_number");
    }
    let mut clarifications = task.user_clarifications.clone().unwrap_or_default();
    if let Some(updates) = &patch.user_clarifications {
        for (key, value) in updates {
            if key.chars().count() > 64 {
                return Err(ApiError::validation("user_clarifications", "Clarification keys must be at most 64 characters."));
            }
            // A phone number given as a clarification is the task's number.
            if key == "target_phone_number" {
                phone = match value.as_str().map(str::trim).filter(|p| !p.is_empty()) {
                    Some(raw) => {
                        Some(super::phone::parse("user_clarifications.target_phone_number", raw, &region)?.as_str().to_owned())
                    }
                    None => None,
                };
                continue;
            }
            match value {
                Value::Null => {
                    clarifications.remove(key);
                }
                Value::String(s) if s.chars().count() > MAX_CLARIFICATION_CHARS => {
                    return Err(ApiError::validation(
                        format!("user_clarifications.{key}"),
                        format!("user_clarifications.{key} must be at most {MAX_CLARIFICATION_CHARS} characters"),
                    ));
                }
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    clarifications.insert(key.clone(), value.clone());
                }
                _ => {
                    return Err(ApiError::validation(
                        format!("user_clarifications.{key}"),
                        "Clarifications are text, numbers or true/false.",
                    ));
                }
            }
        }
        changed.push("user_clarifications");
    }
    let mut contact_id = task.contact_id;
    if let Some(c) = patch.contact_id {
        if let Some(cid) = c {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1)").bind(cid).fetch_one(&mut *tx).await?;
            if !exists {
                return Err(ApiError::validation("contact_id", "No such contact."));
            }
        }
        contact_id = c;
        changed.push("contact_id");
    }
    let priority = patch.priority.unwrap_or(task.priority);
    if patch.priority.is_some() {
        changed.push("priority");
    }
    let mut scheduled_for = task.scheduled_for;
    if let Some(s) = patch.scheduled_for {
        if let Some(at) = s {
            check_schedule(at)?;
        }
        scheduled_for = s;
        changed.push("scheduled_for");
    }

    // The status follows from the state, through the status machine.
    let mut plan = task.ai_plan.clone();
    let mut status = task.status;
    if let Some(wanted) = patch.status {
        status = match wanted {
            TaskStatus::Cancelled => transition(status, TaskEvent::Cancel)?,
            s if s == status => status,
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidTransition,
                    format!(
                        "The status cannot be set to {other} directly; it follows from the task's details and calls. Only `cancelled` may be requested."
                    ),
                ));
            }
        };
        changed.push("status");
    }
    if phone != task.target_phone_number {
        super::ai::refuse_undialable("target_phone_number", phone.as_deref())?;
    }
    let detail_change = changed.iter().any(|f| matches!(*f, "target_phone_number" | "user_clarifications"));
    let cancelling_now = patch.status == Some(TaskStatus::Cancelled) && task.status != TaskStatus::Cancelled;
    if detail_change && !cancelling_now {
        if let Some(p) = plan.as_mut() {
            p.target_phone_number = phone.clone();
            refresh_missing(p, phone.is_some(), &clarifications);
        }
        let complete = plan.as_ref().is_none_or(|p| !p.requires_clarification) && phone.is_some();
        status = transition(status, TaskEvent::Clarified { complete })?;
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(task);
    }

    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE call_tasks SET title = $3, target_phone_number = $4, user_clarifications = $5, priority = $6,
                scheduled_for = $7, status = $8, ai_plan = $9, contact_id = $10, title_terms = $12
         WHERE id = $1 AND status = $2 AND updated_at = $11
         RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(task.status.as_str())
    .bind(state.cipher.encrypt(&title))
    .bind(state.cipher.encrypt_opt(phone.as_deref()))
    .bind(if clarifications.is_empty() && task.user_clarifications.is_none() {
        None
    } else {
        Some(state.cipher.seal_json(&Value::Object(clarifications)))
    })
    .bind(priority.as_str())
    .bind(scheduled_for)
    .bind(status.as_str())
    .bind(plan.as_ref().map(|p| seal_plan(p, &state.cipher)))
    .bind(contact_id)
    .bind(stamp)
    .bind(state.cipher.terms(&title))
    .fetch_optional(&mut *tx)
    .await?;
    let row =
        row.ok_or_else(|| ApiError::conflict("The task changed while this update was being made. Reload it and try again."))?;
    let updated = row.open(&state.cipher)?;
    let start_job = super::jobs::Job::StartCall { task_id: id };
    match (updated.scheduled_for, updated.status) {
        (Some(at), TaskStatus::ReadyToCall) => super::jobs::enqueue(&mut tx, &start_job, Some(user.id), at).await?,
        _ if changed.contains(&"scheduled_for") || updated.status == TaskStatus::Cancelled => {
            super::jobs::cancel(&mut tx, &start_job).await?
        }
        _ => {}
    }
    if task.status == TaskStatus::WaitingForUser && status == TaskStatus::ReadyToCall {
        super::notifications::create(
            &mut tx,
            &state.cipher,
            user.id,
            Some(id),
            None,
            NotificationType::TaskCreated,
            &format!("“{}” is ready to call.", updated.title),
        )
        .await?;
    }
    // Any change, not only of the status: pages showing the task refetch it.
    publish(&mut tx, user.id, ServerEvent::TaskStatus { call_task_id: id, status: updated.status }).await?;
    audit::record(&mut tx, user.audit("task.update", "call_task", Some(id), json!({ "fields": changed, "status": status })))
        .await?;
    tx.commit().await?;
    Ok(updated)
}

fn transition(from: TaskStatus, event: TaskEvent) -> ApiResult<TaskStatus> {
    from.on(event).map_err(|e| ApiError::new(ErrorCode::InvalidTransition, e.to_string()))
}

/// Cancels a task; with `purge`, deletes it and everything recorded about
/// it (sessions, transcripts, extracted data, notifications, recordings).
pub async fn delete(state: &AppState, user: &CurrentUser, id: Uuid, purge: bool) -> ApiResult<Option<CallTask>> {
    let mut tx = state.db.begin_as(user.id).await?;
    let current = fetch(&mut tx, id).await?;
    if purge {
        // Its recordings go too: deleted from the network once this commits.
        super::calls::forget_recordings(&mut tx, user.id, id).await?;
        sqlx::query("DELETE FROM call_tasks WHERE id = $1").bind(id).execute(&mut *tx).await?;
        publish(&mut tx, user.id, ServerEvent::TaskDeleted { call_task_id: id }).await?;
        audit::record(&mut tx, user.audit("task.purge", "call_task", Some(id), json!({}))).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let from: TaskStatus = current.status.parse().map_err(bad_stored)?;
    if from == TaskStatus::Cancelled {
        tx.commit().await?;
        return current.open(&state.cipher).map(Some);
    }
    let to = transition(from, TaskEvent::Cancel)?;
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE call_tasks SET status = $3 WHERE id = $1 AND status = $2 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(from.as_str())
    .bind(to.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or_else(|| ApiError::conflict("The task changed meanwhile. Reload it and try again."))?;
    super::jobs::cancel(&mut tx, &super::jobs::Job::StartCall { task_id: id }).await?;
    publish(&mut tx, user.id, ServerEvent::TaskStatus { call_task_id: id, status: to }).await?;
    audit::record(&mut tx, user.audit("task.cancel", "call_task", Some(id), json!({ "from": from }))).await?;
    tx.commit().await?;
    row.open(&state.cipher).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap();
        let id = Uuid::from_u128(42);
        let cursor = encode_cursor(TaskSort::Priority, Priority::High, at, id);
        assert_eq!(decode_cursor(TaskSort::Priority, &cursor).unwrap(), (1, at, id));
        // A cursor is only good for the order it came from.
        assert!(decode_cursor(TaskSort::Newest, &cursor).is_err());
        assert_eq!(decode_cursor(TaskSort::Newest, "nonsense!").unwrap_err().field.as_deref(), Some("cursor"));
    }
}
