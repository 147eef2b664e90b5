//! Parsing written phone numbers into E.164, with the user's default region
//! for numbers written without a country code.

use crate::domain::error::ApiError;
use crate::domain::phone::E164;
use phonenumber::{Mode, country};

/// Whether `region` (e.g. `US`, `GB`) is a region libphonenumber knows.
pub fn is_known_region(region: &str) -> bool {
    region.parse::<country::Id>().is_ok()
}

/// Parses `raw` as a phone number; `field` names the input in errors.
pub fn parse(field: &str, raw: &str, region: &str) -> Result<E164, ApiError> {
    let text = raw.trim();
    let refuse = |why: String| ApiError::validation(field, why);
    if text.is_empty() {
        return Err(refuse(format!("{field} is empty")));
    }
    if text.chars().any(|c| c.is_alphabetic()) {
        return Err(refuse(format!("`{text}` contains letters; write the number with digits only, like (415) 555-0199")));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_digit() || " +-().\u{a0}/".contains(*c))) {
        return Err(refuse(format!("`{text}` contains `{bad}`, which does not belong in a phone number")));
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits < 7 {
        return Err(refuse(format!("`{text}` is too short to be a phone number")));
    }
    if digits > 15 {
        return Err(refuse(format!("`{text}` is too long to be a phone number")));
    }
    let region_id = region.parse::<country::Id>().ok();
    // "00" is the international prefix in most of the world; read it as "+".
    let text = match text.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => text.to_owned(),
    };
    let international = text.starts_with('+');
    let number = phonenumber::parse(if international { None } else { region_id }, &text)
        .map_err(|_| refuse(format!("`{text}` is not a phone number we can read")))?;
    if !phonenumber::is_valid(&number) {
        let hint = if !international && digits == 7 {
            format!("`{text}` has no area code; write it with one, like (415) 555-0199")
        } else {
            format!("`{text}` is not a valid number in {}", region_name(&number, region))
        };
        return Err(refuse(hint));
    }
    Ok(E164::from_normalised(number.format().mode(Mode::E164).to_string()))
}

/// Whether the number is a premium-rate line (never called by the assistant).
pub fn is_premium_rate(number: &E164) -> bool {
    match phonenumber::parse(None, number.as_str()) {
        Ok(n) => n.number_type(&phonenumber::metadata::DATABASE) == phonenumber::Type::PremiumRate,
        Err(_) => false,
    }
}

fn region_name(number: &phonenumber::PhoneNumber, fallback: &str) -> String {
    number.country().id().map(|id| id.as_ref().to_owned()).unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_written_forms_are_normalised() {
        for (raw, want) in [
            ("(415) 555-0199", "+14155550199"),
            ("415.555.0199", "+14155550199"),
            ("415-555-0199", "+14155550199"),
            ("+1 415 555 0199", "+14155550199"),
            ("1-415-555-0199", "+14155550199"),
            ("+44 20 7946 0958", "+442079460958"),
            ("0044 20 7946 0958", "+442079460958"),
        ] {
            assert_eq!(parse("phone", raw, "US").unwrap().as_str(), want, "{raw}");
        }
        // The region decides how national numbers are read.
        assert_eq!(parse("phone", "020 7946 0958", "GB").unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn unusable_numbers_say_why() {
        let cases = [
            ("555-1234", "area code"),
            ("415-CALL-NOW", "letters"),
            ("12345", "too short"),
            ("415#555#0199", "does not belong"),
            ("+1 415 555 01999999999", "too long"),
        ];
        for (raw, why) in cases {
            let e = parse("target_phone_number", raw, "US").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("target_phone_number"));
            assert!(e.message.contains(why), "{raw}: {}", e.message);
        }
    }

    #[test]
    fn regions_are_checked() {
        assert!(is_known_region("US") && is_known_region("GB"));
        assert!(!is_known_region("XX") && !is_known_region("us"));
    }
}
