//! Gauntlet's benchmarks. Each prints its figures; none is a timed test.
//!
//!   cargo bench -p app --features testing --bench gauntlet -- [section...] [--db sqlite,postgres]
//!     [--sizes 1000,100000,1000000] [--batches 500,5000] [--workers 2] [--streams 10000]
//!
//! Sections: payouts (the payout engine against the raw set-based SQL floor),
//! profile (where one payout worker's time goes), scheduler (lock lag at 100,000
//! deadlines; resolve latency at 1 and 1,000,000 winners), list (first page of
//! 100,000 challenges from a warm server), notifier (send lag of 200,000 deadline
//! warnings), fan-out (one warning to 10,000 participants with open event streams).
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

mod list;
mod notifier;
mod payouts;
mod scheduler;

use list::list;
use notifier::{fan_out, notifier};
use payouts::{payouts, profile};
use scheduler::scheduler;

const FEE_BPS: i64 = 500;
const STAKE: i64 = 10;

struct Args {
    sections: Vec<String>,
    dbs: Vec<Backend>,
    sizes: Vec<i64>,
    batches: Vec<i64>,
    workers: usize,
    /// Event streams the fan-out section opens (capped by the open-file limit).
    streams: i64,
}

fn args() -> Args {
    let mut a = Args {
        sections: Vec::new(),
        dbs: vec![Backend::Sqlite, Backend::Postgres],
        sizes: vec![1_000, 100_000, 1_000_000],
        batches: vec![500, 5_000],
        workers: 2,
        streams: 10_000,
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
            "--streams" => a.streams = it.next().and_then(|n| n.parse().ok()).unwrap_or(10_000),
            "--bench" => {}
            s if !s.starts_with('-') => a.sections.push(s.to_string()),
            _ => {}
        }
    }
    if a.sections.is_empty() {
        a.sections = ["list", "scheduler", "notifier", "fan-out", "payouts"]
            .map(String::from)
            .to_vec();
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

#[tokio::main]
async fn main() {
    // RUST_LOG=sqlx::query=debug shows every statement with its elapsed time
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
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
            "notifier" => notifier(&a).await,
            "fan-out" => fan_out(&a).await,
            other => eprintln!("unknown section {other}"),
        }
    }
}
