//! Phone numbers in E.164 form (`+14155550199`). Only the server parses
//! written forms (with libphonenumber's metadata); this type carries the
//! result, so holding one means the number was validated.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct E164(String);

impl E164 {
    /// Wraps an already-normalised number. Callers outside the server's
    /// parser must only pass values that came from it (e.g. the database).
    pub fn from_normalised(s: String) -> E164 {
        E164(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number grouped for reading: `+1 415-555-0199` for North America,
    /// otherwise the E.164 digits as they are.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+1") {
            Some(d) if d.len() == 10 => format!("+1 {}-{}-{}", &d[..3], &d[3..6], &d[6..]),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn displays_north_american_numbers_grouped() {
        assert_eq!(super::E164::from_normalised("+14155550199".into()).display(), "+1 415-555-0199");
        assert_eq!(super::E164::from_normalised("+442079460958".into()).display(), "+442079460958");
    }
}
