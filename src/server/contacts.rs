//! Contacts: stored per user under Row Level Security, every field but the
//! ids and times encrypted at rest. A sealed name cannot be searched or
//! ordered in SQL, so a list reads the account's contacts (at most
//! [`MAX_CONTACTS`]), opens them, and searches and orders them here.

use super::accounts::CurrentUser;
use super::audit;
use super::crypto::Cipher;
use super::error::{ApiError, ApiResult, internal};
use super::state::AppState;
use crate::domain::contact::{Contact, ContactFields, ContactPatch, NewContact};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

pub const DEFAULT_LIST_LIMIT: i64 = 100;
pub const MAX_LIST_LIMIT: i64 = 500;
/// How many contacts one account keeps: all of them are read to search or
/// order them, and all of them help plan a call.
pub const MAX_CONTACTS: i64 = 1000;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    company_name: Option<String>,
    phone_number: Option<String>,
    email: Option<String>,
    notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, company_name, phone_number, email, notes, created_at, updated_at";

impl Row {
    fn open(self, cipher: &Cipher) -> ApiResult<Contact> {
        let undecryptable = |e| internal("contact field cannot be decrypted", e);
        Ok(Contact {
            id: self.id,
            name: cipher.open(&self.name).map_err(undecryptable)?,
            company_name: cipher.open_opt(self.company_name.as_deref()).map_err(undecryptable)?,
            phone_number: cipher.decrypt_opt(self.phone_number.as_deref()).map_err(undecryptable)?,
            email: cipher.open_opt(self.email.as_deref()).map_err(undecryptable)?,
            notes: cipher.decrypt_opt(self.notes.as_deref()).map_err(undecryptable)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Normalises the written phone number of validated fields to E.164.
async fn normalise(conn: &mut PgConnection, mut fields: ContactFields) -> ApiResult<ContactFields> {
    if let Some(raw) = &fields.phone_number {
        let region = super::settings::load(conn).await?.default_region;
        fields.phone_number = Some(super::phone::parse("phone_number", raw, &region)?.as_str().to_owned());
        super::ai::refuse_undialable("phone_number", fields.phone_number.as_deref())?;
    }
    Ok(fields)
}

pub async fn list(state: &AppState, user: &CurrentUser, q: Option<&str>, limit: Option<i64>) -> ApiResult<Vec<Contact>> {
    let limit = limit.unwrap_or(DEFAULT_LIST_LIMIT);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("limit must be between 1 and {MAX_LIST_LIMIT}")));
    }
    let query = q.map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    let mut tx = state.db.begin_as(user.id).await?;
    let rows: Vec<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM contacts"))).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let contacts = rows.into_iter().map(|r| r.open(&state.cipher)).collect::<ApiResult<Vec<_>>>()?;
    Ok(search(contacts, query.as_deref(), limit as usize))
}

/// The contacts whose name or company contains `query` (lower case), by
/// name, at most `limit` of them.
fn search(contacts: Vec<Contact>, query: Option<&str>, limit: usize) -> Vec<Contact> {
    let contains = |field: &str| query.is_none_or(|q| field.to_lowercase().contains(q));
    let mut found: Vec<(String, Contact)> = contacts
        .into_iter()
        .filter(|c| contains(&c.name) || c.company_name.as_deref().is_some_and(contains))
        .map(|c| (c.name.to_lowercase(), c))
        .collect();
    found.sort_by(|(a, x), (b, y)| a.cmp(b).then(x.id.cmp(&y.id)));
    found.into_iter().take(limit).map(|(_, c)| c).collect()
}

pub async fn get(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Contact> {
    let mut tx = state.db.begin_as(user.id).await?;
    let row = fetch(&mut tx, id).await?;
    tx.commit().await?;
    row.open(&state.cipher)
}

async fn fetch(conn: &mut PgConnection, id: Uuid) -> ApiResult<Row> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM contacts WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.ok_or_else(|| ApiError::not_found("Contact"))
}

pub async fn create(state: &AppState, user: &CurrentUser, input: &NewContact) -> ApiResult<Contact> {
    let fields = input.validate()?;
    let mut tx = state.db.begin_as(user.id).await?;
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts").fetch_one(&mut *tx).await?;
    if kept >= MAX_CONTACTS {
        return Err(ApiError::conflict(format!(
            "You have {MAX_CONTACTS} contacts, the most one account keeps. Delete some you no longer call first."
        )));
    }
    let fields = normalise(&mut tx, fields).await?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO contacts (user_id, name, company_name, phone_number, email, notes)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    )))
    .bind(user.id)
    .bind(state.cipher.encrypt(&fields.name))
    .bind(state.cipher.encrypt_opt(fields.company_name.as_deref()))
    .bind(state.cipher.encrypt_opt(fields.phone_number.as_deref()))
    .bind(state.cipher.encrypt_opt(fields.email.as_deref()))
    .bind(state.cipher.encrypt_opt(fields.notes.as_deref()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, user.audit("contact.create", "contact", Some(row.id), json!({}))).await?;
    tx.commit().await?;
    row.open(&state.cipher)
}

pub async fn update(state: &AppState, user: &CurrentUser, id: Uuid, patch: &ContactPatch) -> ApiResult<Contact> {
    let mut tx = state.db.begin_as(user.id).await?;
    let current = fetch(&mut tx, id).await?.open(&state.cipher)?;
    let current = ContactFields {
        name: current.name,
        company_name: current.company_name,
        phone_number: current.phone_number,
        email: current.email,
        notes: current.notes,
    };
    let (next, mut changed) = patch.apply(&current)?;
    let next = normalise(&mut tx, next).await?;
    // A number rewritten into the same E.164 form is no change.
    if next.phone_number == current.phone_number {
        changed.retain(|f| *f != "phone_number");
    }
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE contacts SET name = $2, company_name = $3, phone_number = $4, email = $5, notes = $6
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(state.cipher.encrypt(&next.name))
    .bind(state.cipher.encrypt_opt(next.company_name.as_deref()))
    .bind(state.cipher.encrypt_opt(next.phone_number.as_deref()))
    .bind(state.cipher.encrypt_opt(next.email.as_deref()))
    .bind(state.cipher.encrypt_opt(next.notes.as_deref()))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, user.audit("contact.update", "contact", Some(id), json!({ "fields": changed }))).await?;
    tx.commit().await?;
    row.open(&state.cipher)
}

pub async fn delete(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<()> {
    let mut tx = state.db.begin_as(user.id).await?;
    let gone = sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
    if gone == 0 {
        return Err(ApiError::not_found("Contact"));
    }
    audit::record(&mut tx, user.audit("contact.delete", "contact", Some(id), json!({}))).await?;
    tx.commit().await?;
    Ok(())
}
