//! What calls cost: the model's tokens and their price, and the phone
//! network's price of each call.

use serde::{Deserialize, Serialize};

/// Tokens a model used over some requests, from the API's `usage` fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub requests: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Usage {
    /// One request's usage.
    pub fn of_request(prompt_tokens: u64, completion_tokens: u64) -> Usage {
        Usage { requests: 1, prompt_tokens, completion_tokens }
    }

    pub fn add(&mut self, other: Usage) {
        self.requests = self.requests.saturating_add(other.requests);
        self.prompt_tokens = self.prompt_tokens.saturating_add(other.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(other.completion_tokens);
    }

    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }
}

/// A model's price in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPrice {
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
}

impl ModelPrice {
    /// What `usage` costs, in US dollars.
    pub fn cost(&self, usage: Usage) -> f64 {
        (usage.prompt_tokens as f64 * self.prompt_per_million + usage.completion_tokens as f64 * self.completion_per_million)
            / 1_000_000.0
    }
}

/// What a call (or all of a task's calls and its planning) cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallCost {
    /// Requests made to the model.
    pub ai_requests: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// In US dollars at the configured model prices; `null` when some of the
    /// tokens came from a model that has no price configured.
    pub ai_cost: Option<f64>,
    /// The phone network's price (0 on the sandbox); `null` while it is not
    /// known yet (Twilio prices a call some time after it ends).
    pub telephony_cost: Option<f64>,
    /// The currency of `telephony_cost` (ISO 4217).
    pub telephony_currency: Option<String>,
}

impl CallCost {
    /// This and `other` together (a task's calls). A price not known for
    /// either is not known for both.
    pub fn plus(&self, other: &CallCost) -> CallCost {
        let both = |a: Option<f64>, b: Option<f64>| Some(a? + b?);
        let currency = match (&self.telephony_currency, &other.telephony_currency) {
            (Some(a), Some(b)) if a != b => None,
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        let mixed = self.telephony_currency.is_some() && other.telephony_currency.is_some() && currency.is_none();
        CallCost {
            ai_requests: self.ai_requests + other.ai_requests,
            prompt_tokens: self.prompt_tokens + other.prompt_tokens,
            completion_tokens: self.completion_tokens + other.completion_tokens,
            ai_cost: both(self.ai_cost, other.ai_cost),
            telephony_cost: if mixed { None } else { both(self.telephony_cost, other.telephony_cost) },
            telephony_currency: currency,
        }
    }

    /// "$0.42 phone · $0.01 AI (3,120 tokens)", as the pages show it.
    pub fn text(&self) -> String {
        let phone = match (self.telephony_cost, &self.telephony_currency) {
            (Some(c), currency) => format!("{} phone", amount(c, currency.as_deref().unwrap_or("USD"))),
            (None, _) => "phone price not known yet".to_owned(),
        };
        let tokens = self.prompt_tokens + self.completion_tokens;
        let ai = match (self.ai_requests, self.ai_cost) {
            (0, _) => "no AI model used".to_owned(),
            (_, Some(c)) => format!("{} AI ({} tokens)", amount(c, "USD"), grouped(tokens)),
            (_, None) => format!("{} AI tokens (no price set for the model)", grouped(tokens)),
        };
        format!("{phone} · {ai}")
    }
}

/// A count with its thousands grouped: "1,620".
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// An amount with cents, and "under $0.01" for a fraction of a cent.
fn amount(value: f64, currency: &str) -> String {
    if value > 0.0 && value < 0.005 {
        format!("under {}", super::money::display(0.01, currency))
    } else {
        super::money::display(value, currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(ai: Option<f64>, phone: Option<f64>, unit: Option<&str>) -> CallCost {
        CallCost {
            ai_requests: 2,
            prompt_tokens: 1500,
            completion_tokens: 120,
            ai_cost: ai,
            telephony_cost: phone,
            telephony_currency: unit.map(str::to_owned),
        }
    }

    #[test]
    fn tokens_are_priced_per_million() {
        let price = ModelPrice { prompt_per_million: 0.15, completion_per_million: 0.60 };
        let used = Usage { requests: 3, prompt_tokens: 2_000_000, completion_tokens: 500_000 };
        assert!((price.cost(used) - 0.6).abs() < 1e-9);
        let mut total = Usage::default();
        total.add(Usage::of_request(10, 5));
        total.add(Usage::of_request(u64::MAX, 5));
        assert_eq!((total.requests, total.prompt_tokens, total.completion_tokens), (2, u64::MAX, 10));
    }

    #[test]
    fn a_sum_is_known_only_when_every_part_is() {
        let a = cost(Some(0.01), Some(0.013), Some("USD"));
        let sum = a.plus(&cost(Some(0.02), Some(0.02), Some("USD")));
        assert_eq!((sum.ai_requests, sum.prompt_tokens), (4, 3000));
        assert!((sum.ai_cost.unwrap() - 0.03).abs() < 1e-9 && (sum.telephony_cost.unwrap() - 0.033).abs() < 1e-9);
        assert_eq!(a.plus(&cost(None, Some(0.0), Some("USD"))).ai_cost, None);
        assert_eq!(a.plus(&cost(Some(0.0), None, None)).telephony_cost, None, "a call not priced yet");
        assert_eq!(a.plus(&cost(Some(0.0), Some(1.0), Some("EUR"))).telephony_cost, None, "no sum across currencies");
        assert_eq!(a.plus(&CallCost::default()).telephony_currency.as_deref(), Some("USD"));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1_234_567, "1,234,567"),
            (-4200, "-4,200"),
            (i64::MIN, "-9,223,372,036,854,775,808"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }

    #[test]
    fn the_text_says_what_is_known() {
        assert_eq!(cost(Some(0.004), Some(0.42), Some("USD")).text(), "$0.42 phone · under $0.01 AI (1,620 tokens)");
        assert_eq!(cost(None, None, None).text(), "phone price not known yet · 1,620 AI tokens (no price set for the model)");
        let sandbox = CallCost { telephony_cost: Some(0.0), telephony_currency: Some("USD".into()), ..CallCost::default() };
        assert_eq!(sandbox.text(), "$0.00 phone · no AI model used");
    }
}
