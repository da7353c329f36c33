//! HTTP tests of accounts, admin user management, the ledger check and operations,
//! against the real router on a random port.

mod support;

use app::store::Backend;
use serde_json::json;
use support::{TestServer, ADMIN_USERNAME};

on_both_databases!(
    register_login_me_logout => register_login_me_logout,
    bad_input_gets_the_documented_status_and_changes_nothing => bad_input,
    admins_credit_freeze_and_audit => admins_credit_freeze_and_audit,
    participants_are_refused_admin_endpoints => participants_are_refused_admin_endpoints,
    cookie_writes_need_our_origin => cookie_writes_need_our_origin,
    operations_endpoints_answer => operations_endpoints_answer,
    the_demo_seeds_users_and_challenges_once => the_demo_seeds_users_and_challenges_once,
    instances_starting_together_share_one_admin => instances_starting_together_share_one_admin,
);

async fn register_login_me_logout(backend: Backend) {
    let server = TestServer::start(backend).await;
    let c = server.browser();
    let (status, user) = c
        .post(
            "/api/v1/auth/register",
            json!({"username": "alice", "password": "password-123", "display_name": "Alice"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(
        (
            user["username"].as_str(),
            user["role"].as_str(),
            user["balance"].as_i64()
        ),
        (Some("alice"), Some("participant"), Some(0))
    );
    assert_eq!(
        c.get("/api/v1/me").await.0,
        401,
        "registering does not sign in over REST"
    );
    let (status, body) = c
        .post(
            "/api/v1/auth/login",
            json!({"username": "alice", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    let (status, body) = c
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_credentials")),
        "unknown users look the same"
    );
    c.login("alice", "password-123").await;
    let (status, me) = c.get("/api/v1/me").await;
    assert_eq!((status, me["display_name"].as_str()), (200, Some("Alice")));
    let (status, txs) = c.get("/api/v1/me/transactions").await;
    assert_eq!(
        (
            status,
            txs["items"].as_array().map(Vec::len),
            &txs["next_cursor"]
        ),
        (200, Some(0), &serde_json::Value::Null)
    );
    assert_eq!(c.post_empty("/api/v1/auth/logout").await.0, 204);
    assert_eq!(
        c.get("/api/v1/me").await.0,
        401,
        "the session ended on the server"
    );
    server.stop().await;
}

async fn bad_input(backend: Backend) {
    let server = TestServer::start(backend).await;
    let c = server.browser();
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (
            json!({"username": "ab", "password": "password-123"}),
            422,
            "username",
        ),
        (
            json!({"username": "Alice!", "password": "password-123"}),
            422,
            "username",
        ),
        (
            json!({"username": "alice", "password": "short"}),
            422,
            "password",
        ),
        (json!({"username": "alice"}), 422, "password"),
        (
            json!({"username": "alice", "password": "password-123", "role": "admin"}),
            422,
            "role",
        ),
        (
            json!({"username": 5, "password": "password-123"}),
            422,
            "username",
        ),
    ];
    for (body, status, field) in cases {
        let (got, problem) = c.post("/api/v1/auth/register", body.clone()).await;
        assert_eq!(got, status, "{body} → {problem}");
        assert_eq!(problem["code"], "validation", "{problem}");
        assert!(problem["errors"][field].is_string(), "{field} in {problem}");
    }
    let (status, problem, ct) = c
        .raw(
            reqwest::Method::POST,
            "/api/v1/auth/register",
            "application/json",
            b"{\"username\": ".to_vec(),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("bad_request"))
    );
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    let huge = format!(
        "{{\"username\": \"{}\", \"password\": \"password-123\"}}",
        "a".repeat(70_000)
    );
    let (status, problem, _) = c
        .raw(
            reqwest::Method::POST,
            "/api/v1/auth/register",
            "application/json",
            huge.into_bytes(),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // the taken name, after a valid registration
    assert_eq!(
        c.post(
            "/api/v1/auth/register",
            json!({"username": "alice", "password": "password-123"})
        )
        .await
        .0,
        201
    );
    let (status, problem) = c
        .post(
            "/api/v1/auth/register",
            json!({"username": "alice", "password": "password-456"}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"]["username"].as_str()),
        (422, Some("That username is taken."))
    );
    let admin = server.admin().await;
    let (_, users) = admin.get("/api/v1/admin/users?q=alice").await;
    assert_eq!(
        users["items"].as_array().unwrap().len(),
        1,
        "nothing was created by the bad requests"
    );
    let alice_id = users["items"][0]["id"].as_i64().unwrap();
    for (amount, status) in [
        (json!(0), 422),
        (json!(-5), 422),
        (json!(1.5), 422),
        (json!("10"), 422),
        (json!(1e30), 422),
        (json!(1_000_000_000_001i64), 422),
    ] {
        let (got, problem) = admin
            .post(
                &format!("/api/v1/admin/users/{alice_id}/credit"),
                json!({"amount": amount}),
            )
            .await;
        assert_eq!(got, status, "{amount}: {problem}");
    }
    assert_eq!(
        admin
            .post("/api/v1/admin/users/999999/credit", json!({"amount": 5}))
            .await
            .0,
        404
    );
    assert_eq!(
        admin
            .post("/api/v1/admin/users/abc/credit", json!({"amount": 5}))
            .await
            .0,
        404
    );
    assert_eq!(admin.get("/api/v1/admin/users?limit=x").await.0, 422);
    assert_eq!(admin.get("/api/v1/admin/users?cursor=zzz").await.0, 422);
    assert_eq!(admin.get("/api/v1/no/such/thing").await.0, 404);
    let (_, me) = admin.get(&format!("/api/v1/admin/users?q=alice")).await;
    assert_eq!(
        me["items"][0]["balance"], 0,
        "no bad credit changed the balance"
    );
    server.assert_ledger_ok().await;
    server.stop().await;
}

async fn admins_credit_freeze_and_audit(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (bob, bob_user) = server.participant("bob", 0).await;
    let admin = server.admin().await;
    let id = bob_user["id"].as_i64().unwrap();
    let (status, after) = admin
        .post(
            &format!("/api/v1/admin/users/{id}/credit"),
            json!({"amount": 1500, "memo": "prize"}),
        )
        .await;
    assert_eq!((status, after["balance"].as_i64()), (200, Some(1500)));
    assert_eq!(bob.get("/api/v1/me").await.1["balance"], 1500);
    let (_, txs) = bob.get("/api/v1/me/transactions").await;
    assert_eq!(txs["items"][0]["kind"], "credit");
    assert_eq!(txs["items"][0]["amount"], 1500);
    let (status, frozen) = admin
        .post_empty(&format!("/api/v1/admin/users/{id}/freeze"))
        .await;
    assert_eq!((status, frozen["frozen"].as_bool()), (200, Some(true)));
    let (status, problem) = admin
        .post_empty(&format!("/api/v1/admin/users/{id}/freeze"))
        .await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("conflict")));
    let (status, problem) = admin
        .post(
            &format!("/api/v1/admin/users/{id}/credit"),
            json!({"amount": 5}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("wallet_frozen"))
    );
    assert_eq!(
        admin
            .post_empty(&format!("/api/v1/admin/users/{id}/unfreeze"))
            .await
            .0,
        200
    );
    let (_, audit) = admin.get("/api/v1/admin/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["wallet.unfreeze", "wallet.freeze", "wallet.credit"]
    );
    let (_, admin_me) = admin.get("/api/v1/me").await;
    assert_eq!(audit["items"][2]["actor_id"], admin_me["id"]);
    assert_eq!(audit["items"][2]["target"], format!("user:{id}"));
    let (status, check) = admin.get("/api/v1/admin/ledger/check").await;
    assert_eq!(
        (
            status,
            check["ok"].as_bool(),
            check["accounts_sum"].as_i64()
        ),
        (200, Some(true), Some(0))
    );
    let (_, found) = admin
        .get(&format!("/api/v1/admin/users?q={ADMIN_USERNAME}"))
        .await;
    assert_eq!(found["items"][0]["role"], "admin");
    server.stop().await;
}

async fn participants_are_refused_admin_endpoints(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (carol, carol_user) = server.participant("carol", 0).await;
    let id = carol_user["id"].as_i64().unwrap();
    for path in [
        "/api/v1/admin/users",
        "/api/v1/admin/audit",
        "/api/v1/admin/ledger/check",
    ] {
        let (status, problem) = carol.get(path).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
        assert_eq!(server.bare().get(path).await.0, 401, "{path} anonymous");
    }
    let (status, _) = carol
        .post(
            &format!("/api/v1/admin/users/{id}/credit"),
            json!({"amount": 1000}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(carol.get("/api/v1/me").await.1["balance"], 0);
    server.stop().await;
}

async fn cookie_writes_need_our_origin(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (_, users) = admin
        .get(&format!("/api/v1/admin/users?q={ADMIN_USERNAME}"))
        .await;
    let id = users["items"][0]["id"].as_i64().unwrap();
    // the same cookie jar, but a request from another site
    let r = admin
        .http
        .post(server.url(&format!("/api/v1/admin/users/{id}/credit")))
        .header("Origin", "https://evil.example")
        .json(&json!({"amount": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // a bearer token (the session token, for API clients) needs no Origin
    let login = reqwest::Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": ADMIN_USERNAME, "password": support::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_string();
    let r = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/admin/users/{id}/credit")))
        .bearer_auth(&token)
        .json(&json!({"amount": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (_, after) = admin
        .get(&format!("/api/v1/admin/users?q={ADMIN_USERNAME}"))
        .await;
    assert_eq!(
        after["items"][0]["balance"], 5,
        "only the bearer request credited"
    );
    server.stop().await;
}

async fn operations_endpoints_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let c = server.bare();
    assert_eq!(c.get("/healthz").await.0, 200);
    let (status, ready) = c.get("/readyz").await;
    assert_eq!(
        (status, ready["database"].as_str()),
        (200, Some(backend.name()))
    );
    let (status, doc) = c.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/api/v1/admin/users/{id}/credit"]["post"].is_object());
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("gauntlet_http_requests_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("gauntlet_payout_entries_total"),
        "{metrics}"
    );
    let page = reqwest::get(server.url("/login")).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let headers = page.headers().clone();
    assert!(headers.get("content-security-policy").is_some());
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"login-submit\""),
        "the login form is server-rendered"
    );
    let missing = reqwest::get(server.url("/no-such-page")).await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    server.stop().await;
}

async fn the_demo_seeds_users_and_challenges_once(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        std::sync::Arc::new(app::engine::clock::SystemClock),
        |c| c.demo = true,
    )
    .await;
    // a second start on the same database must not seed again
    server.services().seed_demo().await.expect("idempotent");
    let alice = server.browser();
    alice
        .login("alice", app::service::demo::DEMO_PASSWORD)
        .await;
    let (status, page) = alice.get("/api/v1/challenges?limit=50").await;
    assert_eq!(status, 200, "{page}");
    let statuses: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["status"].as_str())
        .collect();
    assert_eq!(statuses.len(), 4, "{page}");
    assert_eq!(
        statuses.iter().filter(|s| **s == "active").count(),
        3,
        "{page}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == "pending").count(),
        1,
        "{page}"
    );
    let (_, me) = alice.get("/api/v1/me").await;
    assert_eq!(
        me["balance"].as_i64(),
        Some(10_000 - 100 - 50 - 500),
        "{me}"
    );
    server.assert_ledger_ok().await;
}

async fn instances_starting_together_share_one_admin(backend: Backend) {
    let server = TestServer::start(backend).await;
    let root = server.admin().await;
    let services = server.services();
    let mut config = (*services.config).clone();
    config.admin_username = Some("deputy".into());
    config.admin_password = Some("deputy-password".into());
    let one = app::service::Services::new(
        services.store.clone(),
        services.clock.clone(),
        config.clone(),
    );
    let two = app::service::Services::new(services.store.clone(), services.clock.clone(), config);
    let (a, b) = tokio::join!(one.bootstrap_admin(), two.bootstrap_admin());
    a.expect("first instance starts");
    b.expect("second instance starts");
    let deputy = server.browser();
    deputy.login("deputy", "deputy-password").await;
    let (_, me) = deputy.get("/api/v1/me").await;
    assert_eq!(me["role"].as_str(), Some("admin"), "{me}");
    // a restart with the same password keeps the admin signed in
    services.bootstrap_admin().await.expect("restart");
    assert_eq!(root.get("/api/v1/admin/users").await.0, 200);
}
