//! Deadline warnings over the store, under a test clock: exact send times,
//! exactly once, the stale-skip rule, the cooldown, and two notifiers at once.

use super::challenges::{new_challenge, NOW};
use super::scheduler::runtime;
use super::user_with_coins;
use crate::domain::challenge::Side;
use crate::domain::model::User;
use crate::engine::clock::ManualClock;
use crate::engine::notifier::Notifier;
use crate::store::testing::TestDb;
use crate::store::{PoolSettings, Store};

const MIN: i64 = 60_000;
const DUE: i64 = NOW + 3 * 60 * MIN;

async fn active_challenge(db: &TestDb, users: &[User]) -> i64 {
    let schedule = crate::domain::warning::WarningSchedule::default();
    let next = schedule.next_moment_ms(DUE, NOW);
    let id = db
        .store
        .challenge_create(
            users[0].id,
            &new_challenge(10, Side::Yes, DUE),
            None,
            next,
            NOW,
        )
        .await
        .unwrap()
        .0;
    for (i, u) in users.iter().enumerate().skip(1) {
        db.store
            .challenge_join(id, u.id, if i % 2 == 1 { Side::No } else { Side::Yes }, NOW)
            .await
            .unwrap();
    }
    id
}

async fn warnings(db: &TestDb, kind: &str) -> Vec<(i64, i64, String)> {
    sqlx::query_as(
        "SELECT user_id, created_at_ms, title FROM notifications WHERE kind = $1 ORDER BY user_id",
    )
    .bind(kind)
    .fetch_all(db.store.read_pool())
    .await
    .unwrap()
}

async fn participants(db: &TestDb, n: usize, tag: &str) -> Vec<User> {
    let mut users = Vec::new();
    for i in 0..n {
        users.push(user_with_coins(db, &format!("{tag}_user{i}"), 1_000).await);
    }
    users
}

pub async fn warnings_go_out_at_their_moment_exactly_once(db: &TestDb) {
    let users = participants(db, 3, "w").await;
    active_challenge(db, &users).await;
    let clock = ManualClock::new(NOW);
    let notifier = Notifier::new(runtime(db, db.store.clone(), clock.clone()));
    assert_eq!(
        notifier.pass().await.unwrap(),
        Some(DUE - 60 * MIN),
        "sleeps until the 1-hour mark"
    );
    clock.set_ms(DUE - 60 * MIN - 1);
    notifier.pass().await.unwrap();
    assert!(
        warnings(db, "deadline_1h").await.is_empty(),
        "not a millisecond early"
    );
    clock.set_ms(DUE - 60 * MIN);
    assert_eq!(notifier.pass().await.unwrap(), Some(DUE - 10 * MIN));
    let sent = warnings(db, "deadline_1h").await;
    assert_eq!(sent.len(), 3);
    assert!(sent
        .iter()
        .all(|(_, at, title)| *at == DUE - 60 * MIN && title == "Ends in 60 minutes"));
    notifier.pass().await.unwrap();
    assert_eq!(
        warnings(db, "deadline_1h").await.len(),
        3,
        "a second pass sends nothing again"
    );
    clock.set_ms(DUE - 10 * MIN);
    assert_eq!(
        notifier.pass().await.unwrap(),
        None,
        "nothing left to warn about"
    );
    let urgent: Vec<(i64, String)> =
        sqlx::query_as("SELECT user_id, priority FROM notifications WHERE kind = 'deadline_10m'")
            .fetch_all(db.store.read_pool())
            .await
            .unwrap();
    assert_eq!(urgent.len(), 3);
    assert!(urgent.iter().all(|(_, p)| p == "high"));
}

pub async fn a_late_joiner_gets_only_the_most_urgent_warning_with_the_real_time_left(db: &TestDb) {
    let users = participants(db, 2, "early").await;
    let id = active_challenge(db, &users).await;
    let clock = ManualClock::new(DUE - 60 * MIN);
    let notifier = Notifier::new(runtime(db, db.store.clone(), clock.clone()));
    notifier.pass().await.unwrap();
    clock.set_ms(DUE - 10 * MIN);
    notifier.pass().await.unwrap();
    // joins 8 minutes before the deadline: one 10-minute warning, not also the 1-hour one
    let late = user_with_coins(db, "late", 100).await;
    db.store
        .challenge_join(id, late.id, Side::Yes, DUE - 8 * MIN)
        .await
        .unwrap();
    clock.set_ms(DUE - 8 * MIN);
    notifier.pass().await.unwrap();
    let mine: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, title FROM notifications WHERE user_id = $1 AND kind LIKE 'deadline%'",
    )
    .bind(late.id)
    .fetch_all(db.store.read_pool())
    .await
    .unwrap();
    assert_eq!(
        mine,
        vec![("deadline_10m".to_string(), "Ends in 8 minutes".to_string())]
    );
    assert_eq!(
        warnings(db, "deadline_10m").await.len(),
        3,
        "the others were not warned twice"
    );
}

pub async fn a_warning_due_while_down_is_sent_late_only_if_still_the_right_one(db: &TestDb) {
    let users = participants(db, 2, "down").await;
    active_challenge(db, &users).await;
    // the server was down across the 1-hour mark and comes back 40 minutes before
    let clock = ManualClock::new(DUE - 40 * MIN);
    let notifier = Notifier::new(runtime(db, db.store.clone(), clock.clone()));
    notifier.pass().await.unwrap();
    let sent = warnings(db, "deadline_1h").await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|(_, _, title)| title == "Ends in 40 minutes"),
        "{sent:?}"
    );
    // and down again across the 10-minute mark: back at 3 minutes, the 10-minute warning still applies
    clock.set_ms(DUE - 3 * MIN);
    notifier.pass().await.unwrap();
    let urgent = warnings(db, "deadline_10m").await;
    assert!(
        urgent
            .iter()
            .all(|(_, _, title)| title == "Ends in 3 minutes"),
        "{urgent:?}"
    );
}

pub async fn the_cooldown_holds_back_a_normal_warning_but_not_the_urgent_one(db: &TestDb) {
    let users = participants(db, 2, "cool").await;
    let id = active_challenge(db, &users).await;
    // users[0] had a deadline warning about this challenge five minutes ago
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, created_at_ms) \
         VALUES ($1, 'deadline_10m', 'high', $2, 'earlier', 'earlier', $3)",
    )
    .bind(users[0].id)
    .bind(id)
    .bind(DUE - 65 * MIN)
    .execute(db.store.write_pool())
    .await
    .unwrap();
    let clock = ManualClock::new(DUE - 60 * MIN);
    let notifier = Notifier::new(runtime(db, db.store.clone(), clock.clone()));
    notifier.pass().await.unwrap();
    let normal: Vec<i64> = warnings(db, "deadline_1h")
        .await
        .into_iter()
        .map(|(u, _, _)| u)
        .collect();
    assert_eq!(
        normal,
        vec![users[1].id],
        "the user warned 5 minutes ago is held back"
    );
    clock.set_ms(DUE - 10 * MIN);
    notifier.pass().await.unwrap();
    let urgent = warnings(db, "deadline_10m")
        .await
        .into_iter()
        .filter(|(_, _, t)| t != "earlier")
        .count();
    assert_eq!(urgent, 2, "the high-priority warning is exempt");
}

/// Two notifiers (two stores) on one database warn 200 challenges at once.
pub async fn two_notifiers_send_each_warning_once(db: &TestDb) {
    let users = participants(db, 4, "two").await;
    for _ in 0..50 {
        active_challenge(db, &users).await;
    }
    let other = Store::connect(&db.url, &PoolSettings::default())
        .await
        .unwrap();
    let clock = ManualClock::new(DUE - 60 * MIN);
    let a = Notifier::new(runtime(db, db.store.clone(), clock.clone()));
    let b = Notifier::new(runtime(db, other, clock));
    let (ra, rb) = tokio::join!(a.pass(), b.pass());
    ra.unwrap();
    rb.unwrap();
    let (sent, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT user_id || ':' || challenge_id) FROM notifications WHERE kind = 'deadline_1h'",
    )
    .fetch_one(db.store.read_pool())
    .await
    .unwrap();
    assert_eq!(
        (sent, distinct),
        (200, 200),
        "4 participants × 50 challenges, once each"
    );
}
