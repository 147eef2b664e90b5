//! Whether the user must approve what the other side just said: a price
//! above the task's limit, or above what the assistant may accept alone.

use super::money::find_amounts;
use crate::domain::money;
use crate::domain::plan::{ApprovalCheck, HardConstraints};

pub fn check(utterance: &str, constraints: &HardConstraints, max_auto_approve: f64) -> ApprovalCheck {
    let quoted = find_amounts(utterance)
        .into_iter()
        .filter(|a| a.currency.is_some())
        .map(|a| a.value)
        .fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |m| m.max(v))));
    let (limit, whose) = match constraints.max_price {
        Some(max) => (max, "your limit"),
        None => (max_auto_approve, "what the assistant may approve on its own"),
    };
    let currency = constraints.currency.as_deref();
    match quoted {
        Some(amount) if amount > limit + 0.005 => ApprovalCheck {
            required: true,
            reason: Some(format!(
                "They quoted {}, which is above {whose} of {}.",
                money::spoken(amount, currency),
                money::spoken(limit, currency)
            )),
            amount: Some(amount),
            limit: Some(limit),
        },
        amount => ApprovalCheck { required: false, reason: None, amount, limit: Some(limit) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(max: Option<f64>) -> HardConstraints {
        HardConstraints { max_price: max, currency: Some("USD".into()), per: None }
    }

    #[test]
    fn over_the_task_limit_needs_approval() {
        let c = check("For that repair it would be $300, parts and labour.", &limit(Some(250.0)), 100.0);
        assert!(c.required);
        assert_eq!(c.amount, Some(300.0));
        assert_eq!(c.reason.as_deref(), Some("They quoted $300, which is above your limit of $250."));
        assert!(!check("It's $240 all in.", &limit(Some(250.0)), 100.0).required);
        assert!(!check("Exactly 250 dollars.", &limit(Some(250.0)), 100.0).required);
    }

    #[test]
    fn without_a_task_limit_the_auto_approve_amount_applies() {
        assert!(check("That will be $120.", &limit(None), 100.0).required);
        assert!(!check("That will be $80.", &limit(None), 100.0).required);
        assert!(!check("We open at 9 and close at 5.", &limit(None), 100.0).required);
        // The largest amount counts.
        assert!(check("The exam is $60 and the cleaning another 90 dollars, so $150.", &limit(Some(100.0)), 100.0).required);
    }
}
