//! Amounts of money as people read and hear them. Written by hand, not with
//! `{:.2}`: this runs in the browser too, where float formatting would cost
//! bundle size.

/// The symbol written before an amount in `currency` (ISO 4217), if it has
/// one we write that way.
fn symbol(currency: &str) -> Option<&'static str> {
    match currency.to_ascii_uppercase().as_str() {
        "USD" | "" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        _ => None,
    }
}

/// An amount with its currency as shown on a page, always with cents:
/// "$85.00", "€40.50", "120.00 CHF".
pub fn display(amount: f64, currency: &str) -> String {
    let text = amount_text(amount.abs(), true);
    let sign = if amount < 0.0 && text != "0.00" { "-" } else { "" };
    match symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{text}"),
        None => format!("{sign}{text} {}", currency.to_ascii_uppercase()),
    }
}

/// An amount as said on a call: thousands grouped, cents only when there
/// are any ("$1,500", "$45.99", "80 CHF"); no currency means dollars.
pub fn spoken(amount: f64, currency: Option<&str>) -> String {
    let currency = currency.unwrap_or("USD");
    match symbol(currency) {
        Some(symbol) => format!("{symbol}{}", spoken_number(amount)),
        None => format!("{} {currency}", spoken_number(amount)),
    }
}

fn spoken_number(amount: f64) -> String {
    let total = (amount * 100.0).round();
    if !total.is_finite() || total.abs() >= 1e17 {
        return "an unreadable amount".to_owned();
    }
    let total = total as i64;
    let sign = if total < 0 { "-" } else { "" };
    let (whole, cents) = (total.unsigned_abs() / 100, total.unsigned_abs() % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if cents == 0 { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{cents:02}") }
}

/// An amount rounded to cents: "85.00" (or "85" when whole and `cents` is
/// false, as an editable field shows it); "—" for a value that is no number.
pub fn amount_text(amount: f64, cents: bool) -> String {
    let total = (amount * 100.0).round();
    if !total.is_finite() || total.abs() >= 1e17 {
        return "—".to_owned();
    }
    let total = total as i64;
    let (sign, total) = (if total < 0 { "-" } else { "" }, total.unsigned_abs());
    match (total / 100, total % 100) {
        (whole, 0) if !cents => format!("{sign}{whole}"),
        (whole, part) => format!("{sign}{whole}.{part:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_amounts_have_cents_and_their_currency() {
        assert_eq!(display(85.0, "USD"), "$85.00");
        assert_eq!(display(40.5, "eur"), "€40.50");
        assert_eq!(display(120.0, "CHF"), "120.00 CHF");
        assert_eq!(display(0.125, "USD"), "$0.13");
        assert_eq!(display(-3.5, "USD"), "-$3.50");
        assert_eq!(display(-0.001, "USD"), "$0.00");
        assert_eq!(display(f64::NAN, "USD"), "$—");
        assert_eq!(amount_text(-3.5, false), "-3.50");
        assert_eq!(amount_text(25.0, false), "25");
        assert_eq!(amount_text(25.5, false), "25.50");
        assert_eq!(amount_text(1_000_000.0, false), "1000000");
    }

    #[test]
    fn spoken_amounts_group_thousands_and_drop_empty_cents() {
        assert_eq!(spoken(100.0, Some("USD")), "$100");
        assert_eq!(spoken(1500.0, Some("EUR")), "€1,500");
        assert_eq!(spoken(45.99, None), "$45.99");
        assert_eq!(spoken(80.0, Some("CHF")), "80 CHF");
        assert_eq!(spoken(1_234_567.5, None), "$1,234,567.50");
        assert_eq!(spoken(999.999, None), "$1,000");
        assert_eq!(spoken(-250.0, None), "$-250");
        assert_eq!(spoken(f64::INFINITY, None), "$an unreadable amount");
    }
}
