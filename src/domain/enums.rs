//! The closed sets of the data model. Each enum's wire form (serde and the
//! database) is the seed specification's lower-snake-case spelling, and each
//! is mirrored by a CHECK constraint in `migrations/`; the tests below keep the
//! two in step.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An enum value that is not one of the known spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident ($kind:literal) { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire and database spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        // Read through `FromStr` rather than serde's derive: the same spelling,
        // an error that lists the choices, and a fraction of the code the
        // derive puts into the browser bundle for each enum.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
            }
        }

        // In the OpenAPI document: a string, one of the wire spellings.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .into()
            }
        }

        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $name {}

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($wire),+].join(", "),
                    }),
                }
            }
        }
    };
}

wire_enum! {
    /// Lifecycle of a call task.
    TaskStatus ("task status") {
        Pending = "pending",
        Preparing = "preparing",
        WaitingForUser = "waiting_for_user",
        ReadyToCall = "ready_to_call",
        InProgress = "in_progress",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// How urgent a call task is.
    Priority ("priority") { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
}

wire_enum! {
    /// Lifecycle of one call attempt.
    SessionStatus ("call session status") {
        Initiated = "initiated",
        Ringing = "ringing",
        Connected = "connected",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// Why a call attempt did not go through (`call_sessions.failure_reason`):
    /// the network's busy, no-answer, failed (could not connect) or canceled;
    /// `provider_error` when the network refused to place the call;
    /// `connection_lost` when the server process holding the call stopped.
    FailureReason ("failure reason") {
        Busy = "busy",
        NoAnswer = "no_answer",
        Failed = "failed",
        Canceled = "canceled",
        ProviderError = "provider_error",
        ConnectionLost = "connection_lost",
    }
}

impl FailureReason {
    /// The reason as the end of "Your call did not go through: …".
    pub fn explained(self) -> &'static str {
        match self {
            FailureReason::Busy => "the line was busy",
            FailureReason::NoAnswer => "nobody answered",
            FailureReason::Canceled => "it was cancelled",
            FailureReason::Failed | FailureReason::ProviderError | FailureReason::ConnectionLost => "it could not be connected",
        }
    }
}

wire_enum! {
    /// Who said a transcript segment.
    Speaker ("speaker") { Assistant = "assistant", Human = "human", System = "system" }
}

wire_enum! {
    /// Overall tone of a finished call.
    Sentiment ("sentiment") { Positive = "positive", Neutral = "neutral", Negative = "negative" }
}

wire_enum! {
    /// Kinds of facts extracted from a call.
    DataType ("extracted data type") {
        Price = "price",
        Appointment = "appointment",
        ConfirmationNumber = "confirmation_number",
        Name = "name",
        BusinessName = "business_name",
        Hours = "hours",
        Instructions = "instructions",
        Other = "other",
    }
}

wire_enum! {
    /// Why the user is being notified.
    NotificationType ("notification type") {
        TaskCreated = "task_created",
        CallStarted = "call_started",
        CallCompleted = "call_completed",
        CallFailed = "call_failed",
        ApprovalNeeded = "approval_needed",
        ClarificationNeeded = "clarification_needed",
        BudgetWarning = "budget_warning",
    }
}

wire_enum! {
    /// How prominently a notification is shown.
    NotificationPriority ("notification priority") { Low = "low", Normal = "normal", High = "high" }
}

wire_enum! {
    /// The orders a task list can come in (a query option; never stored).
    TaskSort ("task order") { Newest = "newest", Oldest = "oldest", Priority = "priority" }
}

wire_enum! {
    /// Where a search found its words: a line of a call, a call's summary, or a fact.
    HitKind ("search hit kind") { Line = "line", Summary = "summary", Fact = "fact" }
}

// `wire_enum!` takes no `#[default]` on a variant.
#[allow(clippy::derivable_impls)]
impl Default for TaskSort {
    fn default() -> Self {
        TaskSort::Newest
    }
}

impl Priority {
    /// Most urgent first: 0 for urgent … 3 for low.
    pub const fn rank(self) -> i16 {
        match self {
            Priority::Urgent => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + fmt::Display + FromStr<Err = UnknownVariant> + PartialEq + fmt::Debug + Serialize + serde::de::DeserializeOwned,
    {
        for v in all {
            assert_eq!(v.to_string().parse::<T>().unwrap(), *v);
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::String(v.to_string()));
            assert_eq!(serde_json::from_value::<T>(serde_json::to_value(v).unwrap()).unwrap(), *v);
        }
        assert!(serde_json::from_str::<T>("\"no_such_value\"").unwrap_err().to_string().starts_with("unknown "));
        assert!(serde_json::from_str::<T>("3").is_err());
    }

    #[test]
    fn every_enum_round_trips_through_its_wire_form() {
        round_trips(TaskStatus::ALL);
        round_trips(Priority::ALL);
        round_trips(SessionStatus::ALL);
        round_trips(FailureReason::ALL);
        round_trips(Speaker::ALL);
        round_trips(Sentiment::ALL);
        round_trips(DataType::ALL);
        round_trips(NotificationType::ALL);
        round_trips(NotificationPriority::ALL);
        round_trips(TaskSort::ALL);
    }

    #[test]
    fn unknown_values_name_the_kind_and_the_choices() {
        let err = "urgentish".parse::<Priority>().unwrap_err();
        assert_eq!(err.to_string(), "unknown priority `urgentish`; expected one of: low, normal, high, urgent");
    }

    /// The CHECK constraint for `table.column` in the initial migration lists
    /// exactly the enum's spellings.
    fn check_matches(table: &str, column: &str, wire: &[&str]) {
        let sql = include_str!("../../migrations/0001_schema.sql");
        let start = sql.find(&format!("CREATE TABLE {table} (")).unwrap_or_else(|| panic!("table {table} not in migration"));
        let body = &sql[start..];
        let body = &body[..body.find("\n);").expect("table end")];
        let needle = format!("{column} IN (");
        let at = body.find(&needle).unwrap_or_else(|| panic!("no CHECK for {table}.{column}"));
        let list = &body[at + needle.len()..];
        let list = &list[..list.find(')').unwrap()];
        let found: Vec<&str> = list.split(',').map(|s| s.trim().trim_matches('\'')).collect();
        assert_eq!(found, wire, "CHECK of {table}.{column}");
    }

    fn wire<T: Copy + fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn the_failure_reason_check_matches_the_enum() {
        let sql = include_str!("../../migrations/0005_failure_reasons.sql");
        let list = &sql[sql.find("failure_reason IN (").expect("CHECK") + "failure_reason IN (".len()..];
        let found: Vec<&str> = list[..list.find(')').unwrap()].split(',').map(|s| s.trim().trim_matches('\'')).collect();
        assert_eq!(found, wire(FailureReason::ALL));
    }

    /// The notification types as last set (migration 0013 added `budget_warning`).
    #[test]
    fn the_notification_type_check_matches_the_enum() {
        let sql = include_str!("../../migrations/0013_monthly_budget.sql");
        let needle = "ADD CONSTRAINT notifications_notification_type_check CHECK (notification_type IN (";
        let list = &sql[sql.find(needle).expect("CHECK") + needle.len()..];
        let found: Vec<&str> = list[..list.find(')').unwrap()].split(',').map(|s| s.trim().trim_matches('\'')).collect();
        assert_eq!(found, wire(NotificationType::ALL));
    }

    #[test]
    fn migration_checks_match_the_enums() {
        let cases: [(&str, &str, Vec<String>); 7] = [
            ("call_tasks", "status", wire(TaskStatus::ALL)),
            ("call_tasks", "priority", wire(Priority::ALL)),
            ("call_sessions", "status", wire(SessionStatus::ALL)),
            ("call_transcripts", "sentiment_overall", wire(Sentiment::ALL)),
            ("call_transcript_segments", "speaker", wire(Speaker::ALL)),
            ("call_extracted_data", "data_type", wire(DataType::ALL)),
            ("notifications", "priority", wire(NotificationPriority::ALL)),
        ];
        for (table, column, values) in cases {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            check_matches(table, column, &values);
        }
    }
}
