//! Insights over real calls on the sandbox: what the numbers say is what
//! happened, over the user's own calls only.

use crate::support::{DATA_KEY, Session, TestApp, TestDb, body as json, finished, http, processed};
use reqwest::Method;
use serde_json::Value;

async fn insights(app: &TestApp, user: &Session, query: &str) -> (u16, Value) {
    let res = app.as_user(user, Method::GET, &format!("/api/insights{query}")).send().await.unwrap();
    (res.status().as_u16(), json(res).await)
}

#[tokio::test]
async fn insights_count_what_happened_on_the_users_own_calls() {
    let app = TestApp::spawn_with(TestDb::new(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let (_, empty) = insights(&app, &ada, "").await;
    assert_eq!(empty["insights"]["total"]["calls"], 0, "{empty:#}");
    assert_eq!(empty["insights"]["success_rate"], Value::Null);

    // A booking that works, a busy line, and a quote past the limit that ada declines.
    let (_, booked) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    app.wait_session(&ada, &booked, "processing", 30, processed).await;
    let (_, busy) = app.call(&ada, "Call the salon at 415-555-0105 and book a haircut tomorrow").await;
    app.wait_session(&ada, &busy, "the failure", 30, finished).await;
    let (_, quote) = app.call(&ada, "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250").await;
    app.wait_session(&ada, &quote, "the approval request", 30, |s| s["approval"].is_object()).await;
    assert_eq!(app.decide(&ada, &quote, false).await.status(), 200);
    app.wait_session(&ada, &quote, "processing", 30, processed).await;
    // Bob's calls are his alone: one, and one that waits on hold first.
    let (_, held) = app.call(&bob, "Call my dentist at 415-555-0108 and book a cleaning next week under $100").await;
    let held = app.wait_session(&bob, &held, "processing", 30, processed).await;
    assert!(
        held["segments"].as_array().unwrap().iter().any(|g| g["content"].as_str().unwrap().contains("please hold")),
        "{held:#}"
    );
    let (_, bobs) = app.call(&bob, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    app.wait_session(&bob, &bobs, "processing", 30, processed).await;

    let (status, v) = insights(&app, &ada, "").await;
    assert_eq!(status, 200, "{v:#}");
    let i = &v["insights"];
    assert_eq!((i["total"]["calls"].as_i64(), i["total"]["achieved"].as_i64()), (Some(3), Some(1)), "{i:#}");
    assert!((i["success_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let weeks: i64 = i["per_week"].as_array().unwrap().iter().map(|w| w["calls"].as_i64().unwrap()).sum();
    assert_eq!(weeks, 3, "{i:#}");
    let kind = |k: &str| i["by_kind"].as_array().unwrap().iter().find(|x| x["kind"] == k).cloned();
    assert_eq!(kind("booking").map(|k| (k["calls"].clone(), k["achieved"].clone())), Some((2.into(), 1.into())), "{i:#}");
    assert_eq!(kind("quote").map(|k| k["calls"].clone()), Some(1.into()), "{i:#}");
    let reasons: Vec<(String, i64)> = i["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["reason"].as_str().unwrap().to_owned(), f["calls"].as_i64().unwrap()))
        .collect();
    assert_eq!(reasons, [("busy".to_owned(), 1), ("over_limit".to_owned(), 1)], "{i:#}");
    assert_eq!(i["approvals"]["asked"], 1);
    assert_eq!(i["approvals"]["declined"], 1);
    assert_eq!(i["approvals"]["granted"], 0);
    assert!(i["average_duration_secs"].as_f64().is_some_and(|d| d >= 0.0), "{i:#}");
    assert_eq!(i["spend_by_month"], serde_json::json!([]), "the sandbox and the rules engine cost nothing");
    assert_eq!(i["average_hold_secs"], Value::Null, "ada's calls never waited on hold");
    let (_, b) = insights(&app, &bob, "").await;
    assert_eq!(b["insights"]["total"]["calls"], 2, "{b:#}");
    // The sandbox's hold line keeps callers waiting 1.5 s before a person answers.
    let hold = b["insights"]["average_hold_secs"].as_f64().unwrap_or_else(|| panic!("{b:#}"));
    assert!((1.0..=4.0).contains(&hold), "{b:#}");

    // A period before any call has none; days are checked.
    let (_, old) = insights(&app, &ada, "?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(old["insights"]["total"]["calls"], 0);
    assert_eq!(old["insights"]["from"], "2020-01-01");
    for (query, field) in [("?from=2026-02-01&to=2026-01-01", "from"), ("?from=2020-01-01&to=2026-01-01", "from")] {
        let (status, e) = insights(&app, &ada, query).await;
        assert_eq!((status, e["error"]["field"].as_str()), (400, Some(field)), "{query}: {e}");
    }
    for query in ["?from=yesterday", "?to=2026-13-01", "?week=1"] {
        assert_eq!(insights(&app, &ada, query).await.0, 400, "{query}");
    }
    assert_eq!(http().get(app.url("/api/insights")).send().await.unwrap().status(), 401);
    app.stop().await;
}
