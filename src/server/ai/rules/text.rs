//! Tokens with their byte offsets, and numbers written as digits or words.

/// `text` in lower case, byte for byte where `text` is: a character whose
/// lower-case form is longer or shorter in UTF-8 (the Kelvin sign, `İ`,
/// `ẞ`) or more than one character stays as it is. Every offset found in
/// the result is therefore an offset, on a character boundary, in `text`.
/// All readers of human text lower-case through this, never through
/// `str::to_lowercase`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => out.push(l),
            _ => out.push(c),
        }
    }
    out
}

/// [`fold`] as a method: `line.folded()`.
pub trait Fold {
    fn folded(&self) -> String;
}

impl Fold for str {
    fn folded(&self) -> String {
        fold(self)
    }
}

/// A word, a number or a symbol of lower-cased text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// Digits, possibly with `,` thousands separators, a decimal part or a
    /// trailing `k` (`1,500`, `45.99`, `2k`).
    Number,
    Symbol,
}

/// Splits lower-cased `text` into tokens. Apostrophes and hyphens inside
/// words stay part of them (`don't`, `check-up`).
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        if c.is_alphabetic() {
            let start = i;
            i += len;
            while i < text.len() {
                let d = text[i..].chars().next().unwrap_or(' ');
                let joins = (d == '\'' || d == '’' || d == '-')
                    && text[i + d.len_utf8()..].chars().next().is_some_and(|n| n.is_alphabetic());
                if d.is_alphanumeric() || joins {
                    i += d.len_utf8();
                } else {
                    break;
                }
            }
            tokens.push(Token { text: &text[start..i], start, end: i, kind: TokenKind::Word });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < text.len() {
                let b = bytes[i];
                let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if b.is_ascii_digit() || ((b == b',' || b == b'.') && next_is_digit) {
                    i += 1;
                } else {
                    break;
                }
            }
            // Ordinals stay whole: "5th", "3rd".
            let rest = &text[i..];
            if let Some(suffix) = ["st", "nd", "rd", "th"].iter().find(|s| rest.starts_with(**s))
                && !rest[suffix.len()..].chars().next().is_some_and(char::is_alphanumeric)
            {
                i += suffix.len();
            }
            // "2k" = 2000; but not "2kg" or the start of a word.
            if bytes.get(i) == Some(&b'k') && !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphanumeric()) {
                i += 1;
            }
            tokens.push(Token { text: &text[start..i], start, end: i, kind: TokenKind::Number });
        } else if c.is_whitespace() {
            i += len;
        } else {
            tokens.push(Token { text: &text[i..i + len], start: i, end: i + len, kind: TokenKind::Symbol });
            i += len;
        }
    }
    tokens
}

/// The value of a number token (`1,500` → 1500, `45.99`, `2k` → 2000).
pub fn number_value(token: &str) -> Option<f64> {
    let (digits, scale) = match token.strip_suffix('k') {
        Some(d) => (d, 1000.0),
        None => (token, 1.0),
    };
    let cleaned: String = digits.chars().filter(|c| *c != ',').collect();
    // "1,50" is not a thousands group; treat a lone comma group of <3 digits as invalid.
    if digits.split(',').skip(1).any(|g| g.len() != 3 && !g.contains('.')) {
        return None;
    }
    cleaned.parse::<f64>().ok().map(|v| v * scale)
}

/// A number word below a hundred ("seven", "fifteen", "forty"): the one
/// table every reader of number words uses.
pub fn word_value(word: &str) -> Option<f64> {
    Some(match word {
        "zero" => 0.0,
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "thirteen" => 13.0,
        "fourteen" => 14.0,
        "fifteen" => 15.0,
        "sixteen" => 16.0,
        "seventeen" => 17.0,
        "eighteen" => 18.0,
        "nineteen" => 19.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "seventy" => 70.0,
        "eighty" => 80.0,
        "ninety" => 90.0,
        _ => return None,
    })
}

/// A number written in words starting at `tokens[i]` ("a hundred", "two
/// hundred and fifty", "twenty-five", "one thousand five hundred"): its value
/// and how many tokens it spans.
pub fn number_words(tokens: &[Token<'_>], i: usize) -> Option<(f64, usize)> {
    let mut total = 0.0;
    let mut current = 0.0;
    let mut j = i;
    let mut seen = false;
    while j < tokens.len() && tokens[j].kind == TokenKind::Word {
        let w = tokens[j].text;
        if let Some((a, b)) = w.split_once('-') {
            match (word_value(a), word_value(b)) {
                (Some(x), Some(y)) if x >= 20.0 && y < 10.0 => {
                    current += x + y;
                    seen = true;
                    j += 1;
                    continue;
                }
                _ => break,
            }
        }
        if let Some(v) = word_value(w) {
            current += v;
            seen = true;
        } else if w == "hundred" && (seen || j > i) {
            current = if current == 0.0 { 100.0 } else { current * 100.0 };
            seen = true;
        } else if w == "thousand" && (seen || j > i) {
            total += if current == 0.0 { 1000.0 } else { current * 1000.0 };
            current = 0.0;
            seen = true;
        } else if (w == "a" || w == "one") && !seen && j == i {
            // "a hundred": only counts if a magnitude follows.
            if tokens.get(j + 1).is_some_and(|t| t.text == "hundred" || t.text == "thousand") {
                j += 1;
                continue;
            }
            break;
        } else if w == "and"
            && seen
            && tokens.get(j + 1).is_some_and(|t| word_value(t.text.split('-').next().unwrap_or("")).is_some())
        {
            // "two hundred and fifty"
        } else {
            break;
        }
        j += 1;
    }
    if seen { Some((total + current, j - i)) } else { None }
}

/// Whether `tokens[at..]` starts with the words of `phrase`.
pub fn starts_with(tokens: &[Token<'_>], at: usize, phrase: &[&str]) -> bool {
    phrase.iter().enumerate().all(|(k, w)| tokens.get(at + k).is_some_and(|t| t.text == *w))
}

/// Whether the words of `phrase` end right before `tokens[at]`.
pub fn ends_before(tokens: &[Token<'_>], at: usize, phrase: &[&str]) -> bool {
    at >= phrase.len() && starts_with(tokens, at - phrase.len(), phrase)
}

/// Whether `text` contains `word` as a whole word (lower-case input).
///
/// Called for every phrase the readers know on every utterance heard, so it
/// compares bytes where the first one matches instead of building a
/// substring searcher per phrase (which cost a quarter of the server's CPU
/// under load). A match of a whole UTF-8 `word` starts and ends on
/// character boundaries of `text`.
pub fn has_word(text: &str, word: &str) -> bool {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    // Nothing between two non-letters (or the ends) is the empty word.
    let Some(&first) = w.first() else {
        return text.char_indices().map(|(i, _)| i).chain([text.len()]).any(|i| whole_at(text, i, i));
    };
    w.len() <= t.len()
        && (0..=t.len() - w.len()).any(|i| t[i] == first && &t[i..i + w.len()] == w && whole_at(text, i, i + w.len()))
}

/// Whether `text[start..end]` stands alone: no letter or digit touches it.
fn whole_at(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Whether any of `words` occurs as a whole word or phrase.
///
/// A word that begins with a letter or digit can only match where a word of
/// `text` begins, so those places are found once and each phrase is
/// compared there alone (a line of twenty words has twenty places, not a
/// hundred bytes); a phrase that begins otherwise is searched for whole.
pub fn has_any(text: &str, words: &[&str]) -> bool {
    let t = text.as_bytes();
    let mut starts: Vec<usize> = Vec::with_capacity(32);
    let mut after_word = false;
    for (i, c) in text.char_indices() {
        let alnum = c.is_alphanumeric();
        if alnum && !after_word {
            starts.push(i);
        }
        after_word = alnum;
    }
    words.iter().any(|w| {
        if !w.chars().next().is_some_and(char::is_alphanumeric) {
            return has_word(text, w);
        }
        let w = w.as_bytes();
        starts.iter().any(|&i| t.len() - i >= w.len() && &t[i..i + w.len()] == w && whole_at(text, i, i + w.len()))
    })
}

/// `text` (lower-case words) as said to the business it is about: "their
/// hours" becomes "your hours", "if they're open" "if you're open".
pub fn said_to_them(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let core = w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\'');
            let said = match core {
                "they" | "them" => "you",
                "their" => "your",
                "theirs" => "yours",
                "they're" => "you're",
                "they've" => "you've",
                "they'll" => "you'll",
                "themselves" => "yourselves",
                _ => return w.to_owned(),
            };
            format!("{said}{}", &w[core.len()..])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Upper-cases the first letter.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// `amount` as people write it: `$100`, `$45.99`, `€1,500`.
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `has_word` the plain way: every place it occurs, its neighbours
    /// checked. Occurrences may overlap ("--" stands alone at the second
    /// dash of "a---." only), so every place is tried: `match_indices`
    /// skips overlapping ones, and as this test's oracle it once failed a
    /// CI run by saying "no" where `has_any` rightly said "yes".
    fn has_word_by_search(text: &str, word: &str) -> bool {
        let places = text.char_indices().map(|(i, _)| i).chain([text.len()]);
        places.filter(|&i| text[i..].starts_with(word)).any(|i| {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn has_word_finds_exactly_the_whole_words(
            text in "([a-c ]|é|ü|日|\\.|ab|ca){0,24}",
            word in "([a-c ]|é|ü|日|ab){0,4}",
            noise in ".{0,12}",
        ) {
            prop_assert_eq!(has_word(&text, &word), has_word_by_search(&text, &word), "{:?} in {:?}", word, text);
            let mixed = format!("{noise}{text}{noise}");
            prop_assert_eq!(has_word(&mixed, &word), has_word_by_search(&mixed, &word), "{:?} in {:?}", word, mixed);
        }

        #[test]
        fn has_any_finds_exactly_what_each_word_would(
            text in "([a-c ]|é|ü|日|\\.|'|-|ab|ca|1){0,24}",
            words in proptest::collection::vec("([a-c ]|é|日|'|-|ab|1){0,4}", 0..6),
            noise in ".{0,12}",
        ) {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            for text in [text.clone(), format!("{noise}{text}{noise}")] {
                let one_by_one = words.iter().any(|w| has_word_by_search(&text, w));
                prop_assert_eq!(has_any(&text, &words), one_by_one, "{:?} in {:?}", words, text);
            }
        }
    }

    #[test]
    fn whole_words_only() {
        for (text, word, expected) in [
            ("we can do eighty", "eighty", true),
            ("eighty-five", "eighty", true),
            ("seventy", "seven", false),
            ("it's $85, okay", "okay", true),
            ("käse ok", "se", false),
            ("日本 ok", "ok", true),
            ("ok日", "ok", false),
            ("", "ok", false),
            ("o", "ok", false),
            // Overlapping places: only the second "--" is clear of the "a".
            ("a---.", "--", true),
            ("a--", "--", false),
        ] {
            assert_eq!(has_word(text, word), expected, "{word:?} in {text:?}");
            assert_eq!(has_any(text, &[word]), expected, "{word:?} in {text:?}");
        }
    }

    #[test]
    fn folding_keeps_every_offset() {
        for text in ["Call \u{212A}\u{212A} at 415", "İyi günler. The repair is €50.", "STRAẞE Σίσυφος ǅ", "ABC def"]
        {
            let folded = fold(text);
            assert_eq!(folded.len(), text.len(), "{text}");
            assert!(folded.char_indices().all(|(i, _)| text.is_char_boundary(i)), "{text}");
        }
        assert_eq!(fold("Call ME at FIVE"), "call me at five");
    }

    proptest::proptest! {
        #[test]
        fn folding_any_text_keeps_its_length_and_boundaries(text in "\\PC{0,200}") {
            let folded = fold(&text);
            proptest::prop_assert_eq!(folded.len(), text.len());
            proptest::prop_assert!(folded.char_indices().all(|(i, _)| text.is_char_boundary(i)));
        }
    }

    fn words(s: &str) -> Vec<&str> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn tokenizes_words_numbers_and_symbols() {
        assert_eq!(words("don't pay $1,500/month"), ["don't", "pay", "$", "1,500", "/", "month"]);
        assert_eq!(words("a check-up at 3:30"), ["a", "check-up", "at", "3", ":", "30"]);
        assert_eq!(words("$2k max"), ["$", "2k", "max"]);
        assert_eq!(words("45.99."), ["45.99", "."]);
        assert_eq!(words("the 3rd of may"), ["the", "3rd", "of", "may"]);
    }

    #[test]
    fn reads_numbers() {
        assert_eq!(number_value("1,500"), Some(1500.0));
        assert_eq!(number_value("45.99"), Some(45.99));
        assert_eq!(number_value("2k"), Some(2000.0));
        let t = tokenize("a hundred bucks");
        assert_eq!(number_words(&t, 0), Some((100.0, 2)));
        let t = tokenize("two hundred and fifty dollars");
        assert_eq!(number_words(&t, 0), Some((250.0, 4)));
        let t = tokenize("twenty-five euros");
        assert_eq!(number_words(&t, 0), Some((25.0, 1)));
        let t = tokenize("one thousand five hundred");
        assert_eq!(number_words(&t, 0), Some((1500.0, 4)));
        let t = tokenize("a table");
        assert_eq!(number_words(&t, 0), None);
    }
}
