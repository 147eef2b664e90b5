//! The UI's server functions: the same operations, rules and errors as the
//! REST API, because both sit on one service layer.

use crate::support::{TestApp, http, json_of, session_cookie};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn server_functions_share_the_service_layer_with_rest() {
    let app = TestApp::spawn().await;
    let client = http();

    // Sign up through the server function (a plain form post, as a no-JS form would send).
    let res = client
        .post(app.url("/api/fn/sign_up"))
        .form(&[("email", "grace@example.com"), ("password", "compiler123"), ("display_name", "Grace")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("server function sets the session cookie");
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "grace@example.com");
    let with_cookie =
        |method: Method, path: &str| client.request(method, app.url(path)).header("cookie", format!("cw_session={cookie}"));

    // The REST API sees the same session.
    let me = json_of(with_cookie(Method::GET, "/api/auth/me")).await;
    assert_eq!(me["user"]["id"], user["id"]);
    let current = json_of(with_cookie(Method::POST, "/api/fn/current_user")).await;
    assert_eq!(current["id"], user["id"]);
    let visitor = json_of(client.post(app.url("/api/fn/current_user"))).await;
    assert_eq!(visitor, Value::Null);

    // Create through the server function, read through REST: same rules (E.164).
    let res = with_cookie(Method::POST, "/api/fn/save_contact")
        .json(&json!({"contact": {"name": "Corner Pizzeria", "phone_number": "415.555.0101"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let contact: Value = res.json().await.unwrap();
    assert_eq!(contact["phone_number"], "+14155550101");
    // The same function with an id saves the whole form over that contact.
    let edited = json_of(
        with_cookie(Method::POST, "/api/fn/save_contact")
            .json(&json!({"id": contact["id"], "contact": {"name": "Corner Pizzeria", "notes": "Ask for Sam"}})),
    )
    .await;
    assert_eq!((&edited["id"], &edited["phone_number"], &edited["notes"]), (&contact["id"], &Value::Null, &json!("Ask for Sam")));
    let contact = json_of(
        with_cookie(Method::POST, "/api/fn/save_contact")
            .json(&json!({"id": contact["id"], "contact": {"name": "Corner Pizzeria", "phone_number": "415.555.0101"}})),
    )
    .await;
    let listed = json_of(with_cookie(Method::GET, "/api/contacts")).await;
    assert_eq!(listed["contacts"][0]["id"], contact["id"]);
    let via_fn: Value =
        with_cookie(Method::POST, "/api/fn/list_contacts").form(&[("q", "pizz")]).send().await.unwrap().json().await.unwrap();
    assert_eq!(via_fn.as_array().unwrap().len(), 1);

    // The same typed errors: 400 with the field named.
    let res = with_cookie(Method::POST, "/api/fn/save_contact")
        .json(&json!({"contact": {"name": "Nowhere", "phone_number": "555-1234"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "validation_error");
    assert_eq!(err["field"], "phone_number");
    let res = with_cookie(Method::POST, "/api/fn/update_settings")
        .json(&json!({"patch": {"max_retry_attempts": 9}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "max_retry_attempts");
    let ok =
        json_of(with_cookie(Method::POST, "/api/fn/update_settings").json(&json!({"patch": {"default_tone": "formal"}}))).await;
    assert_eq!(ok["default_tone"], "formal");
    let rest = json_of(with_cookie(Method::GET, "/api/settings")).await;
    assert_eq!(rest["settings"]["default_tone"], "formal");

    // Not signed in: 401; another user's contact: 404.
    let res = client.post(app.url("/api/fn/list_contacts")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");
    let other = app.signup("other").await;
    let res = app
        .as_user(&other, Method::POST, "/api/fn/delete_contact")
        .form(&[("id", contact["id"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Cross-site posts with the cookie are refused here too.
    let res = with_cookie(Method::POST, "/api/fn/delete_contact")
        .header("origin", "https://evil.example")
        .form(&[("id", contact["id"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // API tokens: created once with their secret, listed without it, revoked.
    let created = json_of(with_cookie(Method::POST, "/api/fn/create_api_token").form(&[("name", "laptop")])).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(client.get(app.url("/api/contacts")).bearer_auth(&secret).send().await.unwrap().status(), 200);
    let tokens = json_of(with_cookie(Method::POST, "/api/fn/list_api_tokens")).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1);
    assert!(!tokens.to_string().contains(&secret));
    let id = created["token"]["id"].as_str().unwrap();
    assert_eq!(with_cookie(Method::POST, "/api/fn/revoke_api_token").form(&[("id", id)]).send().await.unwrap().status(), 200);
    assert_eq!(client.get(app.url("/api/contacts")).bearer_auth(&secret).send().await.unwrap().status(), 401);

    // The body limit holds for server functions too.
    let res = with_cookie(Method::POST, "/api/fn/save_contact")
        .json(&json!({"contact": {"name": "x", "notes": "n".repeat(80 * 1024)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "payload_too_large");

    // Notifications and sign-out.
    let page = json_of(with_cookie(Method::POST, "/api/fn/list_notifications").form(&[("unread_only", "true")])).await;
    assert_eq!(page["unread_count"], 0);
    // One function marks one notification or all of them; "all unread" is refused with the field named.
    let mark = |form: &[(&str, &str)]| with_cookie(Method::POST, "/api/fn/mark_notifications").form(form).send();
    assert_eq!(mark(&[("is_read", "true")]).await.unwrap().status(), 200);
    let res = mark(&[("is_read", "false")]).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "id");
    let res = mark(&[("id", contact["id"].as_str().unwrap()), ("is_read", "true")]).await.unwrap();
    assert_eq!(res.status(), 404);
    // The task list's function sends what a row shows, not the instruction or the plan
    // (the REST list keeps the full records).
    let created = json_of(
        with_cookie(Method::POST, "/api/call-tasks")
            .json(&json!({"raw_instruction": "Call 415-555-0101 and order a large pepperoni", "priority": "high"})),
    )
    .await;
    let page = json_of(with_cookie(Method::POST, "/api/fn/list_tasks")).await;
    let row = page["tasks"][0].as_object().unwrap();
    let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "id", "priority", "scheduled_for", "status", "title"]);
    assert_eq!((&row["id"], &row["priority"]), (&created["call_task"]["id"], &json!("high")));
    assert_eq!(page["next_cursor"], Value::Null);
    let rest = json_of(with_cookie(Method::GET, "/api/call-tasks")).await;
    assert!(rest["call_tasks"][0]["ai_plan"].is_object());

    let res = with_cookie(Method::POST, "/api/fn/sign_out").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(with_cookie(Method::GET, "/api/auth/me").send().await.unwrap().status(), 401);
    app.stop().await;
}
