//! Response bodies of the REST API, as the OpenAPI document describes them.

use crate::domain::account::{ApiTokenInfo, User};
use crate::domain::contact::Contact;
use crate::domain::notification::Notification;
use crate::domain::settings::AssistantSettings;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Every failure: `success` is false.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub success: bool,
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// validation_error, invalid_transition, unauthorized, forbidden, not_found, conflict,
    /// payload_too_large, risk_blocked, rate_limited, internal, unavailable, timeout
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    /// Structured reasons (e.g. `{"risk": {...}}` for a refused task).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Ok {
    pub success: bool,
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub success: bool,
    pub user: User,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreatedBody {
    pub success: bool,
    /// The secret; shown once, never retrievable again.
    pub token: String,
    pub id: Uuid,
    pub api_token: ApiTokenInfo,
}

#[derive(Serialize, ToSchema)]
pub struct TokenListBody {
    pub success: bool,
    pub tokens: Vec<ApiTokenInfo>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactBody {
    pub success: bool,
    pub contact: Contact,
}

#[derive(Serialize, ToSchema)]
pub struct SearchBody {
    pub success: bool,
    pub results: Vec<crate::domain::search::SearchHit>,
}

#[derive(Serialize, ToSchema)]
pub struct InsightsBody {
    pub success: bool,
    pub insights: crate::domain::insights::Insights,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedBody {
    pub success: bool,
    /// `null` when there is no feed.
    pub feed: Option<crate::domain::calendar::CalendarFeed>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactListBody {
    pub success: bool,
    pub contacts: Vec<Contact>,
}

#[derive(Serialize, ToSchema)]
pub struct SettingsBody {
    pub success: bool,
    pub settings: AssistantSettings,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationListBody {
    pub success: bool,
    pub notifications: Vec<Notification>,
    pub unread_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationBody {
    pub success: bool,
    pub notification: Notification,
}

#[derive(Serialize, ToSchema)]
pub struct ReadAllBody {
    pub success: bool,
    pub updated: u64,
}

#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    pub status: String,
    pub version: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyBody {
    /// `ready` or `unavailable`
    pub status: String,
    pub database: Option<String>,
    pub migrations: Option<String>,
}

/// Audio, as bytes.
pub struct Audio;

impl utoipa::PartialSchema for Audio {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Audio {}
