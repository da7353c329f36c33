//! The deadline scheduler over the store: exact lock times under a test clock,
//! catch-up after an outage, and two instances on one database.

use super::challenges::{create, escrow_balance, new_challenge, notification_users, HOUR, NOW};
use super::user_with_coins;
use crate::config::Config;
use crate::domain::challenge::Side;
use crate::engine::clock::ManualClock;
use crate::engine::scheduler::Scheduler;
use crate::engine::Runtime;
use crate::store::seed::SeedSpec;
use crate::store::testing::TestDb;
use crate::store::{PoolSettings, Store};
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn runtime(db: &TestDb, store: Store, clock: Arc<ManualClock>) -> Runtime {
    Runtime {
        payout_turns: (store.backend() == crate::store::Backend::Sqlite)
            .then(|| Arc::new(tokio::sync::Semaphore::new(1))),
        store,
        clock,
        config: Arc::new(Config::for_database(&db.url)),
        wakers: Default::default(),
        events: Default::default(),
    }
}

async fn status_of(db: &TestDb, id: i64) -> (String, Option<i64>) {
    sqlx::query_as("SELECT status, locked_at_ms FROM challenges WHERE id = $1")
        .bind(id)
        .fetch_one(db.store.read_pool())
        .await
        .unwrap()
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

pub async fn due_challenges_lock_and_the_unmatched_are_refunded(db: &TestDb) {
    let admin = user_with_coins(db, "admin1", 0).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(admin.id)
        .execute(db.store.write_pool())
        .await
        .unwrap();
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 1_000).await;
    let carol = user_with_coins(db, "carol", 1_000).await;
    let active = create(db, &alice, 100, Side::Yes).await;
    db.store
        .challenge_join(active, bob.id, Side::No, NOW)
        .await
        .unwrap();
    db.store
        .challenge_join(active, carol.id, Side::No, NOW)
        .await
        .unwrap();
    let lonely = create(db, &carol, 50, Side::Yes).await;
    assert!(
        db.store
            .challenges_lock_if_due(NOW + HOUR - 1, 100)
            .await
            .unwrap()
            .is_empty(),
        "nothing is due yet"
    );
    let locked = db
        .store
        .challenges_lock_if_due(NOW + HOUR, 100)
        .await
        .unwrap();
    let mut statuses: Vec<(i64, &str)> = locked.iter().map(|l| (l.id, l.status.as_str())).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![(active, "pending_admin"), (lonely, "cancelled")]
    );
    assert!(
        db.store
            .challenges_lock_if_due(NOW + HOUR + 5, 100)
            .await
            .unwrap()
            .is_empty(),
        "locked once"
    );
    // carol's waiting NO on the first, and her lonely YES, came back
    assert_eq!(
        db.store
            .user_by_id(carol.id)
            .await
            .unwrap()
            .unwrap()
            .balance,
        1_000
    );
    assert_eq!(escrow_balance(db, active).await, 200);
    assert_eq!(escrow_balance(db, lonely).await, 0);
    let c = db.store.challenge_get(active, None).await.unwrap().unwrap();
    assert_eq!((c.yes_waiting, c.no_waiting, c.matched_pairs), (0, 0, 1));
    assert_eq!(c.locked_at.map(|t| t.timestamp_millis()), Some(NOW + HOUR));
    assert_eq!(
        notification_users(db, "awaiting_resolution").await,
        vec![admin.id]
    );
    let mut locked_users = notification_users(db, "locked").await;
    locked_users.sort();
    assert_eq!(locked_users, vec![alice.id, bob.id]);
    assert_eq!(notification_users(db, "refunded").await.len(), 2);
    let audit = db.store.audit_list(None, 10).await.unwrap();
    assert!(audit
        .items
        .iter()
        .any(|e| e.action == "challenge.lock" && e.target == format!("challenge:{active}")));
    assert!(audit
        .items
        .iter()
        .any(|e| e.action == "challenge.cancel_unmatched"
            && e.target == format!("challenge:{lonely}")));
}

pub async fn each_challenge_locks_at_its_deadline_under_a_test_clock(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 10_000).await;
    let clock = ManualClock::new(NOW);
    let due = |s: i64| NOW + s * 1000;
    let mut ids = Vec::new();
    for secs in [10, 20, 30] {
        ids.push(
            db.store
                .challenge_create(
                    alice.id,
                    &new_challenge(10, Side::Yes, due(secs)),
                    None,
                    None,
                    NOW,
                )
                .await
                .unwrap()
                .0,
        );
    }
    let rt = runtime(db, db.store.clone(), clock.clone());
    let wakers = rt.wakers.clone();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(Scheduler::new(rt).run(shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(status_of(db, ids[0]).await.0, "pending");
    clock.set_ms(due(10));
    eventually("the first deadline", || async {
        status_of(db, ids[0]).await.0 == "cancelled"
    })
    .await;
    assert_eq!(
        status_of(db, ids[0]).await.1,
        Some(due(10)),
        "locked exactly at its deadline"
    );
    assert_eq!(status_of(db, ids[1]).await.0, "pending");
    // a nearer deadline created while the scheduler sleeps wakes it
    let nearer = db
        .store
        .challenge_create(
            alice.id,
            &new_challenge(10, Side::Yes, due(15)),
            None,
            None,
            due(10),
        )
        .await
        .unwrap()
        .0;
    wakers.deadline_added();
    clock.set_ms(due(15));
    eventually("the new, nearer deadline", || async {
        status_of(db, nearer).await.0 == "cancelled"
    })
    .await;
    assert_eq!(status_of(db, nearer).await.1, Some(due(15)));
    assert_eq!(status_of(db, ids[1]).await.0, "pending");
    clock.set_ms(due(30));
    eventually("the rest", || async {
        status_of(db, ids[2]).await.0 == "cancelled"
    })
    .await;
    assert_eq!(status_of(db, ids[1]).await.1, Some(due(30)));
    shutdown.cancel();
    task.await.unwrap();
}

fn overdue_seed(tag: &str, challenges: i64) -> SeedSpec {
    SeedSpec {
        tag: tag.into(),
        users: 50,
        coins_per_user: 1_000_000,
        challenges,
        stake_coins: 10,
        // deadlines spread over the hour of the outage
        first_due_ms: NOW - HOUR,
        due_step_ms: HOUR / challenges,
        pairs_per_challenge: 1,
        waiting_per_challenge: 1,
        now_ms: NOW - 2 * HOUR,
    }
}

async fn count(db: &TestDb, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.store.read_pool())
        .await
        .unwrap()
}

pub async fn after_an_hour_of_downtime_ten_thousand_overdue_lock_at_once(db: &TestDb) {
    db.store
        .seed(&overdue_seed("outage", 10_000))
        .await
        .unwrap();
    let clock = ManualClock::new(NOW);
    let scheduler = Scheduler::new(runtime(db, db.store.clone(), clock));
    let next = scheduler.pass().await.unwrap();
    assert_eq!(next, None, "nothing left open");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM challenges WHERE status = 'pending_admin'"
        )
        .await,
        10_000
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM challenges WHERE locked_at_ms IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM ledger_tx WHERE kind = 'refund'").await,
        10_000
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM stakes WHERE status = 'waiting'").await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM accounts WHERE kind = 'escrow' AND balance <> 20"
        )
        .await,
        0
    );
}

/// Two instances (two stores, two schedulers) race over one database.
pub async fn two_schedulers_lock_ten_thousand_with_no_double_effect(db: &TestDb) {
    db.store.seed(&overdue_seed("race", 10_000)).await.unwrap();
    let other = Store::connect(&db.url, &PoolSettings::default())
        .await
        .unwrap();
    let clock = ManualClock::new(NOW);
    let a = Scheduler::new(runtime(db, db.store.clone(), clock.clone()));
    let b = Scheduler::new(runtime(db, other, clock));
    let (ra, rb) = tokio::join!(a.pass(), b.pass());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM challenges WHERE status = 'pending_admin'"
        )
        .await,
        10_000
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'challenge.lock'"
        )
        .await,
        10_000,
        "one transition each"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM ledger_tx WHERE kind = 'refund'").await,
        10_000,
        "one refund each"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM accounts WHERE kind = 'escrow' AND balance <> 20"
        )
        .await,
        0
    );
}
