//! Search results across a user's calls, and how the words searched for
//! are shown in what was found.

use super::enums::{DataType, HitKind, Speaker};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest search text taken.
pub const MAX_QUERY_CHARS: usize = 200;
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
/// Text longer than this is shown around its first match.
const SNIPPET_CHARS: usize = 240;

/// One place the searched words were found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: HitKind,
    pub call_session_id: Uuid,
    pub call_task_id: Uuid,
    pub task_title: String,
    /// The line found (`line` hits): the call page shows it at `#segment-<id>`.
    pub segment_id: Option<Uuid>,
    pub speaker: Option<Speaker>,
    /// The kind of fact found (`fact` hits).
    pub data_type: Option<DataType>,
    /// What was found, in parts; `matched` parts are searched words.
    pub parts: Vec<HitPart>,
    pub call_started_at: DateTime<Utc>,
    /// How many of the searched words it holds (results come most first).
    pub score: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HitPart {
    pub text: String,
    pub matched: bool,
}

/// The lower-case words of a search (runs of letters and digits).
pub fn query_words(query: &str) -> Vec<String> {
    query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// `text` in parts, each word that begins with a searched word marked
/// (a searched word shorter than `shortest` marks that whole word only,
/// as the index finds it); long text is cut to the part around its first
/// match. The parts put together are the text shown, whatever the text.
pub fn highlight(text: &str, words: &[String], shortest: usize) -> Vec<HitPart> {
    let matches = |word: &str| {
        let lower = word.to_lowercase();
        words.iter().any(|q| if q.chars().count() < shortest { lower == *q } else { lower.starts_with(q.as_str()) })
    };
    // Byte ranges of the matched words, on `text`'s own character boundaries.
    let mut marked: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_alphanumeric() && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if matches(&text[s..i]) {
                    marked.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    let (from, to) = window(text, marked.first().map_or(0, |m| m.0));
    let mut parts = Vec::new();
    let mut push = |text: &str, matched: bool| {
        if !text.is_empty() {
            parts.push(HitPart { text: text.to_owned(), matched });
        }
    };
    if from > 0 {
        push("…", false);
    }
    let mut at = from;
    for &(s, e) in marked.iter().filter(|(s, e)| *s >= from && *e <= to) {
        push(&text[at..s], false);
        push(&text[s..e], true);
        at = e;
    }
    push(&text[at..to], false);
    if to < text.len() {
        push("…", false);
    }
    parts
}

/// The byte range of `text` shown: all of it when short, else about
/// [`SNIPPET_CHARS`] characters from a little before `first_match`.
fn window(text: &str, first_match: usize) -> (usize, usize) {
    if text.chars().count() <= SNIPPET_CHARS {
        return (0, text.len());
    }
    let before: Vec<usize> = text[..first_match].char_indices().map(|(i, _)| i).collect();
    let from = before.len().checked_sub(SNIPPET_CHARS / 4).map_or(0, |k| before[k]);
    let to = text[from..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| from + i);
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shown(parts: &[HitPart]) -> (String, Vec<String>) {
        let text = parts.iter().map(|p| p.text.as_str()).collect();
        (text, parts.iter().filter(|p| p.matched).map(|p| p.text.clone()).collect())
    }

    #[test]
    fn words_beginning_with_a_searched_word_are_marked() {
        let words = query_words("Clean TUES, dc");
        let (text, marked) = shown(&highlight("A cleaning on Tuesday at 2:30, reference DC-4471.", &words, 3));
        assert_eq!(text, "A cleaning on Tuesday at 2:30, reference DC-4471.");
        assert_eq!(marked, ["cleaning", "Tuesday", "DC"]);
        // Short searched words mark whole words only.
        let (_, marked) = shown(&highlight("Do it on Monday", &query_words("on"), 3));
        assert_eq!(marked, ["on"]);
        let (_, marked) = shown(&highlight("İyi günler, Straße ẞ", &query_words("GÜN straße"), 3));
        assert_eq!(marked, ["günler", "Straße"]);
    }

    #[test]
    fn long_text_is_shown_around_its_first_match() {
        let text = format!("{} the price is $85 {}", "blah ".repeat(200), "more ".repeat(200));
        let parts = highlight(&text, &query_words("price"), 3);
        let (shown_text, marked) = shown(&parts);
        assert_eq!(marked, ["price"]);
        assert!(shown_text.starts_with('…') && shown_text.ends_with('…'), "{shown_text}");
        assert!(shown_text.chars().count() <= SNIPPET_CHARS + 2);
    }

    proptest! {
        #[test]
        fn any_text_and_query_make_parts_of_the_text(text in "\\PC{0,600}", query in "\\PC{0,40}") {
            let parts = highlight(&text, &query_words(&query), 3);
            let (joined, _) = shown(&parts);
            let plain = joined.trim_start_matches('…').trim_end_matches('…');
            prop_assert!(text.contains(plain), "{plain:?} not in {text:?}");
            if text.chars().count() <= SNIPPET_CHARS {
                prop_assert_eq!(joined, text);
            }
        }
    }
}
