//! Challenges, the pair queue and evidence.

use super::user_with_coins;
use crate::domain::challenge::{Category, ChallengeStatus, NewChallenge, Side, StakeStatus};
use crate::domain::model::User;
use crate::domain::AppError;
use crate::store::challenges::ChallengeFilter;
use crate::store::testing::TestDb;

pub(crate) const NOW: i64 = 1_900_000_000_000;
pub(crate) const HOUR: i64 = 3_600_000;

pub(crate) fn new_challenge(amount: i64, side: Side, due_at_ms: i64) -> NewChallenge {
    NewChallenge {
        title: "Run 10 km".into(),
        description: String::new(),
        category: Category::Fitness,
        amount_coins: amount,
        due_at_ms,
        side,
        challenged_username: None,
    }
}

pub(crate) async fn create(db: &TestDb, creator: &User, amount: i64, side: Side) -> i64 {
    db.store
        .challenge_create(
            creator.id,
            &new_challenge(amount, side, NOW + HOUR),
            None,
            None,
            NOW,
        )
        .await
        .unwrap()
        .0
}

async fn balance(db: &TestDb, user: &User) -> i64 {
    db.store.user_by_id(user.id).await.unwrap().unwrap().balance
}

pub async fn creating_places_the_creators_stake_in_escrow(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 500).await;
    let id = create(db, &alice, 100, Side::Yes).await;
    let c = db
        .store
        .challenge_get(id, Some(alice.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            c.status,
            c.yes_waiting,
            c.no_waiting,
            c.matched_pairs,
            c.pool
        ),
        (ChallengeStatus::Pending, 1, 0, 0, 0)
    );
    assert_eq!(
        c.my_stake.as_ref().map(|s| (s.side, s.status)),
        Some((Side::Yes, StakeStatus::Waiting))
    );
    assert_eq!(balance(db, &alice).await, 400);
    let poor = user_with_coins(db, "poor", 50).await;
    let e = db
        .store
        .challenge_create(
            poor.id,
            &new_challenge(100, Side::No, NOW + HOUR),
            None,
            None,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        AppError::InsufficientFunds {
            needed_coins: 100,
            available_coins: 50
        }
    );
    let listed = db
        .store
        .challenges_list(&ChallengeFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        listed.items.len(),
        1,
        "the failed creation left nothing behind"
    );
}

pub async fn stakes_pair_fifo_and_the_first_pair_activates(db: &TestDb) {
    let mut users: Vec<User> = Vec::new();
    for i in 0..5 {
        users.push(user_with_coins(db, &format!("user{i}"), 1_000).await);
    }
    let id = create(db, &users[0], 100, Side::Yes).await;
    // a second YES waits behind the first
    let j1 = db
        .store
        .challenge_join(id, users[1].id, Side::Yes, NOW + 1)
        .await
        .unwrap();
    assert!(j1.matched_with.is_none());
    // the first NO pairs with the OLDEST waiting YES (the creator's)
    let j2 = db
        .store
        .challenge_join(id, users[2].id, Side::No, NOW + 2)
        .await
        .unwrap();
    assert_eq!(j2.matched_with.map(|(_, u)| u), Some(users[0].id));
    assert!(j2.activated);
    let j3 = db
        .store
        .challenge_join(id, users[3].id, Side::No, NOW + 3)
        .await
        .unwrap();
    assert_eq!(j3.matched_with.map(|(_, u)| u), Some(users[1].id));
    assert!(!j3.activated);
    let j4 = db
        .store
        .challenge_join(id, users[4].id, Side::No, NOW + 4)
        .await
        .unwrap();
    assert!(j4.matched_with.is_none());
    let c = db.store.challenge_get(id, None).await.unwrap().unwrap();
    assert_eq!(
        (
            c.status,
            c.yes_waiting,
            c.no_waiting,
            c.matched_pairs,
            c.pool
        ),
        (ChallengeStatus::Active, 0, 1, 2, 400)
    );
    assert!(c.activated_at.is_some());
    let escrow = escrow_balance(db, id).await;
    assert_eq!(escrow, 500, "five stakes of 100 sit in escrow");
    let matched: Vec<i64> = notification_users(db, "matched").await;
    assert_eq!(matched.len(), 4, "both sides of both pairs are told");
}

pub async fn a_user_cannot_join_twice_nor_overspend_nor_spend_frozen(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 150).await;
    let id = create(db, &alice, 100, Side::Yes).await;
    db.store
        .challenge_join(id, bob.id, Side::No, NOW)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .challenge_join(id, bob.id, Side::No, NOW)
            .await
            .unwrap_err(),
        AppError::AlreadyJoined
    );
    assert_eq!(
        db.store
            .challenge_join(id, alice.id, Side::No, NOW)
            .await
            .unwrap_err(),
        AppError::AlreadyJoined
    );
    assert_eq!(balance(db, &bob).await, 50);
    let id2 = create(db, &alice, 100, Side::Yes).await;
    let e = db
        .store
        .challenge_join(id2, bob.id, Side::No, NOW)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        AppError::InsufficientFunds {
            needed_coins: 100,
            available_coins: 50
        }
    );
    db.store
        .wallet_set_frozen_if_changed(alice.id, bob.id, true, NOW)
        .await
        .unwrap();
    let id3 = create(db, &alice, 10, Side::Yes).await;
    assert_eq!(
        db.store
            .challenge_join(id3, bob.id, Side::No, NOW)
            .await
            .unwrap_err(),
        AppError::WalletFrozen
    );
    assert_eq!(balance(db, &bob).await, 50);
    let c = db.store.challenge_get(id2, None).await.unwrap().unwrap();
    assert_eq!(
        (c.yes_waiting, c.no_waiting),
        (1, 0),
        "failed joins left the counters alone"
    );
}

pub async fn stakes_stop_at_the_deadline_and_unknown_challenges_are_404(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 1_000).await;
    let id = create(db, &alice, 100, Side::Yes).await;
    let e = db
        .store
        .challenge_join(id, bob.id, Side::No, NOW + HOUR)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_state", "{e:?}");
    assert_eq!(
        db.store
            .challenge_join(id + 1000, bob.id, Side::No, NOW)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        db.store
            .stake_withdraw_if_waiting(id, alice.id, NOW + HOUR)
            .await
            .unwrap_err()
            .code(),
        "invalid_state"
    );
    assert_eq!(balance(db, &bob).await, 1_000);
}

pub async fn a_direct_challenge_admits_only_the_challenged_user_on_the_other_side(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 1_000).await;
    let carol = user_with_coins(db, "carol", 1_000).await;
    let id = db
        .store
        .challenge_create(
            alice.id,
            &new_challenge(100, Side::Yes, NOW + HOUR),
            Some(bob.id),
            None,
            NOW,
        )
        .await
        .unwrap()
        .0;
    assert_eq!(
        db.store
            .challenge_join(id, carol.id, Side::No, NOW)
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        db.store
            .challenge_join(id, bob.id, Side::Yes, NOW)
            .await
            .unwrap_err()
            .code(),
        "validation"
    );
    let j = db
        .store
        .challenge_join(id, bob.id, Side::No, NOW)
        .await
        .unwrap();
    assert!(j.activated);
    assert_eq!(
        (balance(db, &carol).await, balance(db, &bob).await),
        (1_000, 900)
    );
}

pub async fn withdrawing_refunds_a_waiting_stake_only(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 1_000).await;
    let carol = user_with_coins(db, "carol", 1_000).await;
    let id = create(db, &alice, 100, Side::Yes).await;
    db.store
        .challenge_join(id, bob.id, Side::Yes, NOW)
        .await
        .unwrap();
    let withdrawn = db
        .store
        .stake_withdraw_if_waiting(id, bob.id, NOW)
        .await
        .unwrap();
    assert_eq!(withdrawn.status, StakeStatus::Cancelled);
    assert_eq!(balance(db, &bob).await, 1_000);
    assert_eq!(
        db.store
            .stake_withdraw_if_waiting(id, bob.id, NOW)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    // withdrawn, he may come back (a new stake, a new ledger row)
    db.store
        .challenge_join(id, bob.id, Side::Yes, NOW)
        .await
        .unwrap();
    db.store
        .challenge_join(id, carol.id, Side::No, NOW)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .stake_withdraw_if_waiting(id, alice.id, NOW)
            .await
            .unwrap_err()
            .code(),
        "invalid_state"
    );
    let c = db
        .store
        .challenge_get(id, Some(bob.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.yes_waiting, c.no_waiting, c.matched_pairs), (1, 0, 1));
    assert_eq!(c.my_stake.map(|s| s.status), Some(StakeStatus::Waiting));
    assert_eq!(escrow_balance(db, id).await, 300);
}

pub async fn evidence_comes_from_participants_while_active(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 1_000).await;
    let bob = user_with_coins(db, "bob", 1_000).await;
    let eve = user_with_coins(db, "eve", 0).await;
    let id = create(db, &alice, 100, Side::Yes).await;
    assert_eq!(
        db.store
            .evidence_add(id, alice.id, "too early", None, NOW)
            .await
            .unwrap_err()
            .code(),
        "invalid_state"
    );
    db.store
        .challenge_join(id, bob.id, Side::No, NOW)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .evidence_add(id, eve.id, "not mine", None, NOW)
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    db.store
        .evidence_add(
            id,
            alice.id,
            "ran 10.2 km",
            Some("https://strava.example/1"),
            NOW,
        )
        .await
        .unwrap();
    db.store
        .evidence_add(id, bob.id, "she did not", None, NOW + 1)
        .await
        .unwrap();
    let list = db.store.evidence_list(id, None, 10).await.unwrap();
    assert_eq!(
        list.items
            .iter()
            .map(|e| e.username.as_str())
            .collect::<Vec<_>>(),
        vec!["alice", "bob"]
    );
    assert_eq!(
        list.items[0].url.as_deref(),
        Some("https://strava.example/1")
    );
}

pub async fn lists_filter_and_page(db: &TestDb) {
    let alice = user_with_coins(db, "alice", 10_000).await;
    let bob = user_with_coins(db, "bob", 10_000).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut new = new_challenge(10, Side::Yes, NOW + HOUR + i);
        new.category = if i % 2 == 0 {
            Category::Gaming
        } else {
            Category::Finance
        };
        let creator = if i < 5 { &alice } else { &bob };
        ids.push(
            db.store
                .challenge_create(creator.id, &new, None, None, NOW)
                .await
                .unwrap()
                .0,
        );
    }
    db.store
        .challenge_join(ids[0], bob.id, Side::No, NOW)
        .await
        .unwrap();
    let filter = |f: ChallengeFilter| f;
    let all = db
        .store
        .challenges_list(&ChallengeFilter::default(), None, 3)
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[6], ids[5], ids[4]],
        "newest first"
    );
    let after = crate::domain::model::decode_cursor(all.next_cursor.as_deref()).unwrap();
    let next = db
        .store
        .challenges_list(&ChallengeFilter::default(), after, 3)
        .await
        .unwrap();
    assert_eq!(
        next.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[3], ids[2], ids[1]]
    );
    let gaming = db
        .store
        .challenges_list(
            &filter(ChallengeFilter {
                category: Some(Category::Gaming),
                ..Default::default()
            }),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(gaming.items.len(), 4);
    let active = db
        .store
        .challenges_list(
            &ChallengeFilter {
                status: Some(ChallengeStatus::Active),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        active.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let bobs = db
        .store
        .challenges_list(
            &ChallengeFilter {
                involving_user: Some(bob.id),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        bobs.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[6], ids[5], ids[0]],
        "created or staked in"
    );
    let due = db
        .store
        .challenges_list(
            &ChallengeFilter {
                oldest_due_first: true,
                ..Default::default()
            },
            None,
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        due.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[0], ids[1]]
    );
    let after = crate::domain::model::decode_cursor(due.next_cursor.as_deref()).unwrap();
    let due2 = db
        .store
        .challenges_list(
            &ChallengeFilter {
                oldest_due_first: true,
                ..Default::default()
            },
            after,
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        due2.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[2], ids[3]]
    );
}

/// Many users race to join one challenge at once, and one user double-clicks: no
/// stake is paired twice, no wallet is debited twice, and the counters agree
/// with the stakes.
pub async fn concurrent_joins_never_pair_twice_nor_debit_twice(db: &TestDb) {
    let creator = user_with_coins(db, "creator", 1_000).await;
    let id = create(db, &creator, 10, Side::Yes).await;
    let mut users = Vec::new();
    for i in 0..40 {
        users.push(user_with_coins(db, &format!("racer{i}"), 100).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, u) in users.iter().enumerate() {
        let side = if i % 3 == 0 { Side::Yes } else { Side::No };
        // every fourth user clicks twice
        let clicks = if i % 4 == 0 { 2 } else { 1 };
        for _ in 0..clicks {
            let store = db.store.clone();
            let uid = u.id;
            tasks.spawn(async move { (uid, store.challenge_join(id, uid, side, NOW).await) });
        }
    }
    let mut joined = std::collections::HashMap::new();
    while let Some(r) = tasks.join_next().await {
        let (uid, result) = r.unwrap();
        match result {
            Ok(_) => *joined.entry(uid).or_insert(0) += 1,
            Err(AppError::AlreadyJoined) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(joined.len(), 40);
    assert!(joined.values().all(|n| *n == 1), "one stake per user");
    for u in &users {
        assert_eq!(
            balance(db, u).await,
            90,
            "{} debited exactly once",
            u.username
        );
    }
    let c = db.store.challenge_get(id, None).await.unwrap().unwrap();
    let (live, matched, paired_twice): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM stakes WHERE challenge_id = $1 AND status <> 'cancelled'), \
                (SELECT COUNT(*) FROM stakes WHERE challenge_id = $1 AND status = 'matched'), \
                (SELECT COUNT(*) FROM (SELECT paired_stake_id FROM stakes WHERE challenge_id = $1 AND paired_stake_id IS NOT NULL \
                   GROUP BY paired_stake_id HAVING COUNT(*) > 1) AS t)",
    )
    .bind(id)
    .fetch_one(db.store.read_pool())
    .await
    .unwrap();
    assert_eq!(live, 41);
    assert_eq!(paired_twice, 0);
    assert_eq!(matched, 2 * c.matched_pairs);
    assert_eq!(c.yes_waiting + c.no_waiting + 2 * c.matched_pairs, live);
    // 15 YES (the creator and every third racer) against 26 NO: 15 pairs, 11 NO waiting
    assert_eq!((c.matched_pairs, c.yes_waiting, c.no_waiting), (15, 0, 11));
    assert_eq!(escrow_balance(db, id).await, 410);
}

pub(crate) async fn escrow_balance(db: &TestDb, challenge_id: i64) -> i64 {
    sqlx::query_scalar("SELECT balance FROM accounts WHERE kind = 'escrow' AND challenge_id = $1")
        .bind(challenge_id)
        .fetch_one(db.store.read_pool())
        .await
        .unwrap()
}

pub(crate) async fn notification_users(db: &TestDb, kind: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT user_id FROM notifications WHERE kind = $1 ORDER BY id")
        .bind(kind)
        .fetch_all(db.store.read_pool())
        .await
        .unwrap()
}
