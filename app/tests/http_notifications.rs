//! HTTP tests of the inbox and the live event stream (Server-Sent Events),
//! including delivery across two server instances on one PostgreSQL database.

mod support;

use app::store::Backend;
use serde_json::json;
use std::time::Duration;
use support::sse::next_event;
use support::{Client, TestServer};

on_both_databases!(
    the_inbox_lists_filters_and_marks_read => inbox,
    a_match_reaches_an_open_event_stream_within_a_second => live_match,
    a_reconnecting_stream_replays_what_it_missed => replay,
);

fn due_in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn challenge(c: &Client) -> i64 {
    let (status, body) = c
        .post("/api/v1/challenges", json!({"title": "Swim 2 km", "category": "sports", "amount": 10, "due_at": due_in_hours(3), "side": "yes"}))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn inbox(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 100).await;
    let (bob, _) = server.participant("bob", 100).await;
    let id = challenge(&alice).await;
    bob.post(
        &format!("/api/v1/challenges/{id}/join"),
        json!({"side": "no"}),
    )
    .await;
    let (status, inbox) = alice.get("/api/v1/notifications").await;
    assert_eq!(status, 200);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0]["kind"].as_str(),
            items[0]["priority"].as_str(),
            items[0]["challenge_id"].as_i64()
        ),
        (Some("matched"), Some("normal"), Some(id))
    );
    let nid = items[0]["id"].as_i64().unwrap();
    // someone else's notification is not yours to read
    assert_eq!(
        bob.post_empty(&format!("/api/v1/notifications/{nid}/read"))
            .await
            .0,
        404
    );
    assert_eq!(
        alice
            .post_empty(&format!("/api/v1/notifications/{nid}/read"))
            .await
            .0,
        204
    );
    let (_, unread) = alice.get("/api/v1/notifications?unread=true").await;
    assert_eq!(unread["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        bob.get("/api/v1/notifications?unread=true").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        bob.post_empty("/api/v1/notifications/read-all").await.0,
        204
    );
    assert_eq!(
        bob.get("/api/v1/notifications?unread=true").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(server.bare().get("/api/v1/notifications").await.0, 401);
    assert_eq!(server.bare().get("/api/v1/events").await.0, 401);
    server.stop().await;
}

async fn open_stream(
    c: &Client,
    base: &str,
    last_event_id: Option<i64>,
) -> support::sse::EventStream {
    let mut req = c.http.get(format!("{base}/api/v1/events"));
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    support::sse::open(req).await
}

async fn live_match(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 100).await;
    let (bob, _) = server.participant("bob", 100).await;
    let id = challenge(&alice).await;
    let mut stream = open_stream(&alice, &server.base, None).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let joined_at = std::time::Instant::now();
    assert_eq!(
        bob.post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"})
        )
        .await
        .0,
        201
    );
    let n = next_event(&mut stream, "notification", Duration::from_secs(1)).await;
    assert_eq!(
        (n["kind"].as_str(), n["challenge_id"].as_i64()),
        (Some("matched"), Some(id))
    );
    assert!(
        joined_at.elapsed() < Duration::from_secs(1),
        "delivered in {:?}",
        joined_at.elapsed()
    );
    server.stop().await;
}

async fn replay(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, _) = server.participant("alice", 100).await;
    let (bob, _) = server.participant("bob", 100).await;
    let id = challenge(&alice).await;
    bob.post(
        &format!("/api/v1/challenges/{id}/join"),
        json!({"side": "no"}),
    )
    .await;
    // the stream was closed while the match happened: Last-Event-ID 0 replays it
    let mut stream = open_stream(&alice, &server.base, Some(0)).await;
    let n = next_event(&mut stream, "notification", Duration::from_secs(2)).await;
    assert_eq!(n["kind"], "matched");
    server.stop().await;
}

/// Two instances on one PostgreSQL database: the event is raised on A (the join)
/// and received by a browser connected to B, carried by LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_an_event_raised_on_one_reaches_the_other() {
    let a = TestServer::start(Backend::Postgres).await;
    let b = a.second_instance().await;
    let (alice_on_a, _) = a.participant("alice", 100).await;
    let (bob_on_a, _) = a.participant("bob", 100).await;
    let alice_on_b = Client {
        http: alice_on_a.http.clone(),
        base: b.base.clone(),
    };
    let id = challenge(&alice_on_a).await;
    let mut stream = open_stream(&alice_on_b, &b.base, None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        bob_on_a
            .post(
                &format!("/api/v1/challenges/{id}/join"),
                json!({"side": "no"})
            )
            .await
            .0,
        201
    );
    let n = next_event(&mut stream, "notification", Duration::from_secs(1)).await;
    assert_eq!(
        (n["kind"].as_str(), n["challenge_id"].as_i64()),
        (Some("matched"), Some(id))
    );
    b.stop().await;
    a.stop().await;
}
