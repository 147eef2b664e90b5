//! References the other side gives: confirmation, booking, order, job and
//! ticket numbers, as written ("DC-4821", "ZK-88", "71-B") or as spelled out
//! on the phone ("K as in kilo, 5, 5, 1", "G dash 58", "alpha bravo 7 7 2",
//! "X-ray 9 double 4").

/// Words that announce a reference, and the words that may sit between
/// them and it ("your confirmation number is ...").
const KEYS: &[&str] = &[
    "confirmation",
    "reference",
    "ref",
    "booking",
    "reservation",
    "order",
    "ticket",
    "case",
    "claim",
    "conf",
    "job",
    "tracking",
    "appointment",
    "invoice",
    "locator",
    "code",
    "#",
];
const BETWEEN: &[&str] = &[
    "number",
    "no",
    "#",
    "is",
    "will",
    "be",
    "it's",
    "its",
    "the",
    "code",
    "id",
    "your",
    "that's",
    "thats",
    "as",
    "of",
    "for",
    "you",
    "it",
    "reference",
];
/// "You're under ZK-88", "it's booked under 71-B".
const UNDER: &[&str] = &["under"];

/// The letter a spelling word stands for (NATO words and the names people
/// use on the phone).
fn phonetic(word: &str) -> Option<char> {
    Some(match word {
        "alpha" | "alfa" | "apple" | "adam" => 'A',
        "bravo" | "boy" | "bob" | "bravo's" => 'B',
        "charlie" | "cat" => 'C',
        "delta" | "david" | "dog" => 'D',
        "echo" | "edward" => 'E',
        "foxtrot" | "frank" | "fox" => 'F',
        "golf" | "george" => 'G',
        "hotel" | "henry" | "harry" => 'H',
        "india" | "ida" => 'I',
        "juliet" | "juliett" | "john" => 'J',
        "kilo" | "king" => 'K',
        "lima" | "lincoln" | "larry" => 'L',
        "mike" | "mary" => 'M',
        "november" | "nancy" | "nora" => 'N',
        "oscar" | "ocean" => 'O',
        "papa" | "peter" | "paul" => 'P',
        "quebec" | "queen" => 'Q',
        "romeo" | "robert" | "roger" => 'R',
        "sierra" | "sam" | "sugar" => 'S',
        "tango" | "tom" | "thomas" => 'T',
        "uniform" | "uncle" => 'U',
        "victor" | "victoria" => 'V',
        "whiskey" | "whisky" | "william" => 'W',
        "x-ray" | "xray" | "x" => 'X',
        "yankee" | "yellow" => 'Y',
        "zulu" | "zebra" => 'Z',
        _ => return None,
    })
}

fn digit_word(word: &str) -> Option<char> {
    Some(match word {
        "zero" | "oh" | "o" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        _ => return None,
    })
}

/// Spoken words split out of `text`, lower-case, with dashes inside
/// written references kept ("zk-88").
fn words(text: &str) -> Vec<String> {
    text.replace('#', " # ")
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '"' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | '\'' | '’')).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Reads a reference starting at `words[at]`: written ("dc-4821") or
/// spelled (letters, digits, "as in" words, "double", "dash"). `None` when
/// what is there has no digit or is too short to be a reference.
fn read_at(words: &[String], at: usize) -> Option<(String, bool)> {
    let mut out = String::new();
    let mut i = at;
    let mut double = false;
    // Said the way only references are: "as in", "dash", "double", spelling words.
    let mut spelled = false;
    while let Some(w) = words.get(i) {
        let w = w.as_str();
        // "K as in kilo", "K for kilo", "K like kilo": the letter was said already.
        if matches!(w, "as" | "for" | "like") && words.get(i + 1).is_some_and(|n| n == "in") && !out.is_empty() {
            spelled = true;
            i += 3;
            continue;
        }
        if matches!(w, "for" | "like") && words.get(i + 1).is_some_and(|n| phonetic(n).is_some()) && !out.is_empty() {
            spelled = true;
            i += 2;
            continue;
        }
        if matches!(w, "double" | "triple") && !out.is_empty() {
            double = true;
            spelled = true;
            i += 1;
            continue;
        }
        let times = if double { if words[i - 1] == "triple" { 3 } else { 2 } } else { 1 };
        double = false;
        if matches!(w, "dash" | "hyphen" | "-") && !out.is_empty() {
            spelled = true;
            out.push('-');
        } else if let Some(d) = digit_word(w) {
            (0..times).for_each(|_| out.push(d));
        } else if w.len() == 1 && w.chars().all(|c| c.is_ascii_alphanumeric()) {
            let c = w.chars().next().expect("one char").to_ascii_uppercase();
            (0..times).for_each(|_| out.push(c));
        } else if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && w.chars().any(|c| c.is_ascii_digit()) {
            // Written: "dc-4821", "71-b", "4521", "qf7z2".
            out.push_str(&w.to_ascii_uppercase());
        } else if let Some(letter) = phonetic(w).filter(|_| w.len() > 1 && is_spelling_word(w)) {
            // A spelling word alone stands for its letter ("alpha bravo 7").
            spelled = true;
            out.push(letter);
        } else {
            break;
        }
        i += 1;
    }
    let out = out.trim_matches('-').to_owned();
    let digits = out.chars().filter(char::is_ascii_digit).count();
    (digits >= 1 && out.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 3).then_some((out, spelled))
}

/// The NATO spelling words, which say a letter on their own (people's
/// names do only after "as in").
fn is_spelling_word(w: &str) -> bool {
    matches!(
        w,
        "alpha"
            | "alfa"
            | "bravo"
            | "charlie"
            | "delta"
            | "echo"
            | "foxtrot"
            | "golf"
            | "hotel"
            | "india"
            | "juliet"
            | "juliett"
            | "kilo"
            | "lima"
            | "mike"
            | "november"
            | "oscar"
            | "papa"
            | "quebec"
            | "romeo"
            | "sierra"
            | "tango"
            | "uniform"
            | "victor"
            | "whiskey"
            | "whisky"
            | "x-ray"
            | "xray"
            | "yankee"
            | "zulu"
    )
}

/// The reference `text` gives, if any: after a word that announces one
/// ("confirmation number is ...", "you're under ...", "#"), or spelled out
/// the way only references are ("G dash 58", "T as in Tom, 9, 0, 1").
pub fn find(text: &str) -> Option<String> {
    let words = words(text);
    for (i, w) in words.iter().enumerate() {
        if !(KEYS.contains(&w.as_str()) || (UNDER.contains(&w.as_str()) && i > 0)) {
            continue;
        }
        let mut j = i + 1;
        while j < words.len() && j - i <= 4 && BETWEEN.contains(&words[j].as_str()) {
            j += 1;
        }
        if let Some((found, _)) = read_at(&words, j) {
            return Some(found);
        }
    }
    (0..words.len()).find_map(|i| read_at(&words, i).filter(|(_, spelled)| *spelled).map(|(found, _)| found))
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn references_as_written_and_as_spelled() {
        for (text, reference) in [
            ("Your confirmation number is K as in kilo, 5, 5, 1.", "K551"),
            ("That's G dash 58.", "G-58"),
            ("Booking reference G dash five eight.", "G-58"),
            ("You're under ZK-88.", "ZK-88"),
            ("Okay, your ticket is 71-B.", "71-B"),
            ("Perfect, your confirmation number is DC-4821. Please arrive early.", "DC-4821"),
            ("Your reference is alpha bravo 7 7 2.", "AB772"),
            ("Order number X-ray 9 double 4.", "X944"),
            ("Thanks! Your order number is 4521.", "4521"),
            ("Your booking reference: QF7Z2", "QF7Z2"),
            ("Job number PL-3310, we'll see you Saturday.", "PL-3310"),
            ("It's #A1234.", "A1234"),
            ("Confirmation code is B for bravo, 4, 0, 9, T as in Tom.", "B409T"),
        ] {
            assert_eq!(find(text).as_deref(), Some(reference), "{text}");
        }
    }

    #[test]
    fn no_reference_where_none_was_given() {
        for text in [
            "We'll confirm by email.",
            "The order will be ready in 40 minutes.",
            "Under the sink, probably.",
            "Your appointment is on Friday.",
            "Booking for two at seven.",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "\\PC{0,300}") {
            let _ = find(&text);
        }
    }
}
