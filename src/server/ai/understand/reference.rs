//! References the other side gives: confirmation, booking, order, job and
//! ticket numbers, as written ("DC-4821", "ZK-88", "71-B") or as spelled out
//! on the phone ("K as in kilo, 5, 5, 1", "G dash 58", "alpha bravo 7 7 2",
//! "X-ray 9 double 4").

use crate::server::ai::rules::text::Fold;

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
    "cancellation",
    "request",
    "id",
    "po",
    "quote",
    "sheet",
    "slip",
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
    "that",
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
    let mut out = Vec::new();
    for raw in text.replace('#', " # ").split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '"' | '(' | ')')) {
        let w = raw.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | '\'' | '’')).folded();
        if !w.is_empty() {
            out.push(w);
        }
        // The end of a sentence ends what is being read out ("9 2 1. Nine two one.").
        if raw.ends_with(['.', '!', '?']) && !raw.ends_with("a.m.") && !raw.ends_with("p.m.") {
            out.push(".".to_owned());
        }
    }
    out
}

/// "double-seven-two-x", "one-oh-four": a reference said in one run of
/// words joined by dashes, as its characters.
fn joined_run(w: &str) -> Option<String> {
    if !w.contains('-') {
        return None;
    }
    let mut out = String::new();
    let mut times = 1;
    for part in w.split('-') {
        match part {
            "double" => times = 2,
            "triple" => times = 3,
            _ => {
                let c = digit_word(part).or_else(|| {
                    (part.len() == 1 && part.chars().all(|c| c.is_ascii_alphanumeric()))
                        .then(|| part.chars().next().expect("one").to_ascii_uppercase())
                })?;
                (0..times).for_each(|_| out.push(c));
                times = 1;
            }
        }
    }
    Some(out)
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
            // The word after "in" may never have come (the line was cut off).
            i = (i + 3).min(words.len());
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
        } else if w == "o"
            && [words.get(i + 1), i.checked_sub(1).and_then(|p| words.get(p))]
                .iter()
                .flatten()
                .any(|n| n.len() == 1 && n.chars().all(|c| c.is_ascii_alphabetic()) && n.as_str() != "o")
        {
            // "O R dash 6 6 0 3": a letter among letters.
            out.push('O');
        } else if let Some(d) = digit_word(w) {
            (0..times).for_each(|_| out.push(d));
        } else if let Some(run) = joined_run(w) {
            // "one-oh-four", "double-seven-two-x"
            spelled |= run.chars().count() >= 3;
            out.push_str(&run);
        } else if w.len() == 1 && w.chars().all(|c| c.is_ascii_alphanumeric()) {
            let c = w.chars().next().expect("one char").to_ascii_uppercase();
            (0..times).for_each(|_| out.push(c));
        } else if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && w.chars().any(|c| c.is_ascii_digit()) {
            // Written: "dc-4821", "71-b", "4521", "qf7z2". What follows a
            // written reference is the next thing said ("LX-412, nine a.m."),
            // and one read out is not written again after it ("Z 3 0 8 6. Z3086").
            if out.chars().any(|c| c.is_ascii_digit()) {
                break;
            }
            out.push_str(&w.to_ascii_uppercase());
            if !matches!(words.get(i + 1).map(String::as_str), Some("dash" | "hyphen" | "double" | "triple")) {
                break;
            }
        } else if (2..=3).contains(&w.len())
            && w.chars().all(|c| c.is_ascii_alphabetic())
            && out.is_empty()
            && matches!(words.get(i + 1).map(String::as_str), Some("dash" | "hyphen"))
        {
            // "HT dash 2291"
            out.push_str(&w.to_ascii_uppercase());
        } else if w == "november" && words.get(i + 1).is_some_and(|n| is_day_number(n)) {
            // "November 30th" is a date.
            break;
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
    let singles = words[at..i].iter().filter(|w| w.len() == 1).count();
    let letters = out.chars().filter(char::is_ascii_alphabetic).count();
    // "W O 5 5 1 9": letters and digits read one by one.
    spelled |= singles >= 4 && letters >= 1;
    let digits = out.chars().filter(char::is_ascii_digit).count();
    (digits >= 1 && out.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 3).then_some((out, spelled))
}

/// "30th", "3", "21st": a day of the month.
fn is_day_number(w: &str) -> bool {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
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
    find_all(text).into_iter().next()
}

/// Every reference `text` gives, in order ("71-B... sorry, it's 7 1 0 B":
/// the last one is the correction).
pub fn find_all(text: &str) -> Vec<String> {
    let words = words(text);
    let mut found: Vec<(usize, String)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_end_matches("'s");
        if !(KEYS.contains(&w) || (UNDER.contains(&w) && i > 0)) {
            continue;
        }
        let mut j = i + 1;
        while j < words.len() && j - i <= 4 && BETWEEN.contains(&words[j].trim_end_matches("'s")) {
            j += 1;
        }
        // "Reference for the change is CW-40918": a written reference a
        // few words on.
        let written = |k: usize| {
            words.get(k).is_some_and(|w| {
                w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(|c| c.is_ascii_alphabetic() || c == '-') && w.len() >= 4
            })
        };
        if read_at(&words, j).is_none()
            && let Some(k) = (j..(i + 7).min(words.len())).find(|k| written(*k))
        {
            j = k;
        }
        if let Some((reference, _)) = read_at(&words, j)
            && !found.iter().any(|(at, _)| *at == j)
        {
            found.push((j, reference));
        }
    }
    // "71-B... sorry, it's 7 1 0 B": a correction of one just given.
    if let Some(first) = found.first().map(|(at, _)| *at) {
        for c in (first + 1)..words.len() {
            if !matches!(words[c].as_str(), "sorry" | "actually" | "mean" | "correction" | "mistake" | "rather") {
                continue;
            }
            // The corrected one: read out within the next few words.
            let before = found.last().map(|(_, r)| r.clone()).unwrap_or_default();
            let similar = |r: &str| r.len().abs_diff(before.len()) <= 1 && r.chars().next() == before.chars().next();
            if let Some((j, reference)) = ((c + 1)..(c + 12).min(words.len()))
                .filter_map(|j| read_at(&words, j).map(|(r, _)| (j, r)))
                .find(|(_, r)| similar(r) && *r != before)
                && !found.iter().any(|(at, _)| *at == j)
            {
                found.push((j, reference));
            }
        }
    }
    let mut i = 0;
    while i < words.len() {
        match read_at(&words, i).filter(|(_, spelled)| *spelled) {
            Some((reference, _)) if !found.iter().any(|(_, r)| r.contains(&reference) || reference.contains(r.as_str())) => {
                found.push((i, reference));
                i += 1;
            }
            _ => i += 1,
        }
    }
    // A reference that merely spells again one found after a key word is the same reference.
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, r)| r).collect()
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
            ("Okay, you're under LX-412, nine a.m. with Carla.", "LX-412"),
            ("Alright, cancelled. Cancellation number is 55190, write that down.", "55190"),
            ("Reference for the change is CW-40918.", "CW-40918"),
            ("Your job's T dash one-oh-four.", "T-104"),
            ("Your request ID is TB-77031.", "TB-77031"),
            ("Booked in. Job sheet number is 20117.", "20117"),
            ("Your order's double-seven-two-X, so seven, seven, two, X.", "772X"),
            ("Your case number's 55109.", "55109"),
            ("The booking ref is HT dash 2291.", "HT-2291"),
            ("The pickup slip is number double-four-nine-one. Four, four, nine, one.", "4491"),
            ("The work order stays the same, W O 5 5 1 9.", "WO5519"),
            ("I'll give you a quote number, good for 60 days: O R dash 6 6 0 3.", "OR-6603"),
        ] {
            assert_eq!(find(text).as_deref(), Some(reference), "{text}");
        }
        // Corrected: the last one said counts.
        for (text, last) in [
            ("Your ticket is 71-B... sorry, it's 7 1 0 B actually, I missed a digit.", "710B"),
            ("Your cancellation ref is C 4 4 7 1. Wait, sorry, no, I read that backwards. It's C 4 4 1 7.", "C4417"),
            ("The reference for that is C X 1 1 2. No, sorry, C X 1 2 1.", "CX121"),
            ("Sorry, K K 9 2 1. Nine two one.", "KK921"),
            ("Sorry, no, that was the old booking. It's Z 3 0 8 6. Z3086.", "Z3086"),
        ] {
            let all = super::find_all(text);
            assert_eq!(all.last().map(String::as_str), Some(last), "{text}: {all:?}");
        }
    }

    /// Spelling cut off after "as in" (the line ends, or the caller is
    /// interrupted): what was read so far stands, and nothing panics (the
    /// reader once stepped past the last word).
    #[test]
    fn spelling_cut_off_after_as_in() {
        for (text, reference) in [
            ("Your confirmation is K 4 8 as in", Some("K48")),
            ("Confirmation number is 4 B as in", None),
            ("Your booking number is 7 7 G for", Some("77G")),
            ("confirmation k as in", None),
        ] {
            assert_eq!(find(text).as_deref(), reference, "{text}");
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
            "Sure, Mark Delgado... yes, Monday November 30th at 11 a.m. with Tom.",
            "Your order will be ready at 5:30.",
            "Visiting charge is 300 rupees, and for each fan the work will be 450.",
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
