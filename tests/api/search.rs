//! Search across a user's calls through the REST API: what was said, the
//! summaries and the facts, found by the beginnings of words, ranked, shown
//! with the words marked, only ever the user's own; and in the tables,
//! nothing but keyed terms.

use crate::support::{DATA_KEY, Session, TestApp, TestDb, body, processed};
use reqwest::Method;
use serde_json::Value;

async fn search(app: &TestApp, user: &Session, q: &str) -> (u16, Value) {
    let res = app.as_user(user, Method::GET, &format!("/api/search?q={q}")).send().await.unwrap();
    (res.status().as_u16(), body(res).await)
}

/// The results' (kind, session) pairs, and the words marked in each.
fn found(v: &Value) -> Vec<(String, String, Vec<String>)> {
    v["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|h| {
            let marked = h["parts"].as_array().unwrap().iter().filter(|p| p["matched"] == true);
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["call_session_id"].as_str().unwrap().to_owned(),
                marked.map(|p| p["text"].as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn search_finds_what_ones_own_calls_said_and_the_tables_hold_no_word_of_it() {
    let app = TestApp::spawn_with(TestDb::new(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let (ada, bob) = (app.signup("ada").await, app.signup("bob").await);
    let (_, dentist) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let (_, pizza) = app.call(&ada, "Call 415-555-0101 and order a large pepperoni").await;
    let (_, bobs) = app.call(&bob, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let mut calls = Vec::new();
    for (user, id) in [(&ada, &dentist), (&ada, &pizza), (&bob, &bobs)] {
        calls.push(app.wait_session(user, id, "processing", 30, processed).await);
    }
    let reference = calls[0]["extracted_data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["data_type"] == "confirmation_number")
        .and_then(|f| f["extracted_value"]["value"].as_str())
        .expect("a confirmation number")
        .to_owned();

    // A line, by a word's beginning, whatever its case; the words marked; only Ada's calls.
    for q in ["smiles", "SMIL", "Bright%20Smiles"] {
        let (status, v) = search(&app, &ada, q).await;
        assert_eq!(status, 200, "{v}");
        let hits = found(&v);
        assert!(!hits.is_empty(), "{q}: {v:#}");
        assert!(hits.iter().all(|(_, session, _)| *session == dentist), "{q}: only Ada's dentist call: {hits:?}");
        // Said by the business, and its name among the facts.
        for kind in ["line", "fact"] {
            let hit = hits.iter().find(|h| h.0 == kind).unwrap_or_else(|| panic!("{q}: no {kind} in {hits:?}"));
            assert!(hit.2.iter().any(|m| m == "Smiles"), "{q}: {hits:?}");
        }
    }
    // The line found is one of the call's, to link to.
    let (_, v) = search(&app, &ada, "smiles").await;
    let line = v["results"].as_array().unwrap().iter().find(|h| h["kind"] == "line").unwrap()["segment_id"].as_str().unwrap();
    assert!(calls[0]["segments"].as_array().unwrap().iter().any(|g| g["id"] == line));
    // The most words first: both words before either.
    let (_, v) = search(&app, &ada, "pepperoni%20smiles").await;
    let hits = found(&v);
    assert!(hits.iter().any(|(_, s, _)| *s == pizza) && hits.iter().any(|(_, s, _)| *s == dentist), "{hits:?}");
    let (_, v) = search(&app, &ada, "bright%20smiles%20pepperoni").await;
    assert_eq!(v["results"][0]["score"], 2, "{v:#}");
    // A fact (the confirmation number), and the summary.
    let (_, v) = search(&app, &ada, &reference).await;
    let hits = found(&v);
    assert!(hits.iter().any(|(kind, s, _)| kind == "fact" && *s == dentist), "{reference}: {hits:?}");
    let summary_word = calls[0]["transcript"]["ai_summary"].as_str().unwrap().split_whitespace().find(|w| w.len() > 5).unwrap();
    let summary_word: String = summary_word.chars().filter(|c| c.is_alphanumeric()).collect();
    let (_, v) = search(&app, &ada, &summary_word).await;
    assert!(found(&v).iter().any(|(kind, s, _)| kind == "summary" && *s == dentist), "{summary_word}: {v:#}");
    // Not the middle of a word; nothing for Bob of Ada's calls.
    assert!(found(&search(&app, &ada, "miles").await.1).is_empty());
    let (_, v) = search(&app, &bob, "pepperoni").await;
    assert!(found(&v).is_empty(), "Bob found Ada's call: {v:#}");
    let (_, v) = search(&app, &bob, "smiles").await;
    assert!(!found(&v).is_empty() && found(&v).iter().all(|(_, s, _)| *s == bobs), "{v:#}");

    // Bad searches are typed errors; punctuation alone finds nothing.
    for (q, field) in [("", "q"), ("%20%20", "q"), (&"x".repeat(201)[..], "q"), ("smiles&limit=0", "limit")] {
        let (status, v) = search(&app, &ada, q).await;
        assert_eq!((status, v["error"]["field"].as_str()), (400, Some(field)), "{q}: {v}");
    }
    assert_eq!(found(&search(&app, &ada, "%25%25").await.1), Vec::new());

    // The search page: the places found, rendered by the server, each a link to its line.
    let (status, _, html) = app.page(Some(&ada), "/search?q=smiles").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="call-matches""#) && html.contains(r#"value="smiles""#), "{html}");
    assert!(html.contains(&format!(r#"href="/calls/{dentist}#segment-{line}""#)), "{html}");
    assert!(html.contains(">Smiles</mark>"), "{html}");
    assert!(!html.contains("callwright.js"), "no browser bundle");
    let (_, _, bobs) = app.page(Some(&bob), "/search?q=pepperoni").await;
    assert!(bobs.contains(r#"id="call-matches-none""#) && !bobs.contains(&pizza), "{bobs}");
    let (status, _, html) = app.page(Some(&ada), "/search?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert") && html.contains("&lt;script&gt;"), "{html}");
    let (status, _, html) = app.page(Some(&ada), &format!("/search?q={}", "x".repeat(201))).await;
    assert_eq!(status, 400);
    assert!(html.contains(r#"role="alert""#), "{html}");
    let (status, _, html) = app.page(Some(&ada), "/search").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="search-calls-form""#) && !html.contains("call-matches"));
    let (status, location, _) = app.page(None, "/search?q=a+b").await;
    assert_eq!((status, location.as_deref()), (303, Some("/signin?next=/search%3Fq%3Da%2Bb")));

    // The tables hold terms, never words.
    let mut owner = app.db.owner().await;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT t::text FROM call_transcript_segments t UNION ALL SELECT t::text FROM call_transcripts t
         UNION ALL SELECT t::text FROM call_extracted_data t",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let dump = rows.concat().to_lowercase();
    for word in ["smiles", "sarah", "pepperoni", "cleaning", &reference.to_lowercase()] {
        assert!(!dump.contains(word), "“{word}” is in the tables");
    }
    drop(owner);
    app.stop().await;
}

/// Calls stored before search existed (no terms) are found once the
/// server's startup step has indexed them, from their encrypted text.
#[tokio::test]
async fn calls_from_before_search_are_indexed_at_startup() {
    let app = TestApp::spawn_with(TestDb::new(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let (_, id) = app.call(&ada, "Call 415-555-0101 and order a large pepperoni").await;
    app.wait_session(&ada, &id, "processing", 30, processed).await;
    assert!(!found(&search(&app, &ada, "pepperoni").await.1).is_empty());
    let mut owner = app.db.owner().await;
    sqlx::raw_sql(
        "UPDATE call_transcript_segments SET terms = NULL; UPDATE call_transcripts SET summary_terms = NULL;
         UPDATE call_extracted_data SET terms = NULL;",
    )
    .execute(&mut owner)
    .await
    .unwrap();
    drop(owner);
    assert!(found(&search(&app, &ada, "pepperoni").await.1).is_empty(), "nothing indexed, nothing found");
    let state = app.state();
    let indexed = callwright::server::seal::run(&state.db, &state.cipher).await.unwrap();
    assert!(indexed >= 6, "{indexed}");
    assert_eq!(callwright::server::seal::run(&state.db, &state.cipher).await.unwrap(), 0, "once");
    let hits = found(&search(&app, &ada, "pepperoni").await.1);
    assert!(hits.iter().any(|(kind, s, _)| kind == "line" && *s == id), "{hits:?}");
    app.stop().await;
}
