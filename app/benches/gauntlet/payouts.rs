//! The payout engine against the raw set-based SQL floor, on the same work.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The raw set-based floor: the same balance updates, ledger rows and entry rows,
/// batch by batch over the same keyset, with no claim, lease, fence or counters.
async fn floor(
    store: &Store,
    job_id: i64,
    challenge_id: i64,
    escrow: i64,
    per_winner: i64,
    fee: i64,
    batch: i64,
) -> (Duration, Vec<f64>) {
    let started = Instant::now();
    let mut commits = Vec::new();
    let mut cursor = 0i64;
    loop {
        let t = Instant::now();
        let mut tx = store.begin().await.expect("tx");
        let through: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM (SELECT s.id FROM stakes s WHERE s.challenge_id = $1 AND s.side = 'yes' AND s.status = 'matched' \
             AND s.id > $2 ORDER BY s.id LIMIT $3) AS t",
        )
        .bind(challenge_id)
        .bind(cursor)
        .bind(batch)
        .fetch_one(&mut *tx)
        .await
        .expect("range");
        let Some(through) = through else { break };
        let paid = sqlx::query(
            "INSERT INTO payout_entries (job_id, batch_id, stake_id, user_id, account_id, amount, status, attempts, processed_at_ms) \
             SELECT $3, 0, s.id, s.user_id, w.id, $4, 'paid', 1, 0 FROM stakes s \
             JOIN accounts w ON w.kind = 'wallet' AND w.user_id = s.user_id \
             WHERE s.challenge_id = $1 AND s.side = 'yes' AND s.status = 'matched' AND s.id > $2 AND s.id <= $5",
        )
        .bind(challenge_id)
        .bind(cursor)
        .bind(job_id)
        .bind(per_winner)
        .bind(through)
        .execute(&mut *tx)
        .await
        .expect("entries")
        .rows_affected() as i64;
        sqlx::query(
            "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_entry_id, payout_job_id, created_at_ms) \
             SELECT 'payout', $4, e.account_id, e.amount, $5, e.id, e.job_id, 0 FROM payout_entries e \
             WHERE e.job_id = $1 AND e.stake_id > $2 AND e.stake_id <= $3",
        )
        .bind(job_id)
        .bind(cursor)
        .bind(through)
        .bind(escrow)
        .bind(challenge_id)
        .execute(&mut *tx)
        .await
        .expect("ledger");
        sqlx::query(
            "UPDATE accounts SET balance = balance + $4 WHERE id IN \
             (SELECT e.account_id FROM payout_entries e WHERE e.job_id = $1 AND e.stake_id > $2 AND e.stake_id <= $3)",
        )
        .bind(job_id)
        .bind(cursor)
        .bind(through)
        .bind(per_winner)
        .execute(&mut *tx)
        .await
        .expect("wallets");
        sqlx::query("UPDATE accounts SET balance = balance - $1 WHERE id = $2")
            .bind(paid * (per_winner + fee))
            .bind(escrow)
            .execute(&mut *tx)
            .await
            .expect("escrow");
        sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
            .bind(paid * fee)
            .bind(store.platform_account())
            .execute(&mut *tx)
            .await
            .expect("platform");
        sqlx::query("INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, created_at_ms) VALUES ('fee', $1, $2, $3, $4, 0)")
            .bind(escrow)
            .bind(store.platform_account())
            .bind(paid * fee)
            .bind(challenge_id)
            .execute(&mut *tx)
            .await
            .expect("fee");
        tx.commit().await.expect("commit");
        commits.push(t.elapsed().as_secs_f64() * 1000.0);
        cursor = through;
    }
    (started.elapsed(), commits)
}

/// Runs the engine's own workers (claim + settle + complete) until the job is
/// completed, timing each step. The job's progress is read every 200 ms, as the
/// admin page would (not after every batch); the paid time is the job's own
/// completion moment. The won/lost notices that follow are timed apart.
async fn engine(rt: &Runtime, job_id: i64, workers: usize) -> (Duration, Vec<f64>, Duration) {
    let started = Instant::now();
    let started_ms = rt.now_ms();
    let done = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let mut worker = PayoutWorker::new(rt.clone());
        let done = done.clone();
        tasks.spawn(async move {
            let mut times = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                if worker.step().await.expect("step") {
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            times
        });
    }
    let completed_ms = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let job = rt
            .store
            .job_get(job_id, 0)
            .await
            .expect("job")
            .expect("exists");
        if let Some(at) = job.completed_at {
            break at.timestamp_millis();
        }
    };
    let paid = Duration::from_millis((completed_ms - started_ms).max(0) as u64);
    done.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r.expect("worker"));
    }
    let mut worker = PayoutWorker::new(rt.clone());
    while worker.step().await.expect("notify") {}
    (paid, all, started.elapsed().saturating_sub(paid))
}

pub async fn payouts(a: &Args) {
    println!(
        "\n## Payouts: engine vs the raw set-based SQL floor (PAYOUT_WORKERS = {})\n",
        a.workers
    );
    println!("| db | winners | batch | engine s | engine winners/s | p99 batch ms | floor s | floor winners/s | engine/floor | won/lost notices s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        for &n in &a.sizes {
            for &batch in &a.batches {
                // each on a database of its own, seeded alike, so neither inherits the other's dead rows
                let (floor_time, _) = {
                    let db = TestDb::new(backend).await;
                    let boss = admin(&db).await;
                    let challenge = awaiting(&db, "floor", n, 1).await.first_challenge_id;
                    let now = chrono::Utc::now().timestamp_millis();
                    // the job exists only so its entries have a job to belong to; paused, no engine would touch it
                    let job = db
                        .store
                        .challenge_resolve_if_awaiting(
                            challenge,
                            boss,
                            Outcome::Yes,
                            None,
                            FEE_BPS,
                            now,
                        )
                        .await
                        .expect("resolve");
                    db.store
                        .job_pause_if_live(job.id, boss, now)
                        .await
                        .expect("pause")
                        .expect("paused");
                    let escrow: i64 = sqlx::query_scalar(
                        "SELECT escrow_account_id FROM challenges WHERE id = $1",
                    )
                    .bind(challenge)
                    .fetch_one(db.store.read_pool())
                    .await
                    .expect("escrow");
                    let fee = 2 * STAKE - job.amount_per_entry;
                    let timing = floor(
                        &db.store,
                        job.id,
                        challenge,
                        escrow,
                        job.amount_per_entry,
                        fee,
                        batch,
                    )
                    .await;
                    let check = db.store.ledger_check().await.expect("check");
                    assert!(check.ok, "{check:?}");
                    timing
                };
                let db = TestDb::new(backend).await;
                let boss = admin(&db).await;
                let challenge = awaiting(&db, "engine", n, 1).await.first_challenge_id;
                let now = chrono::Utc::now().timestamp_millis();
                let rt = runtime(&db, db.store.clone(), |c| c.payout_batch_size = batch);
                let job = db
                    .store
                    .challenge_resolve_if_awaiting(
                        challenge,
                        boss,
                        Outcome::Yes,
                        None,
                        FEE_BPS,
                        now,
                    )
                    .await
                    .expect("resolve");
                let (engine_time, mut batches, notify_time) = engine(&rt, job.id, a.workers).await;
                batches.sort_by(f64::total_cmp);
                let done = db
                    .store
                    .job_get(job.id, 0)
                    .await
                    .expect("job")
                    .expect("job");
                assert_eq!(
                    (done.status, done.processed_entries),
                    (JobStatus::Completed, n),
                    "every winner paid"
                );
                let check = db.store.ledger_check().await.expect("check");
                assert!(check.ok, "{check:?}");
                let rate = |d: Duration| n as f64 / d.as_secs_f64();
                println!(
                    "| {} | {n} | {batch} | {:.2} | {:.0} | {:.1} | {:.2} | {:.0} | {:.2}× | {:.1} |",
                    backend.name(),
                    engine_time.as_secs_f64(),
                    rate(engine_time),
                    percentile(&batches, 0.99),
                    floor_time.as_secs_f64(),
                    rate(floor_time),
                    rate(engine_time) / rate(floor_time),
                    notify_time.as_secs_f64(),
                );
            }
        }
    }
}

/// Where the engine's time goes, one worker: claim vs settle per batch.
pub async fn profile(a: &Args) {
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let boss = admin(&db).await;
        let seeded = awaiting(&db, "prof", 20_000, 1).await;
        let now = chrono::Utc::now().timestamp_millis();
        db.store
            .challenge_resolve_if_awaiting(
                seeded.first_challenge_id,
                boss,
                Outcome::Yes,
                None,
                FEE_BPS,
                now,
            )
            .await
            .expect("resolve");
        let (mut claim_ms, mut settle_ms) = (Vec::new(), Vec::new());
        loop {
            let t = Instant::now();
            let Some(claim) = db
                .store
                .payout_claim_batch(500, 30_000, now)
                .await
                .expect("claim")
            else {
                break;
            };
            claim_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            db.store
                .payout_settle_batch(&claim, now)
                .await
                .expect("settle");
            settle_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        claim_ms.sort_by(f64::total_cmp);
        settle_ms.sort_by(f64::total_cmp);
        println!(
            "{}: {} batches; claim p50 {:.2} ms p99 {:.2}; settle p50 {:.2} ms p99 {:.2}",
            backend.name(),
            claim_ms.len(),
            percentile(&claim_ms, 0.5),
            percentile(&claim_ms, 0.99),
            percentile(&settle_ms, 0.5),
            percentile(&settle_ms, 0.99)
        );
    }
}
