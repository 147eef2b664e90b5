//! The shared looks: component classes defined in `style/tailwind.css` (one
//! short class per element instead of the same long utility list on every
//! button: smaller pages to send and render, and a smaller browser bundle),
//! and how stored values read on a page.

pub const INPUT: &str = "cw-input";
pub const BUTTON: &str = "cw-button";
pub const SECONDARY: &str = "cw-secondary";
pub const DANGER: &str = "cw-danger";
pub const CARD: &str = "cw-card";
pub const LINK: &str = "cw-link";
pub const ALERT: &str = "cw-alert";
pub const MUTED: &str = "cw-muted";

/// Snake-case values as words: "ready_to_call" → "Ready to call".
pub fn words(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn snake_case_values_read_as_words() {
        assert_eq!(words("ready_to_call"), "Ready to call");
        assert_eq!(words("no_answer"), "No answer");
        assert_eq!(words(""), "");
    }
}
