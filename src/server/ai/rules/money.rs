//! Amounts of money in text, and which of them the user meant as a limit.

use super::text::Fold;
use super::text::{Token, TokenKind, ends_before, number_value, number_words, starts_with, tokenize};

/// An amount of money found in text.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub value: f64,
    /// ISO 4217, when the text says (`$` is read as USD).
    pub currency: Option<&'static str>,
    /// Per period, e.g. `month` in "$1,500/month".
    pub per: Option<&'static str>,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// Token range.
    first: usize,
    last: usize,
    /// Written with a currency (symbol, code or word), not a bare number.
    explicit: bool,
}

fn symbol_currency(s: &str) -> Option<&'static str> {
    match s {
        "$" => Some("USD"),
        "€" => Some("EUR"),
        "£" => Some("GBP"),
        _ => None,
    }
}

fn word_currency(s: &str) -> Option<&'static str> {
    match s {
        "dollar" | "dollars" | "bucks" | "buck" | "usd" => Some("USD"),
        "euro" | "euros" | "eur" => Some("EUR"),
        "pound" | "pounds" | "quid" | "gbp" => Some("GBP"),
        _ => None,
    }
}

fn period(s: &str) -> Option<&'static str> {
    match s {
        "month" | "mo" | "monthly" => Some("month"),
        "year" | "yr" | "annually" | "yearly" => Some("year"),
        "week" | "wk" | "weekly" => Some("week"),
        "day" | "daily" => Some("day"),
        "night" | "nightly" => Some("night"),
        "hour" | "hr" | "hourly" => Some("hour"),
        "person" | "head" => Some("person"),
        _ => None,
    }
}

/// Every amount of money in `text` (lower-cased by the caller or not).
pub fn find_amounts(text: &str) -> Vec<Amount> {
    let lower = text.folded();
    let tokens = tokenize(&lower);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(amount) = amount_at(&tokens, i) {
            i = amount.last + 1;
            found.push(amount);
        } else {
            i += 1;
        }
    }
    found
}

/// The number starting at `tokens[i]` (digits or words): value and length.
fn number_at(tokens: &[Token<'_>], i: usize) -> Option<(f64, usize)> {
    let t = tokens.get(i)?;
    match t.kind {
        TokenKind::Number => number_value(t.text).map(|v| (v, 1)),
        TokenKind::Word => number_words(tokens, i),
        TokenKind::Symbol => None,
    }
}

fn amount_at(tokens: &[Token<'_>], i: usize) -> Option<Amount> {
    let t = &tokens[i];
    // "$100", "€ 80", "$2k"
    if let Some(currency) = symbol_currency(t.text) {
        let (value, len) = number_at(tokens, i + 1)?;
        return Some(finish(tokens, i, i + len, value, Some(currency), true));
    }
    // "usd 100"
    if let Some(currency) = word_currency(t.text).filter(|_| matches!(t.text, "usd" | "eur" | "gbp"))
        && let Some((value, len)) = number_at(tokens, i + 1)
    {
        return Some(finish(tokens, i, i + len, value, Some(currency), true));
    }
    let (value, len) = number_at(tokens, i)?;
    let after = i + len;
    // "100 dollars", "fifty bucks", "80€"
    if let Some(next) = tokens.get(after)
        && let Some(currency) = word_currency(next.text).or_else(|| symbol_currency(next.text))
    {
        return Some(finish(tokens, i, after, value, Some(currency), true));
    }
    // A bare number: only money when a budget word says so (checked by the caller).
    if tokens[i].kind == TokenKind::Number {
        return Some(finish(tokens, i, after - 1, value, None, false));
    }
    None
}

fn finish(tokens: &[Token<'_>], first: usize, last: usize, value: f64, currency: Option<&'static str>, explicit: bool) -> Amount {
    let mut last = last.min(tokens.len() - 1);
    // Per-period: "/month", "per month", "a month", "each night".
    let mut per = None;
    if let Some(next) = tokens.get(last + 1) {
        if matches!(next.text, "/" | "per" | "a" | "an" | "each") {
            if let Some(p) = tokens.get(last + 2).and_then(|t| period(t.text)) {
                per = Some(p);
                last += 2;
            }
        } else if let Some(p) =
            period(next.text).filter(|_| matches!(next.text, "monthly" | "yearly" | "weekly" | "nightly" | "hourly"))
        {
            per = Some(p);
            last += 1;
        }
    }
    Amount { value, currency, per, start: tokens[first].start, end: tokens[last].end, first, last, explicit }
}

/// Phrases that, right before an amount, make it an upper limit.
const LIMIT_BEFORE: &[&[&str]] = &[
    &["under"],
    &["below"],
    &["beneath"],
    &["less", "than"],
    &["no", "more", "than"],
    &["not", "more", "than"],
    &["nothing", "more", "than"],
    &["no", "higher", "than"],
    &["nothing", "above"],
    &["not", "above"],
    &["nothing", "over"],
    &["keep", "it", "below"],
    &["keep", "it", "under"],
    &["no", "pricier", "than"],
    &["not", "over"],
    &["no", "over"],
    &["up", "to"],
    &["at", "most"],
    &["max"],
    &["max", "of"],
    &["maximum"],
    &["maximum", "of"],
    &["a", "maximum", "of"],
    &["max", "price"],
    &["max", "price", "of"],
    &["maximum", "price", "of"],
    &["price", "limit", "of"],
    &["limit", "of"],
    &["limit", "is"],
    &["budget"],
    &["budget", "of"],
    &["budget", "is"],
    &["budget", "of", "about"],
    &["cap", "of"],
    &["capped", "at"],
    &["cap", "it", "at"],
    &["within"],
    &["not", "to", "exceed"],
    &["no", "pricier", "than"],
    &["cheaper", "than"],
    &["less", "than", "or", "equal", "to"],
];

/// Words after a bare number that make it a count, not money.
const UNIT_WORDS: &[&str] = &[
    "minutes", "minute", "mins", "hours", "hour", "days", "day", "weeks", "week", "people", "persons", "guests", "miles", "km",
    "years", "months", "pounds", "lbs", "kg", "items", "rooms", "nights", "seats", "stars", "percent", "%",
];

/// Budget words that make even a bare number money ("budget of 200").
const BUDGET_WORDS: &[&str] = &["budget", "price", "spend", "pay", "cost", "costs", "max", "maximum"];

/// Phrases right after an amount that make it a limit: "$200 max".
const LIMIT_AFTER: &[&[&str]] = &[
    &["max"],
    &["maximum"],
    &["tops"],
    &["at", "most"],
    &["or", "less"],
    &["or", "under"],
    &["or", "below"],
    &["limit"],
    &["budget"],
    &["ceiling"],
];

/// The negations that turn "more than $50" into a limit: "don't pay more than $50".
const NEGATIONS: &[&str] = &["don't", "dont", "do not", "won't", "not", "never", "no", "nothing", "without"];

/// The upper limit on price the text states, if any ("under $100", "no more
/// than 50 dollars", "$200 max", "budget of 200"). Amounts that are facts
/// ("dispute a $45.99 charge") are not limits.
pub fn find_limit(text: &str) -> Option<Amount> {
    let lower = text.folded();
    let tokens = tokenize(&lower);
    let amounts = {
        let mut v = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            if let Some(a) = amount_at(&tokens, i) {
                i = a.last + 1;
                v.push(a);
            } else {
                i += 1;
            }
        }
        v
    };
    for a in amounts {
        let before_cue = LIMIT_BEFORE.iter().find(|p| ends_before(&tokens, a.first, p)).copied();
        let after_cue = LIMIT_AFTER.iter().any(|p| starts_with(&tokens, a.last + 1, p));
        let negated_more = ends_before(&tokens, a.first, &["more", "than"]) && {
            let from = a.first.saturating_sub(6);
            let window = &lower[tokens[from].start..tokens[a.first].start];
            NEGATIONS.iter().any(|n| super::text::has_word(window, n))
        };
        // "less than 3 days", "under 10 minutes": a bare number needs a budget word.
        // A rate ("80 a night") is money too.
        let money_like = a.explicit
            || a.per.is_some()
            || {
                let from = a.first.saturating_sub(4);
                tokens[from..a.first].iter().any(|t| BUDGET_WORDS.contains(&t.text))
            }
            || {
                // "nothing above 300", "keep it under 80": the limit words themselves say money,
                // unless a unit says otherwise ("under 10 minutes").
                LIMIT_BEFORE.iter().any(|p| p.len() >= 2 && ends_before(&tokens, a.first, p))
                    && !tokens.get(a.last + 1).is_some_and(|t| UNIT_WORDS.contains(&t.text))
            };
        // "a table for under 6 people": a unit after a bare number is not money.
        if !money_like {
            continue;
        }
        if before_cue.is_some() || after_cue || negated_more {
            return Some(a);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(text: &str) -> Option<(f64, Option<&'static str>, Option<&'static str>)> {
        find_limit(text).map(|a| (a.value, a.currency, a.per))
    }

    #[test]
    fn the_many_ways_to_say_a_limit() {
        let usd = Some("USD");
        type Case = (&'static str, (f64, Option<&'static str>, Option<&'static str>));
        let cases: &[Case] = &[
            ("book a cleaning next week under $100", (100.0, usd, None)),
            ("pay no more than 50 dollars", (50.0, usd, None)),
            ("get a room for up to €80 a night", (80.0, Some("EUR"), Some("night"))),
            ("a quote, $200 max", (200.0, usd, None)),
            ("we have a budget of $300", (300.0, usd, None)),
            ("budget of 200", (200.0, None, None)),
            ("not more than 90 bucks", (90.0, usd, None)),
            ("an apartment for less than $1,500/month", (1500.0, usd, Some("month"))),
            ("under fifty dollars please", (50.0, usd, None)),
            ("no more than a hundred bucks", (100.0, usd, None)),
            ("don't pay more than $75", (75.0, usd, None)),
            ("keep it to £40 or less", (40.0, Some("GBP"), None)),
            ("maximum of two hundred and fifty dollars", (250.0, usd, None)),
            ("fix the leak, max $250", (250.0, usd, None)),
            ("anything below $2k", (2000.0, usd, None)),
            ("at most 60 euros", (60.0, Some("EUR"), None)),
            ("$120 tops", (120.0, usd, None)),
            // Plain numbers, said the ordinary way.
            ("book a hotel room, keep it below 80 a night", (80.0, None, Some("night"))),
            ("get the roof fixed, nothing above 300", (300.0, None, None)),
            ("a quote for the fence, keep it under 250", (250.0, None, None)),
            ("a room under 90 per night", (90.0, None, Some("night"))),
        ];
        for (text, want) in cases {
            let got = limit(text);
            assert_eq!(got, Some((want.0, want.1, want.2)), "{text}");
        }
    }

    #[test]
    fn amounts_that_are_not_limits() {
        for text in [
            "dispute a $45.99 charge on my bill",
            "ask why they charged me $30 twice",
            "a table for under 6 people",
            "the wait should be less than 10 minutes",
            "if it costs more than $100 tell me",
            "order 2 large pizzas",
            "I paid 200 dollars deposit, ask for a refund",
            "keep it under 10 minutes",
            "nothing above 3 stars",
        ] {
            assert_eq!(limit(text), None, "{text}");
        }
    }

    #[test]
    fn finds_every_amount() {
        let found = find_amounts("The cleaning is $75 and the x-ray is 40 dollars, total one hundred fifteen dollars.");
        let values: Vec<f64> = found.iter().filter(|a| a.explicit).map(|a| a.value).collect();
        assert_eq!(values, [75.0, 40.0, 115.0]);
    }
}
