//! Two real server processes (the release binary; GAUNTLET_BIN) on one PostgreSQL
//! database: what happens on one is seen live by a browser connected to the other.

mod support;

use app::domain::account::{Registration, Role};
use app::service::auth::token_hash;
use app::store::testing::TestDb;
use app::store::Backend;
use serde_json::{json, Value};
use std::time::Duration;
use support::process::ServerProcess;
use support::sse::next_event;

/// A participant with coins and a bearer session, made directly in the database.
async fn participant(db: &TestDb, name: &str, coins: i64) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let reg = Registration::parse(name, "password-123", None).unwrap();
    let user = db
        .store
        .user_create(&reg, "x", Role::Participant, now)
        .await
        .unwrap();
    let admin = Registration::parse(&format!("{name}_banker"), "password-123", None).unwrap();
    let admin = db
        .store
        .user_create(&admin, "x", Role::Admin, now)
        .await
        .unwrap();
    db.store
        .wallet_credit_from_issuance(admin.id, user.id, coins, None, now)
        .await
        .unwrap();
    let token = format!("{name}-session-token");
    db.store
        .session_create(&token_hash(&token), user.id, now, now + 3_600_000)
        .await
        .unwrap();
    token
}

async fn post(base: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_event_raised_in_one_process_reaches_a_stream_on_the_other() {
    let db = TestDb::new(Backend::Postgres).await;
    let alice = participant(&db, "alice", 100).await;
    let bob = participant(&db, "bob", 100).await;
    let logs = tempfile::tempdir().unwrap();
    let a = ServerProcess::spawn(&db.url, &logs.path().join("a.log"), &[]);
    let b = ServerProcess::spawn(&db.url, &logs.path().join("b.log"), &[]);
    let (a_base, b_base) = (a.base_url().await, b.base_url().await);

    let due_at = (chrono::Utc::now() + chrono::Duration::hours(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, created) = post(&a_base, &alice, "/api/v1/challenges",
        json!({"title": "Swim 2 km", "category": "sports", "amount": 10, "due_at": due_at, "side": "yes"})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();

    // alice watches on B, bob on A; bob joins on A
    let client = reqwest::Client::new();
    let mut alice_on_b = support::sse::open(
        client
            .get(format!("{b_base}/api/v1/events"))
            .bearer_auth(&alice),
    )
    .await;
    let mut bob_on_a = support::sse::open(
        client
            .get(format!("{a_base}/api/v1/events"))
            .bearer_auth(&bob),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, stake) = post(
        &a_base,
        &bob,
        &format!("/api/v1/challenges/{id}/join"),
        json!({"side": "no"}),
    )
    .await;
    assert_eq!(status, 201, "{stake}");

    let on_b = next_event(&mut alice_on_b, "notification", Duration::from_secs(1)).await;
    assert_eq!(
        (on_b["kind"].as_str(), on_b["challenge_id"].as_i64()),
        (Some("matched"), Some(id)),
        "B: {}",
        b.log_text()
    );
    let on_a = next_event(&mut bob_on_a, "notification", Duration::from_secs(1)).await;
    assert_eq!(
        (on_a["kind"].as_str(), on_a["challenge_id"].as_i64()),
        (Some("matched"), Some(id)),
        "A: {}",
        a.log_text()
    );

    let check = db.store.ledger_check().await.unwrap();
    assert!(check.ok, "{check:?}");
}
