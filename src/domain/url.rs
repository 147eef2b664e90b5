//! Percent-encoding (RFC 3986) for the links the app writes itself.

/// `text` with every byte percent-encoded except the unreserved ones
/// (letters, digits, `-_.~`) and the characters in `keep`.
pub fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (b.is_ascii() && keep.contains(b as char)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn only_unreserved_and_kept_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a b/c?d=é", ""), "a%20b%2Fc%3Fd%3D%C3%A9");
        assert_eq!(percent_encode("/tasks?x", "/"), "/tasks%3Fx");
        assert_eq!(percent_encode("BEGIN:V\r\n", ":@"), "BEGIN:V%0D%0A");
    }
}
