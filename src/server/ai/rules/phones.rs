//! Phone numbers written inside free text.

use super::text::Fold;

/// A run of text that looks like a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneSpan {
    pub raw: String,
    pub digits: String,
    pub start: usize,
    pub end: usize,
}

/// Digit runs with phone punctuation (`+`, spaces, `-`, `.`, `(`, `)`)
/// holding at least 3 digits and not written as money, a time, a date or a
/// count ("$100", "3:30", "12/5", "for 4").
pub fn find_phone_spans(text: &str) -> Vec<PhoneSpan> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'+' || bytes[i] == b'(') && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit() || *b == b'(');
        let after_word =
            i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'$' | b'/' | b':' | b'.' | b','));
        if !starts || after_word {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_digit() {
                j += 1;
                end = j;
            } else if matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'+')
                && bytes.get(j + 1).is_some_and(|n| n.is_ascii_digit() || *n == b'(' || *n == b' ')
            {
                // Separators only continue a number if more digits follow soon.
                let lookahead = &bytes[j + 1..bytes.len().min(j + 3)];
                if lookahead.iter().any(u8::is_ascii_digit) {
                    j += 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let raw = text[start..end].trim().to_owned();
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let next = &text[end..];
        let money_or_unit = next.trim_start().starts_with(['%', '$', '€'])
            || [
                "dollar", "buck", "euro", "pound", "people", "person", "guest", "minute", "hour", "day", "am", "pm", "st ",
                "nd ", "rd ", "th ",
            ]
            .iter()
            .any(|w| next.trim_start().folded().starts_with(w))
            || next.starts_with(':');
        if digits.len() >= 3 && !money_or_unit {
            spans.push(PhoneSpan { raw, digits, start, end });
        }
        i = end.max(i + 1);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raws(text: &str) -> Vec<String> {
        find_phone_spans(text).into_iter().map(|s| s.raw).collect()
    }

    #[test]
    fn finds_numbers_in_prose() {
        assert_eq!(raws("Call my dentist at 415-555-0199 and book"), ["415-555-0199"]);
        assert_eq!(raws("ring (415) 555-0100 now"), ["(415) 555-0100"]);
        assert_eq!(raws("try +44 20 7946 0958."), ["+44 20 7946 0958"]);
        assert_eq!(raws("call 415.555.0101"), ["415.555.0101"]);
        assert_eq!(raws("Call Pizza Hut at 555-1234"), ["555-1234"]);
        assert_eq!(raws("call 911"), ["911"]);
    }

    #[test]
    fn ignores_money_times_dates_and_counts() {
        assert!(raws("under $100 at 3:30 on 12/5 for 4 people, 250 dollars").is_empty());
        assert!(raws("a table for 6 at 7pm").is_empty());
    }
}
