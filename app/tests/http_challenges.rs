//! HTTP tests of challenges: create, join, withdraw, evidence, lists, and the
//! documented errors for each.

mod support;

use app::store::Backend;
use serde_json::{json, Value};
use support::TestServer;

on_both_databases!(
    create_join_and_see_the_pool => create_join_and_see_the_pool,
    errors_are_documented_and_change_nothing => errors_are_documented_and_change_nothing,
    direct_challenges_and_evidence => direct_challenges_and_evidence,
    lists_filter_and_paginate => lists_filter_and_paginate,
);

fn due_in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn challenge_body(amount: i64, side: &str) -> Value {
    json!({"title": "Run 10 km", "description": "proof on Strava", "category": "fitness",
           "amount": amount, "due_at": due_in_hours(2), "side": side})
}

async fn create_join_and_see_the_pool(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 1_000).await;
    let (bob, _) = server.participant("bob", 1_000).await;
    let (status, c) = alice
        .post("/api/v1/challenges", challenge_body(100, "yes"))
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        (
            c["status"].as_str(),
            c["yes_waiting"].as_i64(),
            c["pool"].as_i64()
        ),
        (Some("pending"), Some(1), Some(0))
    );
    assert_eq!(c["my_stake"]["side"], "yes");
    let id = c["id"].as_i64().unwrap();
    let (status, stake) = bob
        .post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"}),
        )
        .await;
    assert_eq!(
        (status, stake["status"].as_str()),
        (201, Some("matched")),
        "{stake}"
    );
    let (_, c) = alice.get(&format!("/api/v1/challenges/{id}")).await;
    assert_eq!(
        (
            c["status"].as_str(),
            c["matched_pairs"].as_i64(),
            c["pool"].as_i64()
        ),
        (Some("active"), Some(1), Some(200))
    );
    assert!(c["activated_at"].is_string());
    assert_eq!(c["my_stake"]["status"], "matched");
    assert_eq!(bob.get("/api/v1/me").await.1["balance"], 900);
    let (_, txs) = bob.get("/api/v1/me/transactions").await;
    assert_eq!(
        (
            txs["items"][0]["kind"].as_str(),
            txs["items"][0]["challenge_id"].as_i64()
        ),
        (Some("stake"), Some(id))
    );
    server.assert_ledger_ok().await;
    server.stop().await;
}

async fn errors_are_documented_and_change_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 1_000).await;
    let (poor, _) = server.participant("poor", 10).await;
    // per-field validation
    let mut bad = challenge_body(100, "yes");
    bad["title"] = json!("");
    bad["amount"] = json!(0);
    bad["due_at"] = json!("2001-01-01T00:00:00Z");
    bad["category"] = json!("cooking");
    let (status, problem) = alice.post("/api/v1/challenges", bad).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("validation"))
    );
    for field in ["title", "amount", "due_at", "category"] {
        assert!(problem["errors"][field].is_string(), "{field}: {problem}");
    }
    for (field, value) in [
        ("amount", json!(-1)),
        ("amount", json!(1_000_001)),
        ("amount", json!(1e20)),
        ("amount", json!("5")),
        ("due_at", json!(due_in_hours(24 * 400))),
        ("side", json!("maybe")),
    ] {
        let mut body = challenge_body(100, "yes");
        body[field] = value.clone();
        assert_eq!(
            alice.post("/api/v1/challenges", body).await.0,
            422,
            "{field} = {value}"
        );
    }
    let mut unknown = challenge_body(100, "yes");
    unknown["status"] = json!("completed");
    assert_eq!(
        alice.post("/api/v1/challenges", unknown).await.0,
        422,
        "unknown fields are refused"
    );
    assert_eq!(
        server
            .bare()
            .post("/api/v1/challenges", challenge_body(100, "yes"))
            .await
            .0,
        401
    );
    let (status, problem) = poor
        .post("/api/v1/challenges", challenge_body(100, "yes"))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("insufficient_funds"))
    );
    let (_, list) = alice.get("/api/v1/challenges").await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "no bad request created anything"
    );

    let (_, c) = alice
        .post("/api/v1/challenges", challenge_body(100, "yes"))
        .await;
    let id = c["id"].as_i64().unwrap();
    let (status, problem) = alice
        .post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("already_joined"))
    );
    let (status, problem) = poor
        .post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("insufficient_funds"))
    );
    assert_eq!(poor.get("/api/v1/me").await.1["balance"], 10);
    assert_eq!(
        alice
            .post("/api/v1/challenges/999999/join", json!({"side": "no"}))
            .await
            .0,
        404
    );
    assert_eq!(
        alice
            .post(
                &format!("/api/v1/challenges/{id}/join"),
                json!({"side": "up"})
            )
            .await
            .0,
        422
    );
    assert_eq!(alice.get("/api/v1/challenges/nope").await.0, 404);
    assert_eq!(alice.get("/api/v1/challenges?status=bogus").await.0, 422);
    // withdrawing: the waiting stake comes back; a second withdrawal finds nothing
    assert_eq!(
        alice
            .delete(&format!("/api/v1/challenges/{id}/stake"))
            .await
            .0,
        204
    );
    assert_eq!(alice.get("/api/v1/me").await.1["balance"], 1_000);
    assert_eq!(
        alice
            .delete(&format!("/api/v1/challenges/{id}/stake"))
            .await
            .0,
        404
    );
    // frozen wallets cannot stake
    let admin = server.admin().await;
    let poor_id = poor.get("/api/v1/me").await.1["id"].as_i64().unwrap();
    admin
        .post_empty(&format!("/api/v1/admin/users/{poor_id}/freeze"))
        .await;
    let (_, c2) = alice
        .post("/api/v1/challenges", challenge_body(5, "yes"))
        .await;
    let (status, problem) = poor
        .post(
            &format!("/api/v1/challenges/{}/join", c2["id"]),
            json!({"side": "no"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("wallet_frozen"))
    );
    server.assert_ledger_ok().await;
    server.stop().await;
}

async fn direct_challenges_and_evidence(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 1_000).await;
    let (bob, _) = server.participant("bob", 1_000).await;
    let (carol, _) = server.participant("carol", 1_000).await;
    let mut body = challenge_body(50, "yes");
    body["challenged_username"] = json!("nobody_here");
    let (status, problem) = alice.post("/api/v1/challenges", body.clone()).await;
    assert_eq!(
        (status, problem["errors"]["challenged_username"].is_string()),
        (422, true)
    );
    body["challenged_username"] = json!("bob");
    let (_, c) = alice.post("/api/v1/challenges", body).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["challenged_name"], "bob");
    let (status, problem) = carol
        .post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"}),
        )
        .await;
    assert_eq!((status, problem["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = carol
        .post(
            &format!("/api/v1/challenges/{id}/evidence"),
            json!({"text": "I saw it"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = alice
        .post(
            &format!("/api/v1/challenges/{id}/evidence"),
            json!({"text": "too soon"}),
        )
        .await;
    assert_eq!(status, 409, "evidence waits until the challenge is active");
    assert_eq!(
        bob.post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"})
        )
        .await
        .0,
        201
    );
    for url in [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://files.example/x",
    ] {
        let (status, problem) = alice
            .post(
                &format!("/api/v1/challenges/{id}/evidence"),
                json!({"text": "see", "url": url}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"]["url"].is_string()),
            (422, true),
            "{url}"
        );
    }
    let (status, e) = alice
        .post(
            &format!("/api/v1/challenges/{id}/evidence"),
            json!({"text": "ran it", "url": "https://strava.example/a/1"}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let (_, list) = carol
        .get(&format!("/api/v1/challenges/{id}/evidence"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["url"], "https://strava.example/a/1");
    server.stop().await;
}

async fn lists_filter_and_paginate(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 10_000).await;
    let (bob, _) = server.participant("bob", 10_000).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut body = challenge_body(10, "yes");
        body["category"] = json!(if i % 2 == 0 { "gaming" } else { "finance" });
        ids.push(
            alice.post("/api/v1/challenges", body).await.1["id"]
                .as_i64()
                .unwrap(),
        );
    }
    bob.post(
        &format!("/api/v1/challenges/{}/join", ids[1]),
        json!({"side": "no"}),
    )
    .await;
    let (_, page) = bob.get("/api/v1/challenges?limit=2").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, page2) = bob
        .get(&format!("/api/v1/challenges?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(page2["items"][0]["id"].as_i64(), Some(ids[2]));
    let (_, gaming) = bob.get("/api/v1/challenges?category=gaming").await;
    assert_eq!(gaming["items"].as_array().unwrap().len(), 3);
    let (_, active) = bob.get("/api/v1/challenges?status=active").await;
    assert_eq!(active["items"][0]["id"].as_i64(), Some(ids[1]));
    let (_, mine) = bob.get("/api/v1/challenges?mine=true").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        server.bare().get("/api/v1/challenges?mine=true").await.0,
        401
    );
    server.stop().await;
}
