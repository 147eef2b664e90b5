//! Accounts: the signed-in person and their API tokens, and the rules their
//! inputs must meet.

use super::error::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password (hashing cost is bounded), in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
}

/// An API token as listed: never its secret, which is shown once at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct ApiTokenInfo {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    #[cfg_attr(feature = "ssr", schema(format = Email, min_length = 3, max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 8, max_length = 256))]
    pub password: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = "\\S"))]
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 254, pattern = "\\S"))]
    pub email: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 256))]
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateTokenRequest {
    pub name: String,
}

/// A normalised e-mail address: trimmed, one `@`, a dotted domain, lower-cased.
pub fn parse_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(ApiError::validation("email", format!("email must be at most {MAX_EMAIL_CHARS} characters")));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    };
    if valid { Ok(email) } else { Err(ApiError::validation("email", "Enter an email address like name@example.com.")) }
}

pub fn check_password(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ApiError::validation("password", format!("The password must be at least {MIN_PASSWORD_CHARS} characters.")));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ApiError::validation("password", format!("The password must be at most {MAX_PASSWORD_CHARS} characters.")));
    }
    Ok(())
}

/// A required, trimmed, length-limited text field.
pub fn required_text(field: &str, raw: &str, max_chars: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::validation(field, format!("{field} is required")));
    }
    limit_text(field, text, max_chars).map(str::to_owned)
}

/// Rejects text over `max_chars` characters, naming the field.
pub fn limit_text<'a>(field: &str, text: &'a str, max_chars: usize) -> Result<&'a str, ApiError> {
    if text.chars().count() > max_chars {
        Err(ApiError::validation(field, format!("{field} must be at most {max_chars} characters")))
    } else {
        Ok(text)
    }
}

/// An optional text field: trimmed, empty becomes `None`, length-limited.
pub fn optional_text(field: &str, raw: Option<&str>, max_chars: usize) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => limit_text(field, t, max_chars).map(|t| Some(t.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(parse_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "a@b@c.com", "ada@.com"] {
            let e = parse_email(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn passwords_shorter_than_eight_are_refused() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
        // Characters, not bytes.
        assert!(check_password("ééééééé").is_err());
    }

    #[test]
    fn text_limits_name_the_field() {
        assert_eq!(required_text("name", "  Ada ", 10).unwrap(), "Ada");
        assert_eq!(required_text("name", "   ", 10).unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(required_text("name", "abcdefghijk", 10).unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(optional_text("notes", Some("  "), 10).unwrap(), None);
        assert_eq!(optional_text("notes", None, 10).unwrap(), None);
        assert!(optional_text("notes", Some("abcdefghijk"), 10).is_err());
    }
}
