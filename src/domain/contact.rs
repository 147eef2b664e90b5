//! Contacts: people and businesses the assistant can call.

use super::account::{limit_text, optional_text, required_text};
use super::error::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_COMPANY_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_NOTES_CHARS: usize = 5000;
pub const MAX_PHONE_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: Uuid,
    pub name: String,
    pub company_name: Option<String>,
    /// E.164, e.g. `+14155550199`.
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub updated_at: DateTime<Utc>,
}

/// A new contact. The phone number may be written in any common form; it is
/// stored in E.164 using the user's default region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 200, pattern = "\\S"))]
    pub name: String,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A partial update: an absent field is unchanged; `null` or `""` clears it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
}

/// Distinguishes a field sent as `null` (Some(None)) from an absent one (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A contact's fields after validation; the phone number is still as written
/// (the server normalises it with the user's region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub company_name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
}

impl NewContact {
    pub fn validate(&self) -> Result<ContactFields, ApiError> {
        Ok(ContactFields {
            name: required_text("name", &self.name, MAX_NAME_CHARS)?,
            company_name: optional_text("company_name", self.company_name.as_deref(), MAX_COMPANY_CHARS)?,
            phone_number: optional_text("phone_number", self.phone_number.as_deref(), MAX_PHONE_CHARS)?,
            email: optional_email(self.email.as_deref())?,
            notes: optional_text("notes", self.notes.as_deref(), MAX_NOTES_CHARS)?,
        })
    }
}

impl ContactPatch {
    /// The contact after applying this patch to `current`, validated, and
    /// the names of the fields that changed.
    pub fn apply(&self, current: &ContactFields) -> Result<(ContactFields, Vec<&'static str>), ApiError> {
        let mut next = current.clone();
        let mut changed = Vec::new();
        if let Some(name) = &self.name {
            next.name = required_text("name", name, MAX_NAME_CHARS)?;
        }
        if let Some(v) = &self.company_name {
            next.company_name = optional_text("company_name", v.as_deref(), MAX_COMPANY_CHARS)?;
        }
        if let Some(v) = &self.phone_number {
            next.phone_number = optional_text("phone_number", v.as_deref(), MAX_PHONE_CHARS)?;
        }
        if let Some(v) = &self.email {
            next.email = optional_email(v.as_deref())?;
        }
        if let Some(v) = &self.notes {
            next.notes = optional_text("notes", v.as_deref(), MAX_NOTES_CHARS)?;
        }
        if next.name != current.name {
            changed.push("name");
        }
        if next.company_name != current.company_name {
            changed.push("company_name");
        }
        if next.phone_number != current.phone_number {
            changed.push("phone_number");
        }
        if next.email != current.email {
            changed.push("email");
        }
        if next.notes != current.notes {
            changed.push("notes");
        }
        Ok((next, changed))
    }
}

/// A patch that replaces every field with the form's (an empty field clears it).
impl From<NewContact> for ContactPatch {
    fn from(c: NewContact) -> ContactPatch {
        ContactPatch {
            name: Some(c.name),
            company_name: Some(c.company_name),
            phone_number: Some(c.phone_number),
            email: Some(c.email),
            notes: Some(c.notes),
        }
    }
}

fn optional_email(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(e) => {
            limit_text("email", e, MAX_EMAIL_CHARS)?;
            super::account::parse_email(e).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ContactFields {
        ContactFields {
            name: "Dr. Lee".into(),
            company_name: Some("Bright Smiles".into()),
            phone_number: Some("+14155550100".into()),
            email: None,
            notes: None,
        }
    }

    #[test]
    fn new_contacts_are_trimmed_and_limited() {
        let c = NewContact { name: "  Ace Movers ".into(), email: Some(" ".into()), ..Default::default() };
        let f = c.validate().unwrap();
        assert_eq!(f.name, "Ace Movers");
        assert_eq!(f.email, None);
        let long = NewContact { name: "x".into(), notes: Some("n".repeat(MAX_NOTES_CHARS + 1)), ..Default::default() };
        assert_eq!(long.validate().unwrap_err().field.as_deref(), Some("notes"));
        let bad = NewContact { name: "x".into(), email: Some("nope".into()), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("email"));
    }

    #[test]
    fn patches_distinguish_absent_from_null() {
        let p: ContactPatch = serde_json::from_str(r#"{"company_name": null, "notes": "Ask for Sam"}"#).unwrap();
        let (next, changed) = p.apply(&fields()).unwrap();
        assert_eq!(next.company_name, None);
        assert_eq!(next.phone_number.as_deref(), Some("+14155550100"), "absent: unchanged");
        assert_eq!(next.notes.as_deref(), Some("Ask for Sam"));
        assert_eq!(changed, ["company_name", "notes"]);
        assert!(serde_json::from_str::<ContactPatch>(r#"{"nmae": "typo"}"#).is_err());
        let p: ContactPatch = serde_json::from_str(r#"{"name": "  "}"#).unwrap();
        assert_eq!(p.apply(&fields()).unwrap_err().field.as_deref(), Some("name"));
    }

    #[test]
    fn a_whole_form_replaces_every_field() {
        let form = NewContact { name: "Dr. Lee".into(), email: Some("lee@example.com".into()), ..Default::default() };
        let (next, changed) = ContactPatch::from(form).apply(&fields()).unwrap();
        assert_eq!((next.company_name, next.phone_number), (None, None), "left empty: cleared");
        assert_eq!(next.email.as_deref(), Some("lee@example.com"));
        assert_eq!(changed, ["company_name", "phone_number", "email"]);
    }
}
