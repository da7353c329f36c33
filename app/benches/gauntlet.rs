//! Gauntlet's benchmarks. Each prints its figures; none is a timed test.
//!
//!   cargo bench -p app --features testing --bench gauntlet -- [section...] [--db sqlite,postgres]
//!     [--sizes 1000,100000,1000000] [--batches 500,5000]
//!
//! Sections: payouts (issue: payout engine vs the raw set-based SQL floor),
//! scheduler (lock lag at 100,000 deadlines; resolve latency at 1 and 1,000,000
//! winners), list (first page of 100,000 challenges from a warm server).
//! PostgreSQL comes from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).

use app::config::Config;
use app::domain::account::{Registration, Role};
use app::domain::challenge::Outcome;
use app::domain::model::JobStatus;
use app::engine::clock::SystemClock;
use app::engine::payouts::PayoutWorker;
use app::engine::scheduler::Scheduler;
use app::engine::Runtime;
use app::store::seed::{SeedSpec, Seeded};
use app::store::testing::TestDb;
use app::store::{Backend, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FEE_BPS: i64 = 500;
const STAKE: i64 = 10;

struct Args {
    sections: Vec<String>,
    dbs: Vec<Backend>,
    sizes: Vec<i64>,
    batches: Vec<i64>,
    workers: usize,
}

fn args() -> Args {
    let mut a = Args {
        sections: Vec::new(),
        dbs: vec![Backend::Sqlite, Backend::Postgres],
        sizes: vec![1_000, 100_000, 1_000_000],
        batches: vec![500, 5_000],
        workers: 2,
    };
    let mut it = std::env::args().skip(1);
    let list = |v: Option<String>| {
        v.unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => {
                a.dbs = list(it.next())
                    .iter()
                    .filter_map(|d| match d.as_str() {
                        "sqlite" => Some(Backend::Sqlite),
                        "postgres" => Some(Backend::Postgres),
                        _ => None,
                    })
                    .collect()
            }
            "--sizes" => {
                a.sizes = list(it.next())
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect()
            }
            "--batches" => {
                a.batches = list(it.next())
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect()
            }
            "--workers" => a.workers = it.next().and_then(|w| w.parse().ok()).unwrap_or(2),
            "--bench" => {}
            s if !s.starts_with('-') => a.sections.push(s.to_string()),
            _ => {}
        }
    }
    if a.sections.is_empty() {
        a.sections = vec!["list".into(), "scheduler".into(), "payouts".into()];
    }
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn runtime(db: &TestDb, store: Store, tweak: impl FnOnce(&mut Config)) -> Runtime {
    let mut config = Config::for_database(&db.url);
    config.platform_fee_bps = FEE_BPS;
    tweak(&mut config);
    Runtime {
        payout_turns: (store.backend() == Backend::Sqlite)
            .then(|| Arc::new(tokio::sync::Semaphore::new(1))),
        store,
        clock: Arc::new(SystemClock),
        config: Arc::new(config),
        wakers: Default::default(),
        events: Default::default(),
    }
}

async fn admin(db: &TestDb) -> i64 {
    let reg = Registration::parse("bench_admin", "bench-password", None).expect("valid");
    db.store
        .user_create(&reg, "x", Role::Admin, 0)
        .await
        .expect("admin")
        .id
}

/// Seeds `challenges` challenges with `pairs` matched pairs each, all due already
/// and locked (awaiting a result); the challenges share 2·pairs users.
async fn awaiting(db: &TestDb, tag: &str, pairs: i64, challenges: i64) -> Seeded {
    let now = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let seeded = db
        .store
        .seed(&SeedSpec {
            tag: tag.into(),
            users: (2 * pairs).max(2),
            coins_per_user: 1_000,
            challenges,
            stake_coins: STAKE,
            first_due_ms: now - 1_000,
            due_step_ms: 0,
            pairs_per_challenge: pairs,
            waiting_per_challenge: 0,
            now_ms: now - 60_000,
        })
        .await
        .expect("seed");
    db.store
        .challenges_lock_if_due(now, challenges + 10)
        .await
        .expect("lock");
    eprintln!(
        "    seeded {challenges} × {pairs} pairs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    seeded
}

// ---------------------------------------------------------------- payouts

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
/// completed, timing each step; the won/lost notices that follow are timed apart.
async fn engine(rt: &Runtime, job_id: i64, workers: usize) -> (Duration, Vec<f64>, Duration) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let mut worker = PayoutWorker::new(rt.clone());
        let store = rt.store.clone();
        tasks.spawn(async move {
            let mut times = Vec::new();
            loop {
                let t = Instant::now();
                let did = worker.step().await.expect("step");
                let job = store
                    .job_get(job_id, 0)
                    .await
                    .expect("job")
                    .expect("exists");
                if job.status == JobStatus::Completed || job.status == JobStatus::Failed {
                    return times;
                }
                if did {
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r.expect("worker"));
    }
    let paid = started.elapsed();
    let mut worker = PayoutWorker::new(rt.clone());
    while worker.step().await.expect("notify") {}
    (paid, all, started.elapsed() - paid)
}

async fn payouts(a: &Args) {
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

// ---------------------------------------------------------------- scheduler

async fn scheduler(a: &Args) {
    println!(
        "\n## Scheduler: lock lag with 100,000 active challenges due over the next 2 minutes\n"
    );
    println!("| db | challenges | locked | lag p50 ms | lag p99 ms | lag max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let n = 100_000i64;
        let now = chrono::Utc::now().timestamp_millis();
        let first_due = now + 20_000;
        let spread_ms = 120_000;
        db.store
            .seed(&SeedSpec {
                tag: "due".into(),
                users: 2,
                coins_per_user: 10_000_000,
                challenges: n,
                stake_coins: 1,
                first_due_ms: first_due,
                due_step_ms: spread_ms / n,
                pairs_per_challenge: 1,
                waiting_per_challenge: 0,
                now_ms: now,
            })
            .await
            .expect("seed");
        // two deadlines a millisecond: the step above is integer, so spread them evenly
        sqlx::query("UPDATE challenges SET due_at_ms = $1 + ((id * 1000003) % $2)")
            .bind(first_due)
            .bind(spread_ms)
            .execute(db.store.write_pool())
            .await
            .expect("spread");
        assert!(
            chrono::Utc::now().timestamp_millis() < first_due,
            "seeding took longer than the head start"
        );
        let rt = runtime(&db, db.store.clone(), |_| {});
        let shutdown = tokio_util::sync::CancellationToken::new();
        let task = tokio::spawn(Scheduler::new(rt).run(shutdown.clone()));
        loop {
            let open: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM challenges WHERE status = 'active'")
                    .fetch_one(db.store.read_pool())
                    .await
                    .expect("count");
            if open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        shutdown.cancel();
        task.await.expect("scheduler");
        let mut lags: Vec<f64> =
            sqlx::query_scalar::<_, i64>("SELECT locked_at_ms - due_at_ms FROM challenges")
                .fetch_all(db.store.read_pool())
                .await
                .expect("lags")
                .into_iter()
                .map(|l| l as f64)
                .collect();
        lags.sort_by(f64::total_cmp);
        println!(
            "| {} | {n} | {} | {:.0} | {:.0} | {:.0} |",
            backend.name(),
            lags.len(),
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN)
        );
    }

    println!("\n## Resolve latency (202 with the job; O(1) in the number of winners)\n");
    println!("| db | winners | resolves | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        for winners in [1i64, 1_000_000] {
            let db = TestDb::new(backend).await;
            let boss = admin(&db).await;
            let seeded = awaiting(&db, "res", winners, 1).await;
            let id = seeded.first_challenge_id;
            let mut times = Vec::new();
            for _ in 0..200 {
                let now = chrono::Utc::now().timestamp_millis();
                let t = Instant::now();
                let job = db
                    .store
                    .challenge_resolve_if_awaiting(id, boss, Outcome::Yes, None, FEE_BPS, now)
                    .await
                    .expect("resolve");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(job.total_entries, winners);
                // hand it back (nobody paid) so it can be resolved again
                db.store
                    .job_cancel_if_unpaid(job.id, boss, now)
                    .await
                    .expect("cancel")
                    .expect("cancelled");
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {} | {winners} | {} | {:.2} | {:.2} |",
                backend.name(),
                times.len(),
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
    }
}

// ---------------------------------------------------------------- list

async fn list(a: &Args) {
    println!(
        "\n## Browse: first page of 100,000 challenges from a warm server (HTTP, 200 requests)\n"
    );
    println!("| db | challenges | endpoint | p50 ms | p99 ms |");
    println!("|---|---:|---|---:|---:|");
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let now = chrono::Utc::now().timestamp_millis();
        db.store
            .seed(&SeedSpec {
                tag: "browse".into(),
                users: 2,
                coins_per_user: 10_000_000,
                challenges: 100_000,
                stake_coins: 1,
                first_due_ms: now + 3_600_000,
                due_step_ms: 10,
                pairs_per_challenge: 1,
                waiting_per_challenge: 0,
                now_ms: now,
            })
            .await
            .expect("seed");
        let mut config = Config::for_database(&db.url);
        config.no_engine = true;
        let services = app::startup::build_services(config, Arc::new(SystemClock))
            .await
            .expect("services");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = app::startup::start(services, listener)
            .await
            .expect("server");
        let base = format!("http://{}", running.addr);
        let client = reqwest::Client::new();
        for (label, path) in [
            ("GET /api/v1/challenges", "/api/v1/challenges"),
            (
                "GET /api/v1/challenges?category=other",
                "/api/v1/challenges?category=other",
            ),
            (
                "GET /api/v1/challenges?status=active&cursor=",
                "/api/v1/challenges?status=active&cursor=c50000",
            ),
            ("GET / (HTML page)", "/"),
        ] {
            for _ in 0..20 {
                client
                    .get(format!("{base}{path}"))
                    .send()
                    .await
                    .expect("warm")
                    .bytes()
                    .await
                    .expect("body");
            }
            let mut times = Vec::new();
            for _ in 0..200 {
                let t = Instant::now();
                let r = client
                    .get(format!("{base}{path}"))
                    .send()
                    .await
                    .expect("request");
                assert!(r.status().is_success());
                r.bytes().await.expect("body");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {} | 100000 | {label} | {:.2} | {:.2} |",
                backend.name(),
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
        running.stop().await;
    }
}

/// Where the engine's time goes, one worker: claim vs settle per batch.
async fn profile(a: &Args) {
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

#[tokio::main]
async fn main() {
    let a = args();
    println!(
        "# Gauntlet benchmarks ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    for section in &a.sections {
        match section.as_str() {
            "payouts" => payouts(&a).await,
            "scheduler" => scheduler(&a).await,
            "list" => list(&a).await,
            "profile" => profile(&a).await,
            other => eprintln!("unknown section {other}"),
        }
    }
}
