//! The Insights page's body, rendered on the server: charts as inline SVG
//! (they show without JavaScript and cost the browser bundle nothing), each
//! beside a table of the same numbers for screen readers and for reading
//! exact figures. Widths follow the viewport: a chart scales to its card,
//! a table scrolls sideways on a narrow phone.

use crate::domain::insights::Insights;
use crate::server::markup::escape;
use std::fmt::Write;

/// Achieved calls, and spend on the phone network.
const FIRST: &str = "fill-indigo-600 dark:fill-indigo-400";
/// The rest of the calls, and spend on the model.
const SECOND: &str = "fill-slate-300 dark:fill-slate-600";
const LABEL: &str = "fill-slate-600 dark:fill-slate-300";
const TABLE: &str = "mt-3 w-full min-w-[18rem] text-left text-sm tabular-nums";
const CELL: &str = "py-1 pr-3";

/// What a reason reads as.
fn reason_words(reason: &str) -> String {
    match reason {
        "busy" => "Line busy".into(),
        "no_answer" => "No answer".into(),
        "voicemail" => "Voicemail".into(),
        "refused" => "Business refused".into(),
        "over_limit" => "Price over your limit".into(),
        "not_achieved" => "Goal not reached".into(),
        "canceled" => "Cancelled".into(),
        "provider_error" => "Phone network error".into(),
        "connection_lost" => "Connection lost".into(),
        other => crate::ui::style::words(other),
    }
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 { "–".into() } else { format!("{:.0}%", part as f64 * 100.0 / whole as f64) }
}

fn seconds(secs: Option<f64>) -> String {
    match secs.map(|s| s.round() as i64) {
        None => "–".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) => format!("{}:{:02} min", s / 60, s % 60),
    }
}

fn dollars(amount: f64) -> String {
    if amount > 0.0 && amount < 0.01 { format!("${amount:.4}") } else { format!("${amount:.2}") }
}

/// A card with a heading; `id` names it for links and tests.
fn card(out: &mut String, id: &str, title: &str, body: impl FnOnce(&mut String)) {
    let _ = write!(
        out,
        r#"<section class="cw-card mt-6" id="{id}" aria-labelledby="{id}-h"><h2 id="{id}-h" class="text-lg font-semibold">{}</h2>"#,
        escape(title)
    );
    body(out);
    out.push_str("</section>");
}

/// A table with a caption, head and rows (cells already escaped).
fn table(out: &mut String, caption: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(
        out,
        r#"<div class="overflow-x-auto"><table class="{TABLE}"><caption class="sr-only">{}</caption><thead><tr>"#,
        escape(caption)
    );
    for h in head {
        let _ = write!(out, r#"<th scope="col" class="{CELL} font-medium">{}</th>"#, escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, r#"<th scope="row" class="{CELL} font-normal">{cell}</th>"#);
            } else {
                let _ = write!(out, r#"<td class="{CELL}">{cell}</td>"#);
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// Vertical stacked bars: one column per label, `first` below `second`.
/// Every bar is labelled for assistive technology by its `<title>`.
fn columns(out: &mut String, title: &str, bars: &[(String, f64, f64, String)]) {
    const H: f64 = 140.0;
    const STEP: f64 = 28.0;
    let width = (bars.len() as f64 * STEP).max(STEP * 4.0) + 8.0;
    let top = bars.iter().map(|(_, a, b, _)| a + b).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let _ = write!(
        out,
        r#"<svg class="mt-3 block h-44 w-full" viewBox="0 0 {width} {}" preserveAspectRatio="xMinYMax meet" role="img" aria-label="{}">"#,
        H + 20.0,
        escape(title)
    );
    for (i, (label, first, second, tip)) in bars.iter().enumerate() {
        let x = 4.0 + i as f64 * STEP;
        let h1 = first / top * H;
        let h2 = second / top * H;
        let _ = write!(out, "<g><title>{}</title>", escape(tip));
        if h2 > 0.0 {
            let _ =
                write!(out, r#"<rect x="{x}" y="{:.1}" width="{}" height="{h2:.1}" class="{SECOND}"/>"#, H - h1 - h2, STEP - 6.0);
        }
        if h1 > 0.0 {
            let _ = write!(out, r#"<rect x="{x}" y="{:.1}" width="{}" height="{h1:.1}" class="{FIRST}"/>"#, H - h1, STEP - 6.0);
        }
        out.push_str("</g>");
        // Every label would crowd a phone: the first, the last and every fourth.
        if i == 0 || i + 1 == bars.len() || i % 4 == 0 {
            let _ = write!(out, r#"<text x="{x}" y="{}" font-size="9" class="{LABEL}">{}</text>"#, H + 14.0, escape(label));
        }
    }
    out.push_str("</svg>");
}

/// Horizontal bars: one row per label, the share `part / whole` filled.
fn rows_chart(out: &mut String, title: &str, rows: &[(String, i64, i64)]) {
    const ROW: f64 = 26.0;
    let widest = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let _ = write!(
        out,
        r#"<svg class="mt-3 block w-full" viewBox="0 0 320 {}" role="img" aria-label="{}">"#,
        rows.len() as f64 * ROW,
        escape(title)
    );
    for (i, (label, part, whole)) in rows.iter().enumerate() {
        let y = i as f64 * ROW;
        let full = *whole as f64 / widest * 180.0;
        let filled = *part as f64 / widest * 180.0;
        let _ = write!(
            out,
            r#"<g><title>{}: {part} of {whole}</title><text x="0" y="{:.1}" font-size="11" class="{LABEL}">{}</text><rect x="130" y="{:.1}" width="{full:.1}" height="14" class="{SECOND}"/><rect x="130" y="{:.1}" width="{filled:.1}" height="14" class="{FIRST}"/></g>"#,
            escape(label),
            y + 15.0,
            escape(label),
            y + 4.0,
            y + 4.0
        );
    }
    out.push_str("</svg>");
}

/// A legend for two-part charts.
fn legend(out: &mut String, first: &str, second: &str) {
    let _ = write!(
        out,
        r#"<p class="mt-2 flex gap-4 text-xs text-slate-600 dark:text-slate-300" aria-hidden="true"><span><svg class="mr-1 inline h-2.5 w-2.5" viewBox="0 0 10 10"><rect width="10" height="10" class="{FIRST}"/></svg>{first}</span><span><svg class="mr-1 inline h-2.5 w-2.5" viewBox="0 0 10 10"><rect width="10" height="10" class="{SECOND}"/></svg>{second}</span></p>"#
    );
}

/// The period form: a plain GET form, so the address carries the period
/// and the server renders it whether or not the page is hydrated.
pub fn period_form(from: &str, to: &str) -> String {
    format!(
        r#"<form method="get" action="/insights" class="mt-6 flex flex-wrap items-end gap-3" id="insights-period"><label class="flex flex-col text-sm">From<input type="date" name="from" value="{}" class="cw-input" required></label><label class="flex flex-col text-sm">To<input type="date" name="to" value="{}" class="cw-input" required></label><button type="submit" class="cw-secondary">Show</button></form>"#,
        escape(from),
        escape(to)
    )
}

/// Why the period asked for cannot be shown.
pub fn refusal(message: &str) -> String {
    format!(r#"<p role="alert" class="cw-alert">{}</p>"#, escape(message))
}

/// The report on `insights` (under the period form).
pub fn render(i: &Insights) -> String {
    let mut out = String::with_capacity(8 * 1024);
    if i.total.calls == 0 && i.spend_by_month.is_empty() {
        let _ = write!(
            out,
            r#"<p class="cw-muted mt-6" id="insights-empty">No calls from {} to {}. Once your assistant has made some, you will see here how they went.</p>"#,
            escape(&i.from),
            escape(&i.to)
        );
        return out;
    }

    // The headline numbers.
    let tiles = [
        ("Calls", i.total.calls.to_string()),
        ("Goal reached", percent(i.total.achieved, i.total.calls)),
        ("Average call", seconds(i.average_duration_secs)),
        ("Average hold", seconds(i.average_hold_secs)),
        ("Retries that helped", format!("{} of {}", i.retries.helped, i.retries.retries)),
        ("Approvals granted", format!("{} of {}", i.approvals.granted, i.approvals.asked)),
    ];
    out.push_str(r#"<dl class="mt-6 grid grid-cols-2 gap-3 sm:grid-cols-3" id="insight-totals">"#);
    for (name, value) in tiles {
        let _ = write!(
            out,
            r#"<div class="cw-card"><dt class="text-xs text-slate-600 dark:text-slate-300">{name}</dt><dd class="mt-1 text-xl font-semibold tabular-nums">{}</dd></div>"#,
            escape(&value)
        );
    }
    out.push_str("</dl>");

    card(&mut out, "insights-weeks", "Calls per week", |out| {
        let bars: Vec<_> = i
            .per_week
            .iter()
            .map(|w| {
                let tip = format!("Week of {}: {} calls, {} reached the goal", w.week, w.tally.calls, w.tally.achieved);
                (w.week[5..].to_owned(), w.tally.achieved as f64, (w.tally.calls - w.tally.achieved) as f64, tip)
            })
            .collect();
        columns(out, "Calls per week, goal reached and not", &bars);
        legend(out, "Goal reached", "Other calls");
        let rows: Vec<_> = i
            .per_week
            .iter()
            .map(|w| {
                vec![
                    escape(&w.week),
                    w.tally.calls.to_string(),
                    w.tally.achieved.to_string(),
                    percent(w.tally.achieved, w.tally.calls),
                ]
            })
            .collect();
        table(out, "Calls per week", &["Week of", "Calls", "Goal reached", "Rate"], &rows);
    });

    card(&mut out, "insights-kinds", "By kind of errand", |out| {
        let bars: Vec<_> =
            i.by_kind.iter().map(|k| (crate::ui::style::words(&k.kind), k.tally.achieved, k.tally.calls)).collect();
        rows_chart(out, "Goal reached by kind of errand", &bars);
        let rows: Vec<_> = i
            .by_kind
            .iter()
            .map(|k| {
                vec![
                    escape(&crate::ui::style::words(&k.kind)),
                    k.tally.calls.to_string(),
                    k.tally.achieved.to_string(),
                    percent(k.tally.achieved, k.tally.calls),
                ]
            })
            .collect();
        table(out, "Calls by kind of errand", &["Errand", "Calls", "Goal reached", "Rate"], &rows);
    });

    card(&mut out, "insights-failures", "Why calls did not succeed", |out| {
        if i.failures.is_empty() {
            out.push_str(r#"<p class="cw-muted mt-2">Every call reached its goal.</p>"#);
            return;
        }
        let widest = i.failures.iter().map(|f| f.calls).max().unwrap_or(0);
        let bars: Vec<_> = i.failures.iter().map(|f| (reason_words(&f.reason), f.calls, widest)).collect();
        rows_chart(out, "Calls by reason they did not succeed", &bars);
        let rows: Vec<_> = i
            .failures
            .iter()
            .map(|f| vec![escape(&reason_words(&f.reason)), f.calls.to_string(), percent(f.calls, i.total.calls)])
            .collect();
        table(out, "Why calls did not succeed", &["Reason", "Calls", "Of all calls"], &rows);
    });

    card(&mut out, "insights-spend", "Spending by month", |out| {
        if i.spend_by_month.is_empty() {
            out.push_str(
                r#"<p class="cw-muted mt-2">Nothing spent in this period (the sandbox and the built-in engine are free).</p>"#,
            );
            return;
        }
        let bars: Vec<_> = i
            .spend_by_month
            .iter()
            .map(|m| {
                let tip = format!("{}: phone {}, AI {}", m.month, dollars(m.telephony), dollars(m.ai));
                (m.month.clone(), m.telephony, m.ai, tip)
            })
            .collect();
        columns(out, "Spending by month, phone and AI", &bars);
        legend(out, "Phone network", "AI model");
        let rows: Vec<_> = i
            .spend_by_month
            .iter()
            .map(|m| vec![escape(&m.month), dollars(m.telephony), dollars(m.ai), dollars(m.telephony + m.ai)])
            .collect();
        table(out, "Spending by month in US dollars", &["Month", "Phone", "AI", "Total"], &rows);
    });

    card(&mut out, "insights-approvals", "Price approvals", |out| {
        let a = &i.approvals;
        let rows = [
            vec!["Asked".to_owned(), a.asked.to_string()],
            vec!["Granted".into(), a.granted.to_string()],
            vec!["Declined".into(), a.declined.to_string()],
            vec!["No answer in time".into(), a.timed_out.to_string()],
        ];
        table(out, "Price approvals", &["", "Calls"], &rows);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::insights::*;

    fn sample() -> Insights {
        Insights {
            from: "2026-09-01".into(),
            to: "2026-11-30".into(),
            total: Tally { calls: 7, achieved: 4 },
            success_rate: Some(4.0 / 7.0),
            per_week: vec![
                WeekTally { week: "2026-11-16".into(), tally: Tally { calls: 3, achieved: 2 } },
                WeekTally { week: "2026-11-23".into(), tally: Tally { calls: 4, achieved: 2 } },
            ],
            by_kind: vec![KindTally { kind: "booking".into(), tally: Tally { calls: 7, achieved: 4 } }],
            failures: vec![
                ReasonCount { reason: "no_answer".into(), calls: 2 },
                ReasonCount { reason: "<script>".into(), calls: 1 },
            ],
            retries: RetryCounts { retries: 2, helped: 1 },
            average_duration_secs: Some(95.0),
            average_hold_secs: None,
            spend_by_month: vec![MonthSpend { month: "2026-11".into(), telephony: 0.26, ai: 0.0042 }],
            approvals: ApprovalCounts { asked: 2, granted: 1, declined: 1, timed_out: 0 },
        }
    }

    #[test]
    fn every_chart_has_its_numbers_in_a_table_and_text_is_escaped() {
        let html = render(&sample());
        assert_eq!(html.matches("<svg class=\"mt-3").count(), 4, "weeks, kinds, failures, spend");
        assert_eq!(html.matches("<table").count(), 5);
        assert!(html.contains(">No answer</th>"), "{html}");
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
        assert!(html.contains("1:35 min") && html.contains("57%") && html.contains("$0.0042") && html.contains("$0.26"));
        assert!(html.contains("Week of 2026-11-23: 4 calls, 2 reached the goal"));
    }

    #[test]
    fn bars_are_proportional_and_never_negative_or_nan() {
        let mut i = sample();
        i.per_week.push(WeekTally { week: "2026-11-30".into(), tally: Tally { calls: 0, achieved: 0 } });
        let html = render(&i);
        assert!(!html.contains("NaN") && !html.contains("height=\"-") && !html.contains("inf"), "{html}");
        // The tallest week (4 calls) fills the chart: 2 achieved = 70 of 140.
        assert!(html.contains(r#"height="70.0""#), "{html}");
    }

    #[test]
    fn the_period_form_keeps_what_was_asked_and_escapes_it() {
        let form = period_form("2026-01-01", "\"><script>");
        assert!(form.contains(r#"name="from" value="2026-01-01""#), "{form}");
        assert!(form.contains("&quot;&gt;&lt;script&gt;") && !form.contains("<script>"), "{form}");
        assert!(refusal("from must be on or before to.").contains(r#"role="alert""#));
    }

    #[test]
    fn a_period_without_calls_says_so() {
        let mut i = sample();
        i.total = Tally::default();
        i.spend_by_month.clear();
        assert!(render(&i).contains("id=\"insights-empty\""));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(seconds(Some(42.4)), "42 s");
        assert_eq!(seconds(Some(60.0)), "1:00 min");
        assert_eq!(seconds(Some(119.6)), "2:00 min");
        assert_eq!(seconds(None), "–");
    }
}
