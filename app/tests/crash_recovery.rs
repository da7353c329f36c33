//! Kill -9 in the middle of a payout: the real server process (the release binary
//! the test command built; GAUNTLET_BIN) is SIGKILLed mid-job on each database,
//! restarted, and must finish the job with every winner paid exactly once.

mod support;

use app::domain::account::{Registration, Role};
use app::domain::challenge::Outcome;
use app::domain::model::JobStatus;
use app::store::seed::SeedSpec;
use app::store::testing::TestDb;
use app::store::Backend;
use std::time::{Duration, Instant};
use support::process::ServerProcess;

const PAIRS: i64 = 30_000;
const STAKE: i64 = 10;
const FEE_BPS: i64 = 500;

fn spawn_server(db_url: &str, log: &std::path::Path) -> ServerProcess {
    ServerProcess::spawn(
        db_url,
        log,
        &[
            ("PAYOUT_BATCH_SIZE", "50"),
            ("PAYOUT_LEASE_SECS", "2"),
            ("PAYOUT_WORKERS", "2"),
            ("ADMIN_USERNAME", "crash_admin"),
            ("ADMIN_PASSWORD", "crash-admin-password"),
            ("RUST_LOG", "warn"),
        ],
    )
}

async fn job_progress(db: &TestDb, job_id: i64) -> (i64, JobStatus) {
    let job = db.store.job_get(job_id, 0).await.unwrap().unwrap();
    (job.processed_entries, job.status)
}

async fn killed_mid_job_then_restarted_pays_everyone_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let now = chrono::Utc::now().timestamp_millis();
    let seeded = db
        .store
        .seed(&SeedSpec {
            tag: "crash".into(),
            users: 2 * PAIRS,
            coins_per_user: 100,
            challenges: 1,
            stake_coins: STAKE,
            first_due_ms: now - 1_000,
            due_step_ms: 0,
            pairs_per_challenge: PAIRS,
            waiting_per_challenge: 0,
            now_ms: now - 60_000,
        })
        .await
        .unwrap();
    let id = seeded.first_challenge_id;
    let reg = Registration::parse("judge", "judge-password", None).unwrap();
    let judge = db
        .store
        .user_create(&reg, "x", Role::Admin, now)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .challenges_lock_if_due(now, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let job = db
        .store
        .challenge_resolve_if_awaiting(id, judge.id, Outcome::Yes, None, FEE_BPS, now)
        .await
        .unwrap();
    let logs = tempfile::tempdir().unwrap();

    // run, kill mid-job, twice
    for round in 0..2 {
        let mut server = spawn_server(&db.url, &logs.path().join(format!("run{round}.log")));
        let started = Instant::now();
        let target = PAIRS * (round + 1) / 4;
        loop {
            let (processed, status) = job_progress(&db, job.id).await;
            if processed >= target || status == JobStatus::Completed {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no progress: {}",
                std::fs::read_to_string(logs.path().join(format!("run{round}.log")))
                    .unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill();
        let (processed, status) = job_progress(&db, job.id).await;
        assert!(
            processed < PAIRS && status == JobStatus::Running,
            "the kill must land mid-job (round {round}: {processed} processed, {status:?})"
        );
        let check = db.store.ledger_check().await.unwrap();
        assert!(check.ok, "after SIGKILL round {round}: {check:?}");
    }

    // the third run resumes and finishes (leases of the killed workers expire)
    let mut server = spawn_server(&db.url, &logs.path().join("final.log"));
    let started = Instant::now();
    loop {
        let (_, status) = job_progress(&db, job.id).await;
        if status == JobStatus::Completed {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the job did not finish after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();

    let pool = db.store.read_pool();
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(job.id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(
        one("SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status = 'paid'").await,
        PAIRS
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM ledger_tx WHERE payout_job_id = $1 AND kind = 'payout'").await,
        PAIRS
    );
    assert_eq!(one("SELECT COUNT(*) FROM (SELECT user_id FROM payout_entries WHERE job_id = $1 GROUP BY user_id HAVING COUNT(*) > 1) AS t").await, 0);
    let per_winner = 2 * STAKE - 2 * STAKE * FEE_BPS / 10_000;
    let wrong: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts w JOIN stakes s ON s.user_id = w.user_id AND s.challenge_id = $1 \
         WHERE w.kind = 'wallet' AND NOT ((s.side = 'yes' AND w.balance = $2) OR (s.side = 'no' AND w.balance = $3))",
    )
    .bind(id)
    .bind(100 - STAKE + per_winner)
    .bind(100 - STAKE)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        wrong, 0,
        "every winner paid exactly once, every loser untouched"
    );
    let check = db.store.ledger_check().await.unwrap();
    assert!(check.ok, "{check:?}");
    let escrow: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE challenge_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(escrow, 0);
    assert_eq!(
        db.store
            .account_balance(db.store.platform_account())
            .await
            .unwrap(),
        PAIRS * (2 * STAKE - per_winner)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sigkill_mid_payout_then_restart() {
    killed_mid_job_then_restarted_pays_everyone_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigkill_mid_payout_then_restart() {
    killed_mid_job_then_restarted_pays_everyone_once(Backend::Postgres).await;
}
