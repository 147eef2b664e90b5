//! Accounts, contacts, settings and notifications through the running
//! server's REST API, against real PostgreSQL: the happy paths and every
//! failure class a client can cause.

use crate::support::{Session, TestApp, TestDb, assert_error, body, http, session_cookie};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn sign_up_sign_in_sign_out() {
    let app = TestApp::spawn().await;
    let client = http();
    let email = "Ada.Lovelace@Example.com";
    let res = client
        .post(app.url("/api/auth/signup"))
        .json(&json!({"email": email, "password": "analytical engine", "display_name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax") && !set_cookie.contains("Secure"));
    let cookie = session_cookie(&res).unwrap();
    let v = body(res).await;
    assert_eq!(v["success"], true);
    assert_eq!(v["user"]["email"], "ada.lovelace@example.com");
    assert_eq!(v["user"]["display_name"], "Ada");
    assert!(v["user"].get("password_hash").is_none());

    // The session works; a new user has the seed's default settings.
    let me = client.get(app.url("/api/auth/me")).header("cookie", format!("cw_session={cookie}")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let settings =
        body(client.get(app.url("/api/settings")).header("cookie", format!("cw_session={cookie}")).send().await.unwrap()).await;
    let s = &settings["settings"];
    assert_eq!(s["voice_preference"], "professional_male");
    assert_eq!(s["default_tone"], "friendly");
    assert_eq!(s["max_auto_approve_amount"], 100.0);
    assert_eq!(s["auto_retry_failed_calls"], false);
    assert_eq!(s["max_retry_attempts"], 2);
    assert_eq!(s["business_hours_only"], false);
    assert_eq!(s["language_preference"], "en-US");

    // Duplicate e-mail (any case) → 409; short password → 400 naming it.
    let dup = client
        .post(app.url("/api/auth/signup"))
        .json(&json!({"email": "ADA.LOVELACE@example.com", "password": "another password", "display_name": "Ada 2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);
    assert_error(&body(dup).await, "conflict");
    let short = client
        .post(app.url("/api/auth/signup"))
        .json(&json!({"email": "b@example.com", "password": "1234567", "display_name": "B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);
    let v = body(short).await;
    assert_error(&v, "validation_error");
    assert_eq!(v["error"]["field"], "password");

    // Sign-in: wrong password 401, right one 200 with a new session.
    let wrong = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": email, "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_error(&body(wrong).await, "unauthorized");
    let unknown = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "who@example.com", "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    let ok = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": email, "password": "analytical engine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let second = session_cookie(&ok).unwrap();
    assert_ne!(second, cookie);

    // Sign-out revokes the session server-side: the old cookie no longer works.
    let out = client.post(app.url("/api/auth/logout")).header("cookie", format!("cw_session={cookie}")).send().await.unwrap();
    assert_eq!(out.status(), 200);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let me = client.get(app.url("/api/auth/me")).header("cookie", format!("cw_session={cookie}")).send().await.unwrap();
    assert_eq!(me.status(), 401);
    let me = client.get(app.url("/api/auth/me")).header("cookie", format!("cw_session={second}")).send().await.unwrap();
    assert_eq!(me.status(), 200, "other sessions live on");
    let anonymous = client.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_error(&body(anonymous).await, "unauthorized");

    // Only digests of session tokens are stored.
    let mut owner = app.db.owner().await;
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM auth_sessions").fetch_all(&mut owner).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 32 && *h != cookie.as_bytes()));
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(&mut owner).await.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    drop(owner);
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_and_revoked_at_once() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app.as_user(&ada, Method::POST, "/api/auth/tokens").json(&json!({"name": "cli"})).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v = body(res).await;
    let secret = v["token"].as_str().unwrap().to_owned();
    let id = v["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cw_"));

    let list = body(app.as_user(&ada, Method::GET, "/api/auth/tokens").send().await.unwrap()).await;
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret), "the secret is never listed");

    let bearer = |path: &str| http().get(app.url(path)).bearer_auth(&secret);
    assert_eq!(bearer("/api/contacts").send().await.unwrap().status(), 200);
    let me = body(bearer("/api/auth/me").send().await.unwrap()).await;
    assert_eq!(me["user"]["id"], ada.user_id);

    // Another user cannot see or revoke it.
    let bob = app.signup("bob").await;
    let other = app.as_user(&bob, Method::DELETE, &format!("/api/auth/tokens/{id}")).send().await.unwrap();
    assert_eq!(other.status(), 404);

    let revoke = app.as_user(&ada, Method::DELETE, &format!("/api/auth/tokens/{id}")).send().await.unwrap();
    assert_eq!(revoke.status(), 200);
    let after = bearer("/api/contacts").send().await.unwrap();
    assert_eq!(after.status(), 401);
    assert_error(&body(after).await, "unauthorized");
    let again = app.as_user(&ada, Method::DELETE, &format!("/api/auth/tokens/{id}")).send().await.unwrap();
    assert_eq!(again.status(), 404);
    let bogus = http().get(app.url("/api/contacts")).bearer_auth("cw_made_up").send().await.unwrap();
    assert_eq!(bogus.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn contacts_crud_search_and_phone_numbers() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let create = |payload: Value| app.as_user(&ada, Method::POST, "/api/contacts").json(&payload).send();

    let res = create(json!({"name": "Dr. Lee", "company_name": "Bright Smiles Dental", "phone_number": "(415) 555-0199", "notes": "Ask for the hygienist"})).await.unwrap();
    assert_eq!(res.status(), 201);
    let dentist = body(res).await["contact"].clone();
    assert_eq!(dentist["phone_number"], "+14155550199");
    let id = dentist["id"].as_str().unwrap().to_owned();
    for (phone, want) in [("415.555.0101", "+14155550101"), ("+44 20 7946 0958", "+442079460958")] {
        let c = body(create(json!({"name": format!("Shop {phone}"), "phone_number": phone})).await.unwrap()).await;
        assert_eq!(c["contact"]["phone_number"], want);
    }
    let ace = body(create(json!({"name": "Sam", "company_name": "Ace Movers"})).await.unwrap()).await;
    assert_eq!(ace["contact"]["phone_number"], Value::Null);

    for (phone, why) in [("555-1234", "area code"), ("415-CALL-NOW", "letters"), ("12345", "too short")] {
        let res = create(json!({"name": "Bad", "phone_number": phone})).await.unwrap();
        assert_eq!(res.status(), 400, "{phone}");
        let v = body(res).await;
        assert_eq!(v["error"]["field"], "phone_number");
        assert!(v["error"]["message"].as_str().unwrap().contains(why), "{phone}: {v}");
    }

    // Search by name or company, case-insensitively; list is by name.
    let found = body(app.as_user(&ada, Method::GET, "/api/contacts?q=ace").send().await.unwrap()).await;
    let names: Vec<&str> = found["contacts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Sam"]);
    let all = body(app.as_user(&ada, Method::GET, "/api/contacts").send().await.unwrap()).await;
    assert_eq!(all["contacts"].as_array().unwrap().len(), 4);
    let pct = body(app.as_user(&ada, Method::GET, "/api/contacts?q=%25").send().await.unwrap()).await;
    assert_eq!(pct["contacts"].as_array().unwrap().len(), 0, "% matches literally");

    // Update: absent stays, null clears, phone re-normalised.
    let res = app
        .as_user(&ada, Method::PATCH, &format!("/api/contacts/{id}"))
        .json(&json!({"company_name": null, "phone_number": "415 555 0100"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated = body(res).await["contact"].clone();
    assert_eq!(updated["company_name"], Value::Null);
    assert_eq!(updated["phone_number"], "+14155550100");
    assert_eq!(updated["notes"], "Ask for the hygienist");
    assert_eq!(updated["name"], "Dr. Lee");

    // At rest, numbers and notes are ciphertext.
    let mut owner = app.db.owner().await;
    let raw: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT phone_number, notes FROM contacts").fetch_all(&mut owner).await.unwrap();
    let dump = format!("{raw:?}");
    for plain in ["4155550100", "hygienist"] {
        assert!(!dump.contains(plain), "plaintext {plain} at rest: {dump}");
    }
    // Every value is ciphertext (whose base64 may hold any short run of
    // characters, "415" among them, by chance: so whole values are checked).
    let values = raw.iter().flat_map(|(number, notes)| [number, notes]).flatten();
    assert!(values.clone().count() >= 4 && values.clone().all(|v| v.starts_with("enc:v1:")), "{dump}");

    // Every change is audited, without the values.
    let audit: Vec<(String, Value)> =
        sqlx::query_as("SELECT action, details FROM audit_log WHERE entity_type = 'contact' ORDER BY id")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["contact.create", "contact.create", "contact.create", "contact.create", "contact.update"]);
    assert_eq!(audit[4].1, json!({"fields": ["company_name", "phone_number"]}));
    // (Request ids are random UUIDs, so only the details are searched.)
    let all_audit: Vec<String> = sqlx::query_scalar("SELECT details::text FROM audit_log").fetch_all(&mut owner).await.unwrap();
    let all_audit = all_audit.concat();
    assert!(
        !all_audit.contains("555") && !all_audit.contains("hygienist"),
        "no phone numbers or notes in the audit log: {all_audit}"
    );
    drop(owner);

    // Delete, then it is gone.
    let del = app.as_user(&ada, Method::DELETE, &format!("/api/contacts/{id}")).send().await.unwrap();
    assert_eq!(del.status(), 200);
    assert_eq!(app.as_user(&ada, Method::GET, &format!("/api/contacts/{id}")).send().await.unwrap().status(), 404);
    assert_eq!(app.as_user(&ada, Method::DELETE, &format!("/api/contacts/{id}")).send().await.unwrap().status(), 404);
    // A malformed id is a 404 too (such a resource cannot exist).
    assert_eq!(app.as_user(&ada, Method::GET, "/api/contacts/not-a-uuid").send().await.unwrap().status(), 404);
    app.stop().await;
}

/// Sealed names are searched and ordered in the server, over all of an
/// account's contacts: so an account keeps at most 1,000, and the one past
/// that is refused with a clear 409 (nothing written).
#[tokio::test]
async fn an_account_keeps_at_most_a_thousand_contacts_and_searches_them_all() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let mut owner = app.db.owner().await;
    sqlx::query(
        "INSERT INTO contacts (user_id, name) SELECT $1::uuid, 'Bulk ' || lpad(n::text, 4, '0') FROM generate_series(1, 998) n",
    )
    .bind(&ada.user_id)
    .execute(&mut owner)
    .await
    .unwrap();
    drop(owner);
    let create = |name: &'static str| app.as_user(&ada, Method::POST, "/api/contacts").json(&json!({"name": name})).send();
    assert_eq!(create("aardvark Repairs").await.unwrap().status(), 201);
    assert_eq!(create("Zebra Cleaning").await.unwrap().status(), 201);
    let res = create("One Too Many").await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(body(res).await["error"]["message"].as_str().unwrap().contains("1000 contacts"));
    // By name, case-insensitively, across all of them; the limit applies after the search.
    let page = body(app.as_user(&ada, Method::GET, "/api/contacts?limit=3").send().await.unwrap()).await;
    let names: Vec<&str> = page["contacts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["aardvark Repairs", "Bulk 0001", "Bulk 0002"]);
    let found = body(app.as_user(&ada, Method::GET, "/api/contacts?q=ZEBRA").send().await.unwrap()).await;
    assert_eq!(found["contacts"].as_array().unwrap().len(), 1);
    let found = body(app.as_user(&ada, Method::GET, "/api/contacts?q=ulk%200998&limit=500").send().await.unwrap()).await;
    assert_eq!(found["contacts"][0]["name"], "Bulk 0998");
    // Another account is not limited by Ada's.
    let bob = app.signup("bob").await;
    let res = app.as_user(&bob, Method::POST, "/api/contacts").json(&json!({"name": "Carol"})).send().await.unwrap();
    assert_eq!(res.status(), 201);
    app.stop().await;
}

#[tokio::test]
async fn users_cannot_reach_each_others_data() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let c = body(
        app.as_user(&ada, Method::POST, "/api/contacts")
            .json(&json!({"name": "Ada's dentist", "phone_number": "415-555-0100"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = c["contact"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/contacts/{id}");

    // B: 404 (never 403) for A's contact, whatever the method.
    for method in [Method::GET, Method::DELETE] {
        let res = app.as_user(&bob, method.clone(), &path).send().await.unwrap();
        assert_eq!(res.status(), 404, "{method}");
        assert_error(&body(res).await, "not_found");
    }
    let res = app.as_user(&bob, Method::PATCH, &path).json(&json!({"name": "mine now"})).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let list = body(app.as_user(&bob, Method::GET, "/api/contacts").send().await.unwrap()).await;
    assert_eq!(list["contacts"], json!([]));

    // Notifications too.
    let mut owner = app.db.owner().await;
    let note: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO notifications (user_id, notification_type, message) VALUES ($1, 'task_created', 'For Ada') RETURNING id",
    )
    .bind(uuid::Uuid::parse_str(&ada.user_id).unwrap())
    .fetch_one(&mut owner)
    .await
    .unwrap();
    drop(owner);
    let res = app
        .as_user(&bob, Method::PATCH, &format!("/api/notifications/{note}"))
        .json(&json!({"is_read": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let read_all = body(app.as_user(&bob, Method::POST, "/api/notifications/read-all").send().await.unwrap()).await;
    assert_eq!(read_all["updated"], 0);

    // A raw query in B's database context sees none of A's rows.
    let db = callwright::server::db::Db::connect(&app.db.url, 1).await.unwrap();
    let mut tx = db.begin_as(uuid::Uuid::parse_str(&bob.user_id).unwrap()).await.unwrap();
    for table in ["contacts", "notifications", "users", "auth_sessions", "assistant_settings", "audit_log"] {
        let foreign: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE {} <> $1",
            if table == "users" { "id" } else { "user_id" }
        )))
        .bind(uuid::Uuid::parse_str(&bob.user_id).unwrap())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(foreign, 0, "B sees A's {table}");
    }
    tx.rollback().await.unwrap();
    db.close().await;
    app.stop().await;
}

#[tokio::test]
async fn settings_are_validated_field_by_field() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let patch = |v: Value| app.as_user(&ada, Method::PATCH, "/api/settings").json(&v).send();

    let res = patch(json!({
        "voice_preference": "friendly_female", "default_tone": "professional", "max_auto_approve_amount": 250.5,
        "auto_retry_failed_calls": true, "max_retry_attempts": 3, "business_hours_only": true,
        "language_preference": "en-gb", "default_region": "gb", "time_zone": "Europe/London",
        "business_hours_start": "8:30", "business_hours_end": "18:00"
    }))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let s = body(res).await["settings"].clone();
    assert_eq!(s["max_auto_approve_amount"], 250.5);
    assert_eq!(s["language_preference"], "en-GB");
    assert_eq!(s["default_region"], "GB");
    assert_eq!(s["business_hours_start"], "08:30");

    // The region now decides how contacts' numbers are read.
    let c = body(
        app.as_user(&ada, Method::POST, "/api/contacts")
            .json(&json!({"name": "Pub", "phone_number": "020 7946 0958"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(c["contact"]["phone_number"], "+442079460958");

    for (payload, field) in [
        (json!({"voice_preference": "robot"}), "voice_preference"),
        (json!({"default_tone": "rude"}), "default_tone"),
        (json!({"max_auto_approve_amount": -5}), "max_auto_approve_amount"),
        (json!({"max_retry_attempts": 6}), "max_retry_attempts"),
        (json!({"max_retry_attempts": "two"}), "max_retry_attempts"),
        (json!({"language_preference": "klingon"}), "language_preference"),
        (json!({"default_region": "ZZ"}), "default_region"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"business_hours_end": "07:00"}), "business_hours_end"),
        (json!({"auto_retry_failed_calls": "yes"}), "auto_retry_failed_calls"),
    ] {
        let res = patch(payload.clone()).await.unwrap();
        assert_eq!(res.status(), 400, "{payload}");
        let v = body(res).await;
        assert_error(&v, "validation_error");
        assert_eq!(v["error"]["field"], field, "{payload}: {v}");
    }
    let unknown = patch(json!({"colour": "blue"})).await.unwrap();
    assert_eq!(unknown.status(), 400);
    assert!(body(unknown).await["error"]["message"].as_str().unwrap().contains("colour"));
    app.stop().await;
}

#[tokio::test]
async fn notifications_list_filter_and_mark_read() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let mut owner = app.db.owner().await;
    for (i, kind) in ["task_created", "call_started", "call_completed"].iter().enumerate() {
        sqlx::query(
            "INSERT INTO notifications (user_id, notification_type, message, created_at)
             VALUES ($1, $2, $3, now() - make_interval(mins => $4))",
        )
        .bind(uuid::Uuid::parse_str(&ada.user_id).unwrap())
        .bind(kind)
        .bind(format!("notice {i}"))
        .bind(10 - i as i32)
        .execute(&mut owner)
        .await
        .unwrap();
    }
    drop(owner);
    let list = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(list["unread_count"], 3);
    let items = list["notifications"].as_array().unwrap();
    assert_eq!(items[0]["notification_type"], "call_completed", "newest first");
    let first = items[0]["id"].as_str().unwrap().to_owned();

    let res = app
        .as_user(&ada, Method::PATCH, &format!("/api/notifications/{first}"))
        .json(&json!({"is_read": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(body(res).await["notification"]["is_read"], true);
    let unread = body(app.as_user(&ada, Method::GET, "/api/notifications?unread=true").send().await.unwrap()).await;
    assert_eq!(unread["notifications"].as_array().unwrap().len(), 2);
    assert_eq!(unread["unread_count"], 2);
    let limited = body(app.as_user(&ada, Method::GET, "/api/notifications?limit=1").send().await.unwrap()).await;
    assert_eq!(limited["notifications"].as_array().unwrap().len(), 1);
    for q in ["limit=0", "limit=101", "limit=many", "unread=perhaps"] {
        let res = app.as_user(&ada, Method::GET, &format!("/api/notifications?{q}")).send().await.unwrap();
        assert_eq!(res.status(), 400, "{q}");
        let v = body(res).await;
        assert_eq!(v["error"]["field"], q.split('=').next().unwrap(), "{q}: {v}");
    }
    let all = body(app.as_user(&ada, Method::POST, "/api/notifications/read-all").send().await.unwrap()).await;
    assert_eq!(all["updated"], 2);
    let list = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(list["unread_count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_typed_client_error_never_a_500() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let post = |body: String| {
        app.as_user(&ada, Method::POST, "/api/contacts").header("content-type", "application/json").body(body).send()
    };

    let v = body(post("{\"name\": ".into()).await.unwrap()).await;
    assert_error(&v, "validation_error");
    assert!(v["error"]["message"].as_str().unwrap().starts_with("Malformed JSON"));
    let res = post(json!({"name": 42}).to_string()).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "name");
    let res = post(json!({"company_name": "x"}).to_string()).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "name", "missing field named");
    let res = post(json!({"name": "n".repeat(201)}).to_string()).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(body(res).await["error"]["field"], "name");
    let res = post(json!({"name": "x", "notes": "n".repeat(70 * 1024)}).to_string()).await.unwrap();
    assert_eq!(res.status(), 413);
    assert_error(&body(res).await, "payload_too_large");
    let res = app
        .as_user(&ada, Method::POST, "/api/contacts")
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let res = http().get(app.url("/api/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_error(&body(res).await, "not_found");
    // Unauthenticated writes are 401 before the body is even read.
    let res = http().post(app.url("/api/contacts")).body("garbage").send().await.unwrap();
    assert_eq!(res.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn cookie_writes_from_another_origin_are_refused() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let evil = app
        .as_user(&ada, Method::POST, "/api/contacts")
        .header("origin", "https://evil.example")
        .json(&json!({"name": "planted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    assert_error(&body(evil).await, "forbidden");
    let same = app
        .as_user(&ada, Method::POST, "/api/contacts")
        .header("origin", app.base.clone())
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 201);
    // Reads are not state-changing; bearer tokens are not ambient credentials.
    let read = app.as_user(&ada, Method::GET, "/api/contacts").header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(read.status(), 200);
    let token = body(app.as_user(&ada, Method::POST, "/api/auth/tokens").json(&json!({"name": "t"})).send().await.unwrap()).await;
    let res = http()
        .post(app.url("/api/contacts"))
        .bearer_auth(token["token"].as_str().unwrap())
        .header("origin", "https://evil.example")
        .json(&json!({"name": "scripted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let list = body(app.as_user(&ada, Method::GET, "/api/contacts").send().await.unwrap()).await;
    let names: Vec<&str> = list["contacts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mine", "scripted"]);
    app.stop().await;
}

#[tokio::test]
async fn rate_limits_hold_across_two_server_processes() {
    let db = TestDb::new();
    let env = [("RATE_LIMIT_LOGINS_PER_15_MIN", "3")];
    let first = TestApp::spawn_with(db.clone(), &env).await;
    let second = TestApp::spawn_with(db.clone(), &env).await;
    let ada: Session = first.signup("ada").await;
    crate::support::in_one_window(std::time::Duration::from_secs(15 * 60), std::time::Duration::from_secs(60)).await;
    let attempt = |app: &TestApp| {
        http().post(app.url("/api/auth/login")).json(&json!({"email": ada.email, "password": "not the password"})).send()
    };
    assert_eq!(attempt(&first).await.unwrap().status(), 401);
    assert_eq!(attempt(&second).await.unwrap().status(), 401);
    assert_eq!(attempt(&first).await.unwrap().status(), 401);
    for app in [&second, &first] {
        let res = attempt(app).await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        assert_error(&body(res).await, "rate_limited");
    }
    // Even the right password waits out the window; other accounts are unaffected.
    let right = http()
        .post(second.url("/api/auth/login"))
        .json(&json!({"email": ada.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 429);
    let bob = second.signup("bob").await;
    let res = http()
        .post(first.url("/api/auth/login"))
        .json(&json!({"email": bob.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    second.shut_down().await;
    first.stop().await;
}

#[tokio::test]
async fn sign_up_can_be_closed_after_the_first_user() {
    let app = TestApp::spawn_with(TestDb::new(), &[("ALLOW_SIGNUP", "false")]).await;
    app.signup("owner").await;
    let res = http()
        .post(app.url("/api/auth/signup"))
        .json(&json!({"email": "guest@example.com", "password": "letmeinplease", "display_name": "Guest"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_error(&body(res).await, "forbidden");
    app.stop().await;
}

/// The OpenAPI document lists every REST route and its bodies match what the
/// server sends.
#[tokio::test]
async fn the_openapi_document_describes_the_real_api() {
    let app = TestApp::spawn().await;
    let doc = body(http().get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/healthz", &["get"][..]),
        ("/readyz", &["get"]),
        ("/api/auth/signup", &["post"]),
        ("/api/auth/login", &["post"]),
        ("/api/auth/logout", &["post"]),
        ("/api/auth/logout-all", &["post"]),
        ("/api/auth/me", &["get"]),
        ("/api/auth/tokens", &["get", "post"]),
        ("/api/auth/tokens/{id}", &["delete"]),
        ("/api/contacts", &["get", "post"]),
        ("/api/contacts/{id}", &["get", "patch", "delete"]),
        ("/api/settings", &["get", "patch"]),
        ("/api/notifications", &["get"]),
        ("/api/notifications/{id}", &["patch"]),
        ("/api/notifications/read-all", &["post"]),
        ("/api/call-tasks", &["get", "post"]),
        ("/api/call-tasks/{id}", &["get", "patch", "delete"]),
        ("/api/plan-preview", &["post"]),
        ("/api/call-tasks/{id}/start-call", &["post"]),
        ("/api/call-tasks/{id}/rehearse", &["post"]),
        ("/api/call-sessions/{id}", &["get"]),
        ("/api/call-sessions/{id}/approval", &["post"]),
        ("/api/call-sessions/{id}/process", &["post"]),
    ] {
        for m in methods {
            assert!(paths.get(path).and_then(|p| p.get(*m)).is_some(), "{m} {path} undocumented");
        }
    }

    // Response keys match the documented schemas.
    let ada = app.signup("ada").await;
    let schema_keys = |name: &str| -> Vec<String> {
        let mut keys: Vec<String> = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let contact = body(app.as_user(&ada, Method::POST, "/api/contacts").json(&json!({"name": "Z"})).send().await.unwrap()).await;
    assert_eq!(keys(&contact), schema_keys("ContactBody"));
    assert_eq!(keys(&contact["contact"]), schema_keys("Contact"));
    let settings = body(app.as_user(&ada, Method::GET, "/api/settings").send().await.unwrap()).await;
    assert_eq!(keys(&settings["settings"]), schema_keys("AssistantSettings"));
    let me = body(app.as_user(&ada, Method::GET, "/api/auth/me").send().await.unwrap()).await;
    assert_eq!(keys(&me["user"]), schema_keys("User"));
    let notes = body(app.as_user(&ada, Method::GET, "/api/notifications").send().await.unwrap()).await;
    assert_eq!(keys(&notes), schema_keys("NotificationListBody"));
    let err = body(http().get(app.url("/api/auth/me")).send().await.unwrap()).await;
    assert_eq!(keys(&err), schema_keys("ErrorBody"));

    // Written for validators and other tools: scripts/test.sh validates it.
    if let Ok(path) = std::env::var("CALLWRIGHT_OPENAPI_OUT") {
        std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
    app.stop().await;
}

/// Login CSRF and cross-site websocket hijacking: a page on another site
/// can neither sign a visitor in (into the attacker's account) through the
/// sign-in and sign-up forms, nor open the live events socket with the
/// user's cookie. The same requests from this site work.
#[tokio::test]
async fn another_site_can_neither_sign_in_a_visitor_nor_read_the_live_events() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let client = http();
    for (path, form) in [
        ("/api/fn/sign_in", vec![("email", "ada@example.com"), ("password", "correct horse battery")]),
        ("/api/fn/sign_up", vec![("email", "mallory@example.com"), ("password", "correct horse battery"), ("display_name", "M")]),
    ] {
        for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
            let res = client.post(app.url(path)).header(name, value).form(&form).send().await.unwrap();
            assert_eq!(res.status(), 403, "{path} with {name}: {value}");
            assert!(res.headers().get("set-cookie").is_none(), "{path}: no session for another site");
        }
    }
    // REST sign-in from another site's page: refused as well.
    let res = client
        .post(app.url("/api/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "ada@example.com", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The events socket: another site's Origin with the cookie is refused; ours works.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = app.base.replace("http://", "ws://") + "/ws";
    let mut request = url.as_str().into_client_request().unwrap();
    request.headers_mut().insert("cookie", format!("cw_session={}", ada.cookie).parse().unwrap());
    request.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("a cross-site socket was opened: {:?}", other.map(|_| ())),
    }
    let mut request = url.as_str().into_client_request().unwrap();
    request.headers_mut().insert("cookie", format!("cw_session={}", ada.cookie).parse().unwrap());
    request.headers_mut().insert("origin", app.base.parse().unwrap());
    let (mut ours, _) = tokio_tungstenite::connect_async(request).await.expect("our own page opens it");

    // At most 8 sockets per user: the ninth is told to wait.
    let mut open = Vec::new();
    for _ in 0..7 {
        open.push(app.events_socket(&ada).await);
    }
    let mut request = url.as_str().into_client_request().unwrap();
    request.headers_mut().insert("cookie", format!("cw_session={}", ada.cookie).parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 429),
        other => panic!("a ninth socket was opened: {:?}", other.map(|_| ())),
    }
    drop(open);

    // Signed out: the socket opened with that session ends.
    let res = app.as_user(&ada, Method::POST, "/api/auth/logout").send().await.unwrap();
    assert_eq!(res.status(), 200);
    use futures::StreamExt;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            match ours.next().await {
                None | Some(Err(_)) | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived the sign-out");
    app.stop().await;
}

/// A leaked API token cannot mint more tokens, list or revoke them, or
/// sign the owner out; "sign out everywhere" from a browser ends every
/// session of the user (another browser's too) and leaves other users'.
#[tokio::test]
async fn tokens_are_managed_from_a_browser_and_sign_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let created =
        body(app.as_user(&ada, Method::POST, "/api/auth/tokens").json(&json!({"name": "cli"})).send().await.unwrap()).await;
    let secret = created["token"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    let client = http();
    let with_token = |m: Method, path: &str| client.request(m, app.url(path)).bearer_auth(&secret);
    let res = with_token(Method::POST, "/api/auth/tokens").json(&json!({"name": "more"})).send().await.unwrap();
    assert_eq!(res.status(), 403, "a token minted a token");
    assert_eq!(with_token(Method::GET, "/api/auth/tokens").send().await.unwrap().status(), 403);
    let id = created["id"].as_str().unwrap();
    assert_eq!(with_token(Method::DELETE, &format!("/api/auth/tokens/{id}")).send().await.unwrap().status(), 403);
    assert_eq!(with_token(Method::POST, "/api/auth/logout-all").send().await.unwrap().status(), 403);

    // A second browser for ada; sign out everywhere from the first.
    let login = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": ada.email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let second = crate::support::session_cookie(&login).expect("a second session");
    let res = app.as_user(&ada, Method::POST, "/api/auth/logout-all").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_some_and(|c| c.to_str().unwrap().contains("Max-Age=0")));
    for cookie in [&ada.cookie, &second] {
        let me = client.get(app.url("/api/auth/me")).header("cookie", format!("cw_session={cookie}")).send().await.unwrap();
        assert_eq!(me.status(), 401, "a session outlived sign out everywhere");
    }
    assert_eq!(app.as_user(&bob, Method::GET, "/api/auth/me").send().await.unwrap().status(), 200, "bob is untouched");
    assert_eq!(with_token(Method::GET, "/api/contacts").send().await.unwrap().status(), 200, "tokens are revoked one by one");
    app.stop().await;
}

/// Throttled by client address as well as by account: a flood of sign-ins
/// from one address is refused (429, Retry-After) whatever e-mails it
/// tries, while the owner signs in from another address; a stranger's
/// wrong guesses never lock the owner out; sign-ups are limited per
/// address; a closed server refuses a sign-up before hashing anything;
/// an absurd e-mail is a 400.
#[tokio::test]
async fn sign_in_and_sign_up_floods_are_throttled_per_client_without_locking_the_owner_out() {
    let app = TestApp::spawn_with(
        TestDb::new(),
        &[
            ("TRUST_PROXY_HEADERS", "true"),
            ("RATE_LIMIT_LOGINS_PER_CLIENT_15_MIN", "12"),
            ("RATE_LIMIT_LOGINS_PER_15_MIN", "5"),
            ("RATE_LIMIT_SIGNUPS_PER_CLIENT_HOUR", "3"),
        ],
    )
    .await;
    // Sign-ups count by the hour, sign-ins by the quarter hour (whose edges
    // include the hour's).
    crate::support::in_one_window(std::time::Duration::from_secs(15 * 60), std::time::Duration::from_secs(90)).await;
    let ada = app.signup("ada").await;
    let client = http();
    let login = |from: &'static str, email: String, password: &'static str| {
        client
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", format!("203.0.113.77, {from}"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // A stranger at 198.51.100.9 guesses ada's password, then sprays other e-mails.
    let mut codes = Vec::new();
    for i in 0..14 {
        let email = if i < 7 { ada.email.clone() } else { format!("nobody{i}@example.com") };
        codes.push(login("198.51.100.9", email, "wrong password!").await.unwrap().status().as_u16());
    }
    assert_eq!(&codes[..5], &[401; 5], "{codes:?}");
    assert_eq!(codes[5], 429, "ada's e-mail from that address is throttled: {codes:?}");
    assert_eq!(codes[13], 429, "the address is throttled whatever e-mail: {codes:?}");
    let res = login("198.51.100.9", ada.email.clone(), "correct horse battery").await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // The owner, from home: fine.
    let res = login("192.0.2.44", ada.email.clone(), "correct horse battery").await.unwrap();
    assert_eq!(res.status(), 200, "the owner was locked out by a stranger");

    // Sign-ups: three an hour from one address.
    let signup = |from: &'static str, n: u32| {
        client
            .post(app.url("/api/auth/signup"))
            .header("x-forwarded-for", from)
            .json(
                &json!({"email": format!("new{n}-{from}@example.com"), "password": "correct horse battery", "display_name": "N"}),
            )
            .send()
    };
    let mut codes = Vec::new();
    for n in 0..4 {
        codes.push(signup("198.51.100.20", n).await.unwrap().status().as_u16());
    }
    assert_eq!(codes, [201, 201, 201, 429]);
    assert_eq!(signup("198.51.100.21", 0).await.unwrap().status(), 201, "another address may");

    // An absurd e-mail is refused at the edge.
    let res = login("192.0.2.44", format!("{}@example.com", "a".repeat(5000)), "x").await.unwrap();
    assert_eq!(res.status(), 400);
    // The sign-in form (a server function) is counted by the client's real address too.
    let res = client
        .post(app.url("/api/fn/sign_in"))
        .form(&[("email", ada.email.as_str()), ("password", "correct horse battery")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM rate_limit_counters WHERE bucket = 'login_client'")
        .fetch_all(&mut app.db.owner().await)
        .await
        .unwrap();
    assert!(subjects.iter().any(|s| s == "127.0.0.1"), "{subjects:?}");
    assert!(!subjects.iter().any(|s| s == "unknown"), "{subjects:?}");
    app.stop().await;

    // A closed server refuses at once, before any password is hashed.
    let closed = TestApp::spawn_with(TestDb::new(), &[("ALLOW_SIGNUP", "false")]).await;
    closed.signup("owner").await;
    let started = std::time::Instant::now();
    let refusals = futures::future::join_all((0..20).map(|n| {
        http()
            .post(closed.url("/api/auth/signup"))
            .json(&json!({"email": format!("x{n}@example.com"), "password": "correct horse battery", "display_name": "X"}))
            .send()
    }))
    .await;
    assert!(refusals.iter().all(|r| r.as_ref().unwrap().status() == 403));
    // Twenty argon2 hashes take seconds on two cores; twenty refusals do not.
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    closed.stop().await;
}

/// Every closed set in the REST API is listed as one in the OpenAPI
/// document, with exactly the spellings the server takes and stores, so a
/// client (or a fuzzer) knows the choices instead of guessing strings.
#[tokio::test]
async fn the_openapi_document_lists_every_closed_set() {
    use callwright::domain::enums::{Priority, SessionStatus, Speaker, TaskSort, TaskStatus};
    let app = TestApp::spawn().await;
    let doc = body(http().get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    // A schema, or the component it refers to.
    let resolve = |schema: &Value| -> Value {
        let schema =
            schema.get("oneOf").and_then(|o| o.as_array()).and_then(|o| o.iter().find(|s| s["type"] != "null")).unwrap_or(schema);
        match schema["$ref"].as_str() {
            Some(r) => doc.pointer(&r.replacen('#', "", 1)).cloned().unwrap_or(Value::Null),
            None => schema.clone(),
        }
    };
    let listed = |schema: &Value| -> Vec<String> {
        resolve(schema)["enum"]
            .as_array()
            .map(|e| e.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let wire = |all: &[&str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let component = |name: &str, field: &str| doc["components"]["schemas"][name]["properties"][field].clone();
    let task_status: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
    let priority: Vec<&str> = Priority::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed(&component("CallTask", "status")), wire(&task_status), "{:#}", component("CallTask", "status"));
    assert_eq!(listed(&component("CallTask", "priority")), wire(&priority));
    assert_eq!(listed(&component("NewTask", "priority")), wire(&priority));
    assert_eq!(listed(&component("TaskPatch", "status")), wire(&task_status));
    let session_status: Vec<&str> = SessionStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed(&component("CallSessionSummary", "status")), wire(&session_status));
    let speaker: Vec<&str> = Speaker::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed(&component("Segment", "speaker")), wire(&speaker));
    // The task list's filters and order, as query parameters.
    let params = doc["paths"]["/api/call-tasks"]["get"]["parameters"].as_array().unwrap().clone();
    let param = |name: &str| params.iter().find(|p| p["name"] == name).map(|p| p["schema"].clone()).unwrap_or(Value::Null);
    assert_eq!(listed(&param("status")), wire(&task_status), "{:#}", param("status"));
    assert_eq!(listed(&param("priority")), wire(&priority));
    let sort: Vec<&str> = TaskSort::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed(&param("sort")), wire(&sort));
    // The settings' voices and tones: free strings in the data, a closed set on the wire.
    use callwright::domain::settings::{TONES, VOICES};
    for schema in ["AssistantSettings", "SettingsPatch"] {
        assert_eq!(listed(&component(schema, "voice_preference")), wire(VOICES), "{schema}");
        assert_eq!(listed(&component(schema, "default_tone")), wire(TONES), "{schema}");
    }
    app.stop().await;
}
