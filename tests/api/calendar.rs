//! The private calendar feed: a booked, confirmed appointment appears at the
//! user's secret address without signing in; nobody else's does; a new
//! address or turning it off stops the old one at once.

use crate::support::{DATA_KEY, TestApp, TestDb, body as json, http, processed};
use reqwest::Method;
use serde_json::Value;

/// The feed at `url`, fetched the way a calendar app does: no cookie.
async fn fetch(url: &str) -> (u16, String, String) {
    let res = http().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

#[tokio::test]
async fn confirmed_appointments_reach_the_secret_feed_and_nobody_elses() {
    let app = TestApp::spawn_with(TestDb::new(), &[("CALLWRIGHT_DATA_KEY", DATA_KEY)]).await;
    let ada = app.signup("ada").await;
    let feed_of = async |who| json(app.as_user(who, Method::GET, "/api/calendar-feed").send().await.unwrap()).await;
    assert_eq!(feed_of(&ada).await["feed"], Value::Null);

    let (task, id) = app.call(&ada, "Call my dentist at 415-555-0100 and book a cleaning next week under $100").await;
    let s = app.wait_session(&ada, &id, "processing", 30, processed).await;
    let appointment = s["extracted_data"].as_array().unwrap().iter().find(|f| f["data_type"] == "appointment").unwrap().clone();
    assert_eq!(appointment["confirmed"], true, "{appointment:#}");
    let title = app.task(&ada, &task).await["call_task"]["title"].as_str().unwrap().to_owned();

    let made = json(app.as_user(&ada, Method::POST, "/api/calendar-feed").send().await.unwrap()).await;
    let url = made["feed"]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.url("/calendar/cwcal_")) && url.ends_with(".ics"), "{url}");
    let (status, kind, ics) = fetch(&url).await;
    assert_eq!((status, kind.as_str()), (200, "text/calendar; charset=utf-8"), "{ics}");
    let unfolded = ics.replace("\r\n ", "");
    assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 1, "{ics}");
    assert!(unfolded.contains(&format!("UID:{}@callwright", appointment["id"].as_str().unwrap())), "{ics}");
    let date = appointment["extracted_value"]["date"].as_str().unwrap().replace('-', "");
    assert!(unfolded.contains(&format!("DTSTART:{date}T143000\r\n")), "{ics}");
    assert!(unfolded.contains(&format!("SUMMARY:{}", title.replace(',', "\\,"))), "{ics}");
    // The call page's "Add to calendar" link: the same event, as a file, for its owner only.
    let event_path = format!("/api/appointments/{}.ics", appointment["id"].as_str().unwrap());
    let res = app.as_user(&ada, Method::GET, &event_path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"appointment.ics\"");
    let one = res.text().await.unwrap().replace("\r\n ", "");
    assert!(one.contains(&format!("DTSTART:{date}T143000\r\n")) && one.matches("BEGIN:VEVENT").count() == 1, "{one}");
    assert_eq!(http().get(app.url(&event_path)).send().await.unwrap().status(), 401);
    let business = s["extracted_data"].as_array().unwrap().iter().find(|f| f["data_type"] == "business_name").unwrap();
    for path in [format!("/api/appointments/{}.ics", business["id"].as_str().unwrap()), "/api/appointments/x.ics".into()] {
        assert_eq!(app.as_user(&ada, Method::GET, &path).send().await.unwrap().status(), 404, "{path}");
    }

    // The settings page shows the same address, and that a calendar app came.
    let shown = feed_of(&ada).await;
    assert_eq!(shown["feed"]["url"], url.as_str());
    assert!(shown["feed"]["polled_at"].is_string(), "{shown}");

    // Another user's feed is their own: empty. Ada's address is not theirs to read differently.
    let bob = app.signup("bob").await;
    let bobs = json(app.as_user(&bob, Method::POST, "/api/calendar-feed").send().await.unwrap()).await;
    let bobs = bobs["feed"]["url"].as_str().unwrap().to_owned();
    assert_eq!(app.as_user(&bob, Method::GET, &event_path).send().await.unwrap().status(), 404, "not bob's");
    assert_ne!(bobs, url);
    let (status, _, ics) = fetch(&bobs).await;
    assert_eq!(status, 200);
    assert!(!ics.contains("VEVENT"), "{ics}");

    // Made-up, truncated and altered secrets find nothing (and say nothing more).
    let secret = url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_owned();
    for file in [
        "cwcal_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics".to_owned(),
        secret.clone(),
        format!("{}.ics", &secret[..secret.len() - 1]),
        format!("{}x.ics", secret),
        format!("{}.ics", secret.to_uppercase()),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        let (status, _, body) = fetch(&app.url(&format!("/calendar/{file}"))).await;
        assert_eq!(status, 404, "{file}: {body}");
        assert!(!body.contains("VEVENT"));
    }

    // Only confirmed appointments are in it.
    let mut owner = app.db.owner().await;
    sqlx::query("UPDATE call_extracted_data SET confirmed = false WHERE data_type = 'appointment'")
        .execute(&mut owner)
        .await
        .unwrap();
    let (_, _, ics) = fetch(&url).await;
    assert!(!ics.contains("VEVENT"), "an unconfirmed appointment is left out: {ics}");
    // The secret is not stored as it is.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token FROM calendar_feeds").fetch_all(&mut owner).await.unwrap();
    assert!(stored.iter().all(|t| t.starts_with("enc:v1:") && !t.contains(&secret)), "{stored:?}");
    drop(owner);

    // A new address stops the old one; turning it off stops both.
    let renewed = json(app.as_user(&ada, Method::POST, "/api/calendar-feed").send().await.unwrap()).await;
    let renewed = renewed["feed"]["url"].as_str().unwrap().to_owned();
    assert_ne!(renewed, url);
    assert_eq!(fetch(&url).await.0, 404);
    assert_eq!(fetch(&renewed).await.0, 200);
    let off = app.as_user(&ada, Method::DELETE, "/api/calendar-feed").send().await.unwrap();
    assert_eq!(off.status(), 200);
    assert_eq!(fetch(&renewed).await.0, 404);
    assert_eq!(feed_of(&ada).await["feed"], Value::Null);
    assert_eq!(fetch(&bobs).await.0, 200, "bob's feed is untouched");
    // Signed out, the settings are not there to read.
    assert_eq!(http().get(app.url("/api/calendar-feed")).send().await.unwrap().status(), 401);
    app.stop().await;
}
