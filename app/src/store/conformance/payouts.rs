//! Resolve, cancel and the payout engine over the store: the arithmetic, failures
//! and retry, job control, lost leases, and many batches in parallel.

use super::challenges::{create, escrow_balance, notification_users, HOUR, NOW};
use super::scheduler::runtime;
use super::user_with_coins;
use crate::domain::challenge::{Outcome, Side};
use crate::domain::model::{JobKind, JobStatus, User};
use crate::engine::clock::ManualClock;
use crate::engine::payouts::PayoutWorker;
use crate::engine::Runtime;
use crate::store::payouts::Settled;
use crate::store::seed::SeedSpec;
use crate::store::testing::TestDb;
use std::sync::Arc;

const FEE_BPS: i64 = 500;

/// Runs `workers` payout workers until none finds anything to do.
pub(crate) async fn drain(rt: &Runtime, workers: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let mut worker = PayoutWorker::new(rt.clone());
        tasks.spawn(async move {
            let mut idle = 0;
            while idle < 3 {
                match worker.step().await {
                    Ok(true) => idle = 0,
                    Ok(false) => {
                        idle += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                    Err(e) => panic!("worker step failed: {e}"),
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

fn rt_with(db: &TestDb, batch: i64) -> Runtime {
    let mut rt = runtime(db, db.store.clone(), ManualClock::new(NOW + HOUR));
    let mut config = (*rt.config).clone();
    config.payout_batch_size = batch;
    config.platform_fee_bps = FEE_BPS;
    rt.config = Arc::new(config);
    rt
}

/// A challenge with `pairs` matched pairs (YES users first), locked at its deadline.
async fn awaiting(db: &TestDb, pairs: usize) -> (i64, Vec<User>, Vec<User>) {
    let creator = user_with_coins(db, "creator", 1_000).await;
    let id = create(db, &creator, 100, Side::Yes).await;
    let mut yes = vec![creator];
    let mut no = Vec::new();
    for i in 0..pairs {
        no.push(user_with_coins(db, &format!("no_{i}"), 1_000).await);
        db.store
            .challenge_join(id, no[i].id, Side::No, NOW)
            .await
            .unwrap();
        if i + 1 < pairs {
            let y = user_with_coins(db, &format!("yes_{i}"), 1_000).await;
            db.store
                .challenge_join(id, y.id, Side::Yes, NOW)
                .await
                .unwrap();
            yes.push(y);
        }
    }
    db.store
        .challenges_lock_if_due(NOW + HOUR, 10)
        .await
        .unwrap();
    (id, yes, no)
}

async fn balance(db: &TestDb, u: &User) -> i64 {
    db.store.user_by_id(u.id).await.unwrap().unwrap().balance
}

async fn admin(db: &TestDb) -> User {
    let a = user_with_coins(db, "boss", 0).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(a.id)
        .execute(db.store.write_pool())
        .await
        .unwrap();
    a
}

pub async fn resolving_pays_each_winner_the_pot_less_the_fee(db: &TestDb) {
    let boss = admin(db).await;
    let (id, yes, no) = awaiting(db, 3).await;
    let job = db
        .store
        .challenge_resolve_if_awaiting(
            id,
            boss.id,
            Outcome::Yes,
            Some("photos check out"),
            FEE_BPS,
            NOW + HOUR,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            job.kind,
            job.status,
            job.total_entries,
            job.total_pool,
            job.platform_fee
        ),
        (JobKind::Payout, JobStatus::Queued, 3, 600, 30)
    );
    let rt = rt_with(db, 2);
    drain(&rt, 2).await;
    let job = db.store.job_get(job.id, NOW + HOUR).await.unwrap().unwrap();
    assert_eq!(
        (
            job.status,
            job.processed_entries,
            job.failed_entries,
            job.progress
        ),
        (JobStatus::Completed, 3, 0, 1.0)
    );
    for u in &yes {
        assert_eq!(
            balance(db, u).await,
            1_000 - 100 + 190,
            "{} won 2×100 − 5%",
            u.username
        );
    }
    for u in &no {
        assert_eq!(balance(db, u).await, 900);
    }
    assert_eq!(
        db.store
            .account_balance(db.store.platform_account_id)
            .await
            .unwrap(),
        30
    );
    assert_eq!(escrow_balance(db, id).await, 0);
    let c = db.store.challenge_get(id, None).await.unwrap().unwrap();
    assert_eq!(
        (c.status.as_str(), c.result),
        ("completed", Some(Outcome::Yes))
    );
    assert_eq!(c.admin_notes.as_deref(), Some("photos check out"));
    assert_eq!(notification_users(db, "won").await.len(), 3);
    assert_eq!(notification_users(db, "lost").await.len(), 3);
    assert_eq!(notification_users(db, "job_finished").await, vec![boss.id]);
    assert_eq!(db.store.job_paid_by_ledger(job.id).await.unwrap(), (3, 570));
}

pub async fn a_second_resolve_or_the_wrong_state_is_refused(db: &TestDb) {
    let boss = admin(db).await;
    let (id, _, _) = awaiting(db, 1).await;
    db.store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::No, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    let again = db
        .store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Yes, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "invalid_state");
    let cancel = db
        .store
        .challenge_cancel_if_unsettled(id, boss.id, None, NOW + HOUR)
        .await
        .unwrap_err();
    assert_eq!(cancel.code(), "invalid_state");
    let open = create(db, &user_with_coins(db, "opener", 100).await, 10, Side::Yes).await;
    let early = db
        .store
        .challenge_resolve_if_awaiting(open, boss.id, Outcome::Yes, None, FEE_BPS, NOW)
        .await
        .unwrap_err();
    assert_eq!(early.code(), "invalid_state");
    assert_eq!(
        db.store
            .challenge_resolve_if_awaiting(99_999, boss.id, Outcome::Yes, None, FEE_BPS, NOW)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let c = db.store.challenge_get(id, None).await.unwrap().unwrap();
    assert_eq!(
        c.result,
        Some(Outcome::No),
        "the refused requests changed nothing"
    );
}

pub async fn a_draw_and_a_cancel_refund_every_stake(db: &TestDb) {
    let boss = admin(db).await;
    let (id, yes, no) = awaiting(db, 2).await;
    db.store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Draw, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    // cancelling an active challenge refunds its waiting stakes too
    let opener = user_with_coins(db, "opener", 1_000).await;
    let taker = user_with_coins(db, "taker", 1_000).await;
    let waiter = user_with_coins(db, "waiter", 1_000).await;
    let open = create(db, &opener, 40, Side::Yes).await;
    db.store
        .challenge_join(open, taker.id, Side::No, NOW)
        .await
        .unwrap();
    db.store
        .challenge_join(open, waiter.id, Side::No, NOW)
        .await
        .unwrap();
    let job = db
        .store
        .challenge_cancel_if_unsettled(open, boss.id, Some("duplicate"), NOW)
        .await
        .unwrap();
    assert_eq!((job.kind, job.total_entries), (JobKind::Refund, 3));
    drain(&rt_with(db, 500), 2).await;
    for u in yes
        .iter()
        .chain(no.iter())
        .chain([&opener, &taker, &waiter])
    {
        assert_eq!(
            balance(db, u).await,
            1_000,
            "{} got everything back",
            u.username
        );
    }
    assert_eq!(
        db.store
            .account_balance(db.store.platform_account_id)
            .await
            .unwrap(),
        0,
        "no fee on refunds"
    );
    assert_eq!(
        db.store
            .challenge_get(id, None)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "completed"
    );
    assert_eq!(
        db.store
            .challenge_get(open, None)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "cancelled"
    );
    assert_eq!(notification_users(db, "refunded").await.len(), 4 + 3);
}

pub async fn a_frozen_winner_fails_alone_and_a_retry_pays_them_once(db: &TestDb) {
    let boss = admin(db).await;
    let (id, yes, _) = awaiting(db, 3).await;
    db.store
        .wallet_set_frozen_if_changed(boss.id, yes[1].id, true, NOW)
        .await
        .unwrap();
    let job = db
        .store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Yes, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    let rt = rt_with(db, 500);
    drain(&rt, 1).await;
    let failed = db.store.job_get(job.id, NOW + HOUR).await.unwrap().unwrap();
    assert_eq!(
        (
            failed.status,
            failed.processed_entries,
            failed.failed_entries
        ),
        (JobStatus::Failed, 3, 1)
    );
    let entries = db
        .store
        .job_entries(
            job.id,
            Some(crate::domain::model::EntryStatus::Failed),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 1);
    assert_eq!(entries.items[0].user_id, yes[1].id);
    assert!(entries.items[0]
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("frozen"));
    assert_eq!(balance(db, &yes[0]).await, 1_090);
    assert_eq!(balance(db, &yes[1]).await, 900);
    assert_eq!(
        escrow_balance(db, id).await,
        200,
        "the unpaid pair's pot stays in escrow"
    );
    assert_eq!(notification_users(db, "job_failed").await, vec![boss.id]);
    // retrying while still frozen fails the same entry again; unfreezing fixes it
    assert_eq!(
        db.store
            .job_retry_if_failed(job.id, Some(boss.id), NOW)
            .await
            .unwrap(),
        Ok(1)
    );
    drain(&rt, 1).await;
    assert_eq!(
        db.store.job_get(job.id, NOW).await.unwrap().unwrap().status,
        JobStatus::Failed
    );
    db.store
        .wallet_set_frozen_if_changed(boss.id, yes[1].id, false, NOW)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .job_retry_if_failed(job.id, Some(boss.id), NOW)
            .await
            .unwrap(),
        Ok(1)
    );
    assert!(
        db.store
            .job_retry_if_failed(job.id, Some(boss.id), NOW)
            .await
            .unwrap()
            .is_err(),
        "a running job is not retried"
    );
    drain(&rt, 2).await;
    let done = db.store.job_get(job.id, NOW).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.processed_entries, done.failed_entries),
        (JobStatus::Completed, 3, 0)
    );
    assert_eq!(balance(db, &yes[1]).await, 1_090, "paid exactly once");
    assert_eq!(escrow_balance(db, id).await, 0);
}

pub async fn pause_resume_and_cancel_follow_their_rules(db: &TestDb) {
    let boss = admin(db).await;
    let (id, yes, _) = awaiting(db, 2).await;
    let job = db
        .store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Yes, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .job_pause_if_live(job.id, boss.id, NOW)
            .await
            .unwrap(),
        Ok(())
    );
    assert!(db
        .store
        .job_pause_if_live(job.id, boss.id, NOW)
        .await
        .unwrap()
        .is_err());
    let rt = rt_with(db, 1);
    drain(&rt, 1).await;
    assert_eq!(
        db.store
            .job_get(job.id, NOW)
            .await
            .unwrap()
            .unwrap()
            .processed_entries,
        0,
        "a paused job pays nobody"
    );
    // cancelled before anyone is paid: back to the Awaiting tab, and resolvable again
    assert_eq!(
        db.store
            .job_cancel_if_unpaid(job.id, boss.id, NOW)
            .await
            .unwrap(),
        Ok(())
    );
    assert!(db
        .store
        .job_resume_if_paused(job.id, boss.id, NOW)
        .await
        .unwrap()
        .is_err());
    let c = db.store.challenge_get(id, None).await.unwrap().unwrap();
    assert_eq!((c.status.as_str(), c.result), ("pending_admin", None));
    let job2 = db
        .store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Yes, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    let claim = db
        .store
        .payout_claim_batch(1, 30_000, NOW)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        db.store.payout_settle_batch(&claim, NOW).await.unwrap(),
        Settled::Done { paid: 1, .. }
    ));
    let refused = db
        .store
        .job_cancel_if_unpaid(job2.id, boss.id, NOW)
        .await
        .unwrap();
    assert!(refused.unwrap_err().contains("already paid"));
    assert_eq!(
        db.store
            .job_pause_if_live(job2.id, boss.id, NOW)
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        db.store
            .job_resume_if_paused(job2.id, boss.id, NOW)
            .await
            .unwrap(),
        Ok(())
    );
    drain(&rt, 1).await;
    assert_eq!(
        db.store
            .job_get(job2.id, NOW)
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Completed
    );
    for u in &yes {
        assert_eq!(balance(db, u).await, 1_090);
    }
}

pub async fn a_worker_that_lost_its_lease_commits_nothing(db: &TestDb) {
    let boss = admin(db).await;
    let (id, yes, _) = awaiting(db, 1).await;
    db.store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::Yes, None, FEE_BPS, NOW + HOUR)
        .await
        .unwrap();
    let slow = db
        .store
        .payout_claim_batch(10, 1_000, NOW)
        .await
        .unwrap()
        .unwrap();
    assert!(
        db.store
            .payout_claim_batch(10, 1_000, NOW + 500)
            .await
            .unwrap()
            .is_none(),
        "the lease holds"
    );
    let takeover = db
        .store
        .payout_claim_batch(10, 1_000, NOW + 1_001)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (takeover.batch_id, takeover.after_id, takeover.through_id),
        (slow.batch_id, slow.after_id, slow.through_id)
    );
    assert_ne!(takeover.lease_token, slow.lease_token);
    assert_eq!(
        db.store
            .payout_settle_batch(&slow, NOW + 1_002)
            .await
            .unwrap(),
        Settled::LeaseLost
    );
    assert!(matches!(
        db.store
            .payout_settle_batch(&takeover, NOW + 1_003)
            .await
            .unwrap(),
        Settled::Done {
            paid: 1,
            failed: 0,
            ..
        }
    ));
    assert_eq!(
        db.store
            .payout_settle_batch(&takeover, NOW + 1_004)
            .await
            .unwrap(),
        Settled::LeaseLost,
        "a batch settles once"
    );
    assert_eq!(balance(db, &yes[0]).await, 1_090);
}

pub async fn many_batches_in_parallel_pay_each_winner_once(db: &TestDb) {
    let boss = admin(db).await;
    let seeded = db
        .store
        .seed(&SeedSpec {
            tag: "par".into(),
            users: 6_000,
            coins_per_user: 1_000,
            challenges: 1,
            stake_coins: 10,
            first_due_ms: NOW,
            due_step_ms: 0,
            pairs_per_challenge: 3_000,
            waiting_per_challenge: 0,
            now_ms: NOW - HOUR,
        })
        .await
        .unwrap();
    let id = seeded.first_challenge_id;
    db.store.challenges_lock_if_due(NOW, 10).await.unwrap();
    let job = db
        .store
        .challenge_resolve_if_awaiting(id, boss.id, Outcome::No, None, FEE_BPS, NOW)
        .await
        .unwrap();
    assert_eq!(job.total_entries, 3_000);
    drain(&rt_with(db, 97), 4).await;
    let job = db.store.job_get(job.id, NOW).await.unwrap().unwrap();
    assert_eq!(
        (job.status, job.processed_entries, job.failed_entries),
        (JobStatus::Completed, 3_000, 0)
    );
    let (entries, twice): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status = 'paid'), \
                (SELECT COUNT(*) FROM (SELECT user_id FROM payout_entries WHERE job_id = $1 GROUP BY user_id HAVING COUNT(*) > 1) AS t)",
    )
    .bind(job.id)
    .fetch_one(db.store.read_pool())
    .await
    .unwrap();
    assert_eq!((entries, twice), (3_000, 0));
    // winners (NO) gained 19, losers lost 10, over 1,000 coins each
    let winners_ok: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts w JOIN stakes s ON s.user_id = w.user_id AND s.challenge_id = $1 \
         WHERE w.kind = 'wallet' AND ((s.side = 'no' AND w.balance = 1009) OR (s.side = 'yes' AND w.balance = 990))",
    )
    .bind(id)
    .fetch_one(db.store.read_pool())
    .await
    .unwrap();
    assert_eq!(winners_ok, 6_000);
    assert_eq!(escrow_balance(db, id).await, 0);
}

pub async fn a_challenge_without_pairs_resolves_to_an_empty_job_that_completes(db: &TestDb) {
    let boss = admin(db).await;
    let loner = user_with_coins(db, "loner", 100).await;
    let id = create(db, &loner, 10, Side::Yes).await;
    // cancelled before its deadline: the one waiting stake is refunded by the job
    let job = db
        .store
        .challenge_cancel_if_unsettled(id, boss.id, None, NOW)
        .await
        .unwrap();
    assert_eq!(job.total_entries, 1);
    drain(&rt_with(db, 10), 1).await;
    assert_eq!(balance(db, &loner).await, 100);
    // and a draw of an active challenge with no pairs left is an empty job
    let (id2, _, _) = awaiting(db, 1).await;
    sqlx::query("UPDATE challenges SET matched_pairs = 0 WHERE id = $1")
        .bind(id2)
        .execute(db.store.write_pool())
        .await
        .unwrap();
    let empty = db
        .store
        .challenge_resolve_if_awaiting(id2, boss.id, Outcome::Draw, None, FEE_BPS, NOW)
        .await
        .unwrap();
    assert_eq!(empty.total_entries, 0);
    sqlx::query("UPDATE challenges SET matched_pairs = 1 WHERE id = $1")
        .bind(id2)
        .execute(db.store.write_pool())
        .await
        .unwrap();
    drain(&rt_with(db, 10), 1).await;
    assert_eq!(
        db.store
            .job_get(empty.id, NOW)
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Completed
    );
}
