//! Text placed in markup the server writes itself: TwiML for the network,
//! and the HTML of the pages rendered without the browser bundle.

/// Escapes text for an XML or HTML element or quoted attribute: nothing in
/// it can end the attribute, open a tag or start an entity of its own.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;
    use proptest::prelude::*;

    /// The inverse, for the five entities `escape` writes.
    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
    }

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(escape(r#"<a href="x">Tom & Jerry's</a>"#), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
        assert_eq!(escape("&amp;"), "&amp;amp;", "an entity in the text stays text");
        assert_eq!(escape("Café – 10 €"), "Café – 10 €");
        assert_eq!(escape(""), "");
    }

    proptest! {
        #[test]
        fn escaped_text_holds_no_markup_and_reads_back(text in any::<String>()) {
            let escaped = escape(&text);
            prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
            for (i, _) in escaped.match_indices('&') {
                let rest = &escaped[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| rest.starts_with(e)));
            }
            prop_assert_eq!(unescape(&escaped), text);
        }
    }
}
