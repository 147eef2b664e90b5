//! The assistant's per-user settings and the rules each value must meet.

use super::error::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Voices the assistant can speak with.
pub const VOICES: &[&str] = &["professional_male", "professional_female", "friendly_male", "friendly_female", "calm_neutral"];
/// Tones the assistant can take.
pub const TONES: &[&str] = &["friendly", "professional", "formal", "casual", "firm"];
/// The settings' closed sets in the OpenAPI document: strings, one of the
/// lists above (the data keeps them as strings; `SettingsPatch::apply`
/// enforces the lists).
#[cfg(feature = "ssr")]
macro_rules! one_of_schema {
    ($(#[$meta:meta])* $name:ident = $list:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($list.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

#[cfg(feature = "ssr")]
one_of_schema! {
    /// One of [`VOICES`].
    Voice = VOICES
}

#[cfg(feature = "ssr")]
one_of_schema! {
    /// One of [`TONES`].
    Tone = TONES
}

/// Largest amount the assistant may be allowed to approve on its own.
pub const MAX_AUTO_APPROVE: f64 = 1_000_000.0;
pub const MAX_RETRY_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssistantSettings {
    #[cfg_attr(feature = "ssr", schema(value_type = Voice))]
    pub voice_preference: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Tone))]
    pub default_tone: String,
    pub max_auto_approve_amount: f64,
    pub auto_retry_failed_calls: bool,
    pub max_retry_attempts: i32,
    pub business_hours_only: bool,
    /// A BCP 47 language tag such as `en-US`.
    pub language_preference: String,
    /// ISO 3166 region for numbers written without a country code, e.g. `US`.
    pub default_region: String,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    pub time_zone: String,
    /// `HH:MM`, local to `time_zone`.
    pub business_hours_start: String,
    /// `HH:MM`, local to `time_zone`; after the start.
    pub business_hours_end: String,
    /// What calls may cost in a month (phone and AI), in US dollars; a call
    /// that would start past it asks first. `null`: no budget.
    #[serde(default)]
    pub monthly_budget: Option<f64>,
    /// Whether calls are recorded (the assistant then says so as it
    /// introduces itself). Off unless the user turns it on.
    #[serde(default)]
    pub record_calls: bool,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub updated_at: DateTime<Utc>,
}

/// A partial update; absent fields are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Voice>))]
    pub voice_preference: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Tone>))]
    pub default_tone: Option<String>,
    pub max_auto_approve_amount: Option<f64>,
    pub auto_retry_failed_calls: Option<bool>,
    pub max_retry_attempts: Option<i32>,
    pub business_hours_only: Option<bool>,
    pub language_preference: Option<String>,
    pub default_region: Option<String>,
    pub time_zone: Option<String>,
    pub business_hours_start: Option<String>,
    pub business_hours_end: Option<String>,
    /// In US dollars; 0 removes the budget.
    pub monthly_budget: Option<f64>,
    pub record_calls: Option<bool>,
}

/// What only the server can check (libphonenumber regions, the IANA zone
/// database).
pub trait Registry {
    fn is_region(&self, region: &str) -> bool;
    fn is_time_zone(&self, zone: &str) -> bool;
}

impl SettingsPatch {
    /// `current` with this patch applied and every value validated; the
    /// names of the changed fields.
    pub fn apply(
        &self,
        current: &AssistantSettings,
        registry: &impl Registry,
    ) -> Result<(AssistantSettings, Vec<&'static str>), ApiError> {
        let mut next = current.clone();
        let mut changed = Vec::new();
        if let Some(v) = &self.voice_preference {
            next.voice_preference = one_of("voice_preference", v, VOICES)?;
        }
        if let Some(v) = &self.default_tone {
            next.default_tone = one_of("default_tone", v, TONES)?;
        }
        if let Some(v) = self.max_auto_approve_amount {
            if !v.is_finite() || !(0.0..=MAX_AUTO_APPROVE).contains(&v) {
                return Err(ApiError::validation(
                    "max_auto_approve_amount",
                    // A whole number, written without float formatting (this also runs in the browser).
                    format!("max_auto_approve_amount must be between 0 and {}", MAX_AUTO_APPROVE as i64),
                ));
            }
            next.max_auto_approve_amount = (v * 100.0).round() / 100.0;
        }
        if let Some(v) = self.auto_retry_failed_calls {
            next.auto_retry_failed_calls = v;
        }
        if let Some(v) = self.max_retry_attempts {
            if !(0..=MAX_RETRY_ATTEMPTS).contains(&v) {
                return Err(ApiError::validation(
                    "max_retry_attempts",
                    format!("max_retry_attempts must be between 0 and {MAX_RETRY_ATTEMPTS}"),
                ));
            }
            next.max_retry_attempts = v;
        }
        if let Some(v) = self.business_hours_only {
            next.business_hours_only = v;
        }
        if let Some(v) = &self.language_preference {
            next.language_preference = language_tag(v)?;
        }
        if let Some(v) = &self.default_region {
            let region = v.trim().to_ascii_uppercase();
            if region.len() != 2 || !registry.is_region(&region) {
                return Err(ApiError::validation("default_region", format!("`{v}` is not a region code such as US, GB or DE")));
            }
            next.default_region = region;
        }
        if let Some(v) = &self.time_zone {
            let zone = v.trim();
            if !registry.is_time_zone(zone) {
                return Err(ApiError::validation("time_zone", format!("`{v}` is not a time zone such as America/New_York")));
            }
            next.time_zone = zone.to_owned();
        }
        if let Some(v) = &self.business_hours_start {
            next.business_hours_start = clock_time("business_hours_start", v)?;
        }
        if let Some(v) = &self.business_hours_end {
            next.business_hours_end = clock_time("business_hours_end", v)?;
        }
        if let Some(v) = self.monthly_budget {
            if !v.is_finite() || !(0.0..=MAX_AUTO_APPROVE).contains(&v) {
                return Err(ApiError::validation(
                    "monthly_budget",
                    format!("monthly_budget must be between 0 (no budget) and {}", MAX_AUTO_APPROVE as i64),
                ));
            }
            let cents = (v * 100.0).round() / 100.0;
            next.monthly_budget = (cents > 0.0).then_some(cents);
        }
        if let Some(v) = self.record_calls {
            next.record_calls = v;
        }
        if next.business_hours_start >= next.business_hours_end {
            let field = if self.business_hours_end.is_some() { "business_hours_end" } else { "business_hours_start" };
            return Err(ApiError::validation(field, "Business hours must end after they start."));
        }
        macro_rules! track {
            ($($f:ident),*) => { $( if next.$f != current.$f { changed.push(stringify!($f)); } )* };
        }
        track!(
            voice_preference,
            default_tone,
            max_auto_approve_amount,
            auto_retry_failed_calls,
            max_retry_attempts,
            business_hours_only,
            language_preference,
            default_region,
            time_zone,
            business_hours_start,
            business_hours_end,
            monthly_budget,
            record_calls
        );
        Ok((next, changed))
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let v = value.trim();
    if allowed.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(ApiError::validation(field, format!("`{value}` is not a known {field}; choose one of: {}", allowed.join(", "))))
    }
}

/// `en`, `en-US`, `es-419`, `zh-Hant-TW`: a primary language and optional
/// script/region subtags, normalised to conventional case.
fn language_tag(raw: &str) -> Result<String, ApiError> {
    let err = || ApiError::validation("language_preference", format!("`{raw}` is not a language tag such as en-US"));
    let parts: Vec<&str> = raw.trim().split(['-', '_']).collect();
    let (lang, rest) = parts.split_first().ok_or_else(err)?;
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) || rest.len() > 2 {
        return Err(err());
    }
    let mut out = lang.to_ascii_lowercase();
    for part in rest {
        let fixed = match part.len() {
            4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                let mut s = part.to_ascii_lowercase();
                s[..1].make_ascii_uppercase();
                s
            }
            2 if part.chars().all(|c| c.is_ascii_alphabetic()) => part.to_ascii_uppercase(),
            3 if part.chars().all(|c| c.is_ascii_digit()) => part.to_string(),
            _ => return Err(err()),
        };
        out.push('-');
        out.push_str(&fixed);
    }
    Ok(out)
}

/// `H:MM` or `HH:MM` (24-hour) normalised to `HH:MM`.
fn clock_time(field: &str, raw: &str) -> Result<String, ApiError> {
    let err = || ApiError::validation(field, format!("`{raw}` is not a time such as 09:00 or 17:30"));
    let (h, m) = raw.trim().split_once(':').ok_or_else(err)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if h > 23 || m > 59 || raw.trim().len() > 5 {
        return Err(err());
    }
    Ok(format!("{h:02}:{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known;
    impl Registry for Known {
        fn is_region(&self, r: &str) -> bool {
            ["US", "GB", "DE"].contains(&r)
        }
        fn is_time_zone(&self, z: &str) -> bool {
            ["UTC", "Europe/London", "America/New_York"].contains(&z)
        }
    }

    fn defaults() -> AssistantSettings {
        AssistantSettings {
            voice_preference: "professional_male".into(),
            default_tone: "friendly".into(),
            max_auto_approve_amount: 100.0,
            auto_retry_failed_calls: false,
            max_retry_attempts: 2,
            business_hours_only: false,
            language_preference: "en-US".into(),
            default_region: "US".into(),
            time_zone: "UTC".into(),
            business_hours_start: "09:00".into(),
            business_hours_end: "17:00".into(),
            monthly_budget: None,
            record_calls: false,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn field_of(p: SettingsPatch) -> Option<String> {
        p.apply(&defaults(), &Known).unwrap_err().field
    }

    #[test]
    fn each_field_is_validated() {
        let s = |f: &str| Some(f.to_owned());
        assert_eq!(field_of(SettingsPatch { voice_preference: s("robot"), ..Default::default() }), s("voice_preference"));
        assert_eq!(field_of(SettingsPatch { default_tone: s("rude"), ..Default::default() }), s("default_tone"));
        assert_eq!(
            field_of(SettingsPatch { max_auto_approve_amount: Some(-1.0), ..Default::default() }),
            s("max_auto_approve_amount")
        );
        assert_eq!(
            field_of(SettingsPatch { max_auto_approve_amount: Some(f64::NAN), ..Default::default() }),
            s("max_auto_approve_amount")
        );
        assert_eq!(field_of(SettingsPatch { max_retry_attempts: Some(6), ..Default::default() }), s("max_retry_attempts"));
        assert_eq!(field_of(SettingsPatch { max_retry_attempts: Some(-1), ..Default::default() }), s("max_retry_attempts"));
        assert_eq!(field_of(SettingsPatch { language_preference: s("english"), ..Default::default() }), s("language_preference"));
        assert_eq!(field_of(SettingsPatch { default_region: s("XX"), ..Default::default() }), s("default_region"));
        assert_eq!(field_of(SettingsPatch { time_zone: s("Mars/Olympus"), ..Default::default() }), s("time_zone"));
        assert_eq!(field_of(SettingsPatch { business_hours_start: s("25:00"), ..Default::default() }), s("business_hours_start"));
        assert_eq!(field_of(SettingsPatch { business_hours_end: s("08:00"), ..Default::default() }), s("business_hours_end"));
        for wrong in [-0.01, f64::NAN, f64::INFINITY, 1e7] {
            assert_eq!(
                field_of(SettingsPatch { monthly_budget: Some(wrong), ..Default::default() }),
                s("monthly_budget"),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_budget_is_set_in_cents_and_zero_removes_it() {
        let set = SettingsPatch { monthly_budget: Some(25.004), ..Default::default() };
        let (next, changed) = set.apply(&defaults(), &Known).unwrap();
        assert_eq!((next.monthly_budget, changed), (Some(25.0), vec!["monthly_budget"]));
        let cleared = SettingsPatch { monthly_budget: Some(0.0), ..Default::default() }.apply(&next, &Known).unwrap();
        assert_eq!((cleared.0.monthly_budget, cleared.1), (None, vec!["monthly_budget"]));
        // Less than a cent is no budget either (it would refuse every call).
        let tiny = SettingsPatch { monthly_budget: Some(0.001), ..Default::default() }.apply(&defaults(), &Known).unwrap();
        assert_eq!(tiny.0.monthly_budget, None);
        let recorded = SettingsPatch { record_calls: Some(true), ..Default::default() }.apply(&defaults(), &Known).unwrap();
        assert_eq!((recorded.0.record_calls, recorded.1), (true, vec!["record_calls"]));
    }

    #[test]
    fn good_values_are_normalised_and_changes_listed() {
        let p = SettingsPatch {
            language_preference: Some("en_gb".into()),
            default_region: Some("gb".into()),
            time_zone: Some("Europe/London".into()),
            business_hours_start: Some("8:30".into()),
            max_retry_attempts: Some(2),
            ..Default::default()
        };
        let (next, changed) = p.apply(&defaults(), &Known).unwrap();
        assert_eq!(next.language_preference, "en-GB");
        assert_eq!(next.default_region, "GB");
        assert_eq!(next.business_hours_start, "08:30");
        assert_eq!(changed, ["language_preference", "default_region", "time_zone", "business_hours_start"]);
        assert_eq!(language_tag("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(language_tag("es-419").unwrap(), "es-419");
    }
}
