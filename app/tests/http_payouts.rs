//! HTTP tests of the admin side: the Awaiting list, resolve and cancel, payout jobs
//! and their control, analytics. A manual clock moves deadlines past instantly.

mod support;

use app::engine::clock::ManualClock;
use app::store::Backend;
use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, TestServer};

on_both_databases!(
    resolve_and_cancel_follow_the_contract => resolve_and_cancel,
    job_control_answers_409_when_not_allowed => job_control,
);

const START_MS: i64 = 1_900_000_000_000;

async fn wait_for(c: &Client, path: &str, field: &str, want: &str) -> Value {
    for _ in 0..300 {
        let (_, v) = c.get(path).await;
        if v[field] == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path} never had {field} = {want}");
}

/// A challenge between two fresh participants, past its deadline (awaiting a result).
async fn awaiting(server: &TestServer, clock: &ManualClock, tag: &str) -> (i64, Client, Client) {
    let (a, _) = server.participant(&format!("{tag}_a"), 1_000).await;
    let (b, _) = server.participant(&format!("{tag}_b"), 1_000).await;
    let due = app::domain::time::rfc3339(clock.now_ms() + 3_600_000);
    let (_, c) = a.post("/api/v1/challenges", json!({"title": "Climb", "category": "fitness", "amount": 100, "due_at": due, "side": "yes"})).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        b.post(
            &format!("/api/v1/challenges/{id}/join"),
            json!({"side": "no"})
        )
        .await
        .0,
        201
    );
    clock.advance_ms(3_600_000);
    wait_for(
        &a,
        &format!("/api/v1/challenges/{id}"),
        "status",
        "pending_admin",
    )
    .await;
    (id, a, b)
}

use app::engine::clock::Clock;

async fn resolve_and_cancel(backend: Backend) {
    let clock = ManualClock::new(START_MS);
    let server = TestServer::start_with_clock(backend, clock.clone()).await;
    let admin = server.admin().await;
    let (id, alice, bob) = awaiting(&server, &clock, "res").await;
    let (_, awaiting) = admin
        .get("/api/v1/admin/challenges?status=pending_admin")
        .await;
    assert_eq!(awaiting["items"][0]["id"].as_i64(), Some(id));
    let (status, preview) = admin
        .get(&format!("/api/v1/admin/challenges/{id}/preview"))
        .await;
    assert_eq!(
        (
            status,
            preview["yes"]["amount_per_entry_coins"].as_i64(),
            preview["yes"]["fee_coins"].as_i64()
        ),
        (200, Some(190), Some(10))
    );
    assert_eq!(
        alice
            .post(
                &format!("/api/v1/admin/challenges/{id}/resolve"),
                json!({"result": "yes"})
            )
            .await
            .0,
        403
    );
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/challenges/{id}/resolve"),
                json!({"result": "maybe"})
            )
            .await
            .0,
        422
    );
    let (status, job) = admin
        .post(
            &format!("/api/v1/admin/challenges/{id}/resolve"),
            json!({"result": "yes", "notes": "clear win"}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(
        (
            job["kind"].as_str(),
            job["total_entries"].as_i64(),
            job["total_pool"].as_i64(),
            job["platform_fee"].as_i64()
        ),
        (Some("payout"), Some(1), Some(200), Some(10))
    );
    let (status, again) = admin
        .post(
            &format!("/api/v1/admin/challenges/{id}/resolve"),
            json!({"result": "no"}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("invalid_state"))
    );
    let job_path = format!("/api/v1/admin/payout-jobs/{}", job["id"]);
    let done = wait_for(&admin, &job_path, "status", "completed").await;
    assert_eq!(
        (
            done["processed_entries"].as_i64(),
            done["progress"].as_f64()
        ),
        (Some(1), Some(1.0))
    );
    assert_eq!(alice.get("/api/v1/me").await.1["balance"], 1_090);
    assert_eq!(bob.get("/api/v1/me").await.1["balance"], 900);
    let (_, entries) = admin.get(&format!("{job_path}/entries?status=paid")).await;
    assert_eq!(entries["items"].as_array().unwrap().len(), 1);
    wait_for(
        &alice,
        &format!("/api/v1/challenges/{id}"),
        "status",
        "completed",
    )
    .await;
    // cancelling an open challenge refunds both stakes through a refund job
    let (carol, _) = server.participant("carol", 500).await;
    let due = app::domain::time::rfc3339(clock.now_ms() + 3_600_000);
    let (_, c2) = carol.post("/api/v1/challenges", json!({"title": "Read", "category": "learning", "amount": 50, "due_at": due, "side": "no"})).await;
    let id2 = c2["id"].as_i64().unwrap();
    let (status, refund) = admin
        .post(
            &format!("/api/v1/admin/challenges/{id2}/cancel"),
            json!({"notes": "duplicate"}),
        )
        .await;
    assert_eq!((status, refund["kind"].as_str()), (202, Some("refund")));
    assert_eq!(
        admin
            .post_empty(&format!("/api/v1/admin/challenges/{id2}/cancel"))
            .await
            .0,
        409
    );
    wait_for(
        &carol,
        &format!("/api/v1/challenges/{id2}"),
        "status",
        "cancelled",
    )
    .await;
    assert_eq!(carol.get("/api/v1/me").await.1["balance"], 500);
    let (status, analytics) = admin.get("/api/v1/admin/analytics").await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            analytics["paid_total"].as_i64(),
            analytics["fees_total"].as_i64(),
            analytics["winners_paid"].as_i64()
        ),
        (Some(190), Some(10), Some(1))
    );
    assert_eq!(
        analytics["payouts_per_day"].as_array().map(Vec::len),
        Some(30)
    );
    assert_eq!(analytics["jobs_by_status"]["completed"].as_i64(), Some(2));
    server.assert_ledger_ok().await;
    server.stop().await;
}

async fn job_control(backend: Backend) {
    let clock = ManualClock::new(START_MS);
    let server = TestServer::start_with(backend, clock.clone(), |c| c.payout_workers = 0).await;
    let admin = server.admin().await;
    let (id, alice, _) = awaiting(&server, &clock, "ctl").await;
    let (_, job) = admin
        .post(
            &format!("/api/v1/admin/challenges/{id}/resolve"),
            json!({"result": "yes"}),
        )
        .await;
    let path = format!("/api/v1/admin/payout-jobs/{}", job["id"]);
    // no workers here: the job waits queued while we steer it
    assert_eq!(admin.post_empty(&format!("{path}/resume")).await.0, 409);
    assert_eq!(admin.post_empty(&format!("{path}/retry")).await.0, 409);
    let (status, paused) = admin.post_empty(&format!("{path}/pause")).await;
    assert_eq!((status, paused["status"].as_str()), (200, Some("paused")));
    assert_eq!(admin.post_empty(&format!("{path}/pause")).await.0, 409);
    assert_eq!(admin.post_empty(&format!("{path}/explode")).await.0, 404);
    assert_eq!(alice.post_empty(&format!("{path}/resume")).await.0, 403);
    let (status, cancelled) = admin.post_empty(&format!("{path}/cancel")).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        alice.get(&format!("/api/v1/challenges/{id}")).await.1["status"],
        "pending_admin",
        "back to the Awaiting tab"
    );
    assert_eq!(admin.get("/api/v1/admin/payout-jobs/999999").await.0, 404);
    let (_, audit) = admin.get("/api/v1/admin/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .take(3)
        .collect();
    assert_eq!(
        actions,
        vec!["job.cancel", "job.pause", "challenge.resolve"]
    );
    server.stop().await;
}
