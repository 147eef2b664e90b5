//! Sign-up, sign-in, sign-out, the current user, and API tokens.

use super::auth::{AuthVia, CurrentUser, SESSION_DAYS};
use super::password;
use crate::domain::account::{
    ApiTokenInfo, MAX_DISPLAY_NAME_CHARS, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MAX_TOKEN_NAME_CHARS, User, check_password,
    parse_email, required_text,
};
use crate::domain::error::ErrorCode;
use crate::server::audit::{self, Entry};
use crate::server::crypto::{random_token, token_digest};
use crate::server::error::{ApiError, ApiResult, internal};
use crate::server::rate_limit::{self, Bucket};
use crate::server::state::AppState;
use serde_json::json;
use uuid::Uuid;

/// A signed-in user and the secret of their new browser session (goes into
/// the cookie; only its digest is stored).
pub struct SignedIn {
    pub user: User,
    pub session_token: String,
}

/// The server is busy hashing passwords: come back in a few seconds.
fn busy() -> ApiError {
    ApiError::rate_limited(password::BUSY_RETRY_SECS, "The server is busy checking passwords. Try again in a few seconds.")
}

/// Where a sign-up or sign-in comes from and with what browser.
pub struct Client<'a> {
    /// The client's address, for throttling.
    pub addr: &'a str,
    pub user_agent: Option<&'a str>,
}

pub async fn signup(
    state: &AppState,
    client: &Client<'_>,
    email: &str,
    password: &str,
    display_name: &str,
) -> ApiResult<SignedIn> {
    // Cheap refusals first: no password is hashed for a closed server or a flood.
    if !state.config.allow_signup {
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(state.db.system()).await?;
        if any {
            return Err(ApiError::forbidden("Sign-up is closed on this server. Ask its owner for an account."));
        }
    }
    let email = parse_email(email)?;
    check_password(password)?;
    let display_name = required_text("display_name", display_name, MAX_DISPLAY_NAME_CHARS)?;
    rate_limit::hit(&state.db, Bucket::Signup, client.addr, state.config.limits.signups_per_hour).await?;
    let hash = match password::hash(password.to_owned()).await {
        Ok(hash) => hash,
        Err(e) if e == "busy" => return Err(busy()),
        Err(e) => return Err(internal("password hashing failed", e)),
    };
    let user_agent = client.user_agent;

    let mut tx = state.db.system().begin().await?;
    if !state.config.allow_signup {
        // Serialise concurrent sign-ups so "only the first account" holds.
        sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(&mut *tx).await?;
        if any {
            return Err(ApiError::forbidden("Sign-up is closed on this server. Ask its owner for an account."));
        }
    }
    let user: Option<User> = sqlx::query_as(
        "INSERT INTO users (email, password_hash, display_name) VALUES ($1, $2, $3)
         ON CONFLICT ((lower(email))) DO NOTHING
         RETURNING id, email, display_name, created_at",
    )
    .bind(&email)
    .bind(&hash)
    .bind(&display_name)
    .fetch_optional(&mut *tx)
    .await?;
    let user = user.ok_or_else(|| {
        let mut e = ApiError::conflict("An account with this email already exists. Sign in instead.");
        e.field = Some("email".into());
        e
    })?;
    sqlx::query("INSERT INTO assistant_settings (user_id) VALUES ($1)").bind(user.id).execute(&mut *tx).await?;
    let session_token = insert_session(&mut tx, user.id, user_agent).await?;
    audit::record(
        &mut tx,
        Entry {
            user_id: Some(user.id),
            action: "user.signup",
            entity_type: "user",
            entity_id: Some(user.id),
            details: json!({}),
            request_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { user, session_token })
}

pub async fn login(state: &AppState, client: &Client<'_>, email: &str, password: &str) -> ApiResult<SignedIn> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(ApiError::validation("email", "email is required"));
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(ApiError::validation("email", format!("email must be at most {MAX_EMAIL_CHARS} characters")));
    }
    if password.is_empty() {
        return Err(ApiError::validation("password", "password is required"));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::validation("password", format!("password must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    // Per client, whatever e-mail; and per e-mail from that client, so a
    // stranger's guesses never lock the owner out from their own devices.
    let limits = &state.config.limits;
    rate_limit::hit(&state.db, Bucket::LoginClient, client.addr, limits.logins_per_client).await?;
    rate_limit::hit(&state.db, Bucket::Login, &format!("{email} {}", client.addr), limits.logins_per_quarter_hour).await?;
    let user_agent = client.user_agent;

    let row: Option<(Uuid, String, String, chrono::DateTime<chrono::Utc>, String)> =
        sqlx::query_as("SELECT id, email, display_name, created_at, password_hash FROM users WHERE lower(email) = $1")
            .bind(&email)
            .fetch_optional(state.db.system())
            .await?;
    let stored = row.as_ref().map(|r| r.4.clone());
    if !password::verify(password.to_owned(), stored).await.map_err(|_| busy())? {
        return Err(ApiError::new(ErrorCode::Unauthorized, "Email or password is incorrect."));
    }
    let (id, email, display_name, created_at, _) = row.expect("verified passwords belong to a user");
    let user = User { id, email, display_name, created_at };

    let mut tx = state.db.system().begin().await?;
    let session_token = insert_session(&mut tx, user.id, user_agent).await?;
    audit::record(
        &mut tx,
        Entry {
            user_id: Some(user.id),
            action: "session.create",
            entity_type: "auth_session",
            entity_id: None,
            details: json!({}),
            request_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { user, session_token })
}

async fn insert_session(conn: &mut sqlx::PgConnection, user_id: Uuid, user_agent: Option<&str>) -> ApiResult<String> {
    let token = random_token("");
    sqlx::query(
        "INSERT INTO auth_sessions (user_id, token_hash, user_agent, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(days => $4))",
    )
    .bind(user_id)
    .bind(token_digest(&token))
    .bind(user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
    .bind(SESSION_DAYS as i32)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Forgets sessions that ended (expired or signed out) over 30 days ago.
pub async fn purge_sessions(state_db: &crate::server::db::Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM auth_sessions WHERE expires_at < now() - interval '30 days' OR revoked_at < now() - interval '30 days'",
    )
    .execute(state_db.system())
    .await?
    .rows_affected())
}

/// Revokes the session the request came with (a token-authenticated request
/// has no session; sign-out is then a no-op).
pub async fn logout(state: &AppState, user: &CurrentUser) -> ApiResult<()> {
    if let AuthVia::Session { session_id } = user.via {
        let mut tx = state.db.begin_as(user.id).await?;
        sqlx::query("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, user.audit("session.revoke", "auth_session", Some(session_id), json!({}))).await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn me(state: &AppState, user: &CurrentUser) -> ApiResult<User> {
    let mut tx = state.db.begin_as(user.id).await?;
    let found: Option<User> =
        sqlx::query_as("SELECT id, email, display_name, created_at FROM users").fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    found.ok_or_else(ApiError::unauthorized)
}

/// A new API token; its secret is returned once and never again.
/// Signs out every session of the user, in every browser and device, this
/// one included: for a lost laptop or a shared computer. API tokens are
/// revoked one by one.
pub async fn logout_everywhere(state: &AppState, user: &CurrentUser) -> ApiResult<u64> {
    browser_session_only(user)?;
    let mut tx = state.db.begin_as(user.id).await?;
    let ended = sqlx::query("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    audit::record(&mut tx, user.audit("session.revoke_all", "auth_session", None, json!({ "sessions": ended }))).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Tokens and sessions are managed from a signed-in browser, never with a
/// token: a leaked token cannot mint more tokens or sign the owner out.
fn browser_session_only(user: &CurrentUser) -> ApiResult<()> {
    match user.via {
        AuthVia::Session { .. } => Ok(()),
        _ => Err(ApiError::forbidden("API tokens and sign-ins are managed from a signed-in browser, not with an API token.")),
    }
}

pub async fn create_token(state: &AppState, user: &CurrentUser, name: &str) -> ApiResult<(ApiTokenInfo, String)> {
    browser_session_only(user)?;
    let name = required_text("name", name, MAX_TOKEN_NAME_CHARS)?;
    let secret = random_token("cw_");
    let mut tx = state.db.begin_as(user.id).await?;
    let info: ApiTokenInfo = sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3)
         RETURNING id, name, created_at, last_used_at",
    )
    .bind(user.id)
    .bind(&name)
    .bind(token_digest(&secret))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, user.audit("api_token.create", "api_token", Some(info.id), json!({ "name": name }))).await?;
    tx.commit().await?;
    Ok((info, secret))
}

pub async fn list_tokens(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<ApiTokenInfo>> {
    browser_session_only(user)?;
    let mut tx = state.db.begin_as(user.id).await?;
    let tokens = sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_tokens
         WHERE revoked_at IS NULL ORDER BY created_at DESC",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Revokes a token at once: the next request bearing it gets 401.
pub async fn revoke_token(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<()> {
    browser_session_only(user)?;
    let mut tx = state.db.begin_as(user.id).await?;
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(ApiError::not_found("API token"));
    }
    audit::record(&mut tx, user.audit("api_token.revoke", "api_token", Some(id), json!({}))).await?;
    tx.commit().await?;
    Ok(())
}
