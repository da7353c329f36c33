//! Lock lag at 100,000 deadlines; resolve latency at 1 and 1,000,000 winners.

use super::*;

pub async fn scheduler(a: &Args) {
    println!(
        "\n## Scheduler: lock lag with 100,000 active challenges due over the next 2 minutes\n"
    );
    println!("| db | challenges | locked | lag p50 ms | lag p99 ms | lag max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let n = 100_000i64;
        let now = chrono::Utc::now().timestamp_millis();
        let first_due = now + 60_000;
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
