//! Deadline warnings: send lag, and fan-out to the participants of one challenge.

use super::*;

/// Deadline warnings: send lag for 100,000 warnings due over two minutes, and the
/// fan-out of one warning to 10,000 participants (inbox rows written, and received
/// by 100 connected event streams).
pub async fn notifier(a: &Args) {
    use app::engine::notifier::Notifier;
    println!("\n## Notifier: send lag of 1-hour warnings (2 participants × 100,000 challenges, due over 2 minutes)\n");
    println!("| db | warnings | lag p50 ms | lag p99 ms | lag max ms |");
    println!("|---|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let n = 100_000i64;
        let now = chrono::Utc::now().timestamp_millis();
        let first_warning = now + 60_000;
        let spread_ms = 120_000;
        db.store
            .seed(&SeedSpec {
                tag: "warn".into(),
                users: 2,
                coins_per_user: 10_000_000,
                challenges: n,
                stake_coins: 1,
                first_due_ms: first_warning + 3_600_000,
                due_step_ms: 0,
                pairs_per_challenge: 1,
                waiting_per_challenge: 0,
                now_ms: now,
            })
            .await
            .expect("seed");
        sqlx::query("UPDATE challenges SET due_at_ms = $1 + ((id * 1000003) % $2), next_warning_at_ms = $3 + ((id * 1000003) % $2)")
            .bind(first_warning + 3_600_000)
            .bind(spread_ms)
            .bind(first_warning)
            .execute(db.store.write_pool())
            .await
            .expect("spread");
        assert!(
            chrono::Utc::now().timestamp_millis() < first_warning,
            "seeding took longer than the head start"
        );
        let rt = runtime(&db, db.store.clone(), |_| {});
        let shutdown = tokio_util::sync::CancellationToken::new();
        let task = tokio::spawn(Notifier::new(rt).run(shutdown.clone()));
        loop {
            let sent: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'deadline_1h'")
                    .fetch_one(db.store.read_pool())
                    .await
                    .expect("count");
            if sent >= 2 * n {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        shutdown.cancel();
        task.await.expect("notifier");
        let mut lags: Vec<f64> = sqlx::query_scalar::<_, i64>(
            "SELECT n.created_at_ms - (c.due_at_ms - 3600000) FROM notifications n JOIN challenges c ON c.id = n.challenge_id \
             WHERE n.kind = 'deadline_1h'",
        )
        .fetch_all(db.store.read_pool())
        .await
        .expect("lags")
        .into_iter()
        .map(|l| l as f64)
        .collect();
        lags.sort_by(f64::total_cmp);
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} |",
            backend.name(),
            lags.len(),
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN)
        );
    }
}

/// Asks for `wanted` open files (root may raise the hard limit too); returns
/// how many this process may open.
fn raise_open_files(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a stack value of the type they expect
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: wanted.max(limit.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    limit.rlim_cur as u64
}

/// One participant's event stream: connects, reports it is connected, and returns
/// the wall-clock millisecond at which its first notification arrived.
async fn stream_until_notified(
    client: reqwest::Client,
    url: String,
    token: String,
    connected: Arc<tokio::sync::Semaphore>,
) -> Option<i64> {
    use futures::StreamExt;
    let response = client.get(url).bearer_auth(token).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    connected.add_permits(1);
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.ok()?));
        if seen.contains("event: notification") {
            return Some(chrono::Utc::now().timestamp_millis());
        }
    }
    None
}

/// One 1-hour warning to every participant of one challenge, each holding an
/// open event stream: until every inbox row is written, and until every stream
/// has received its notification.
pub async fn fan_out(a: &Args) {
    let participants: i64 = 10_000;
    let streams = a
        .streams
        .min(participants)
        .min(((raise_open_files(4 * participants as u64 + 1_000) - 1_000) / 2) as i64);
    println!("\n## Notifier: one warning fanned out to {participants} participants of one challenge, {streams} of them connected by event stream\n");
    println!("| db | inbox rows | all rows committed ms | streams | received p50 ms | p99 ms | all received ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &backend in &a.dbs {
        let db = TestDb::new(backend).await;
        let now = chrono::Utc::now().timestamp_millis();
        let seeded = db
            .store
            .seed(&SeedSpec {
                tag: "fan".into(),
                users: participants,
                coins_per_user: 1_000,
                challenges: 1,
                stake_coins: 1,
                first_due_ms: now + 7_200_000,
                due_step_ms: 0,
                pairs_per_challenge: participants / 2,
                waiting_per_challenge: 0,
                now_ms: now,
            })
            .await
            .expect("seed");
        let challenge_id = seeded.first_challenge_id;
        // a bearer session per participant, so no password hashing stands in the way
        let mut tx = db.store.write_pool().begin().await.expect("begin");
        let mut tokens = Vec::new();
        for k in 0..streams {
            let token = format!("fan-out-session-{k}");
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(app::service::auth::token_hash(&token))
                .bind(seeded.first_user_id + k)
                .bind(now)
                .bind(now + 86_400_000)
                .execute(&mut *tx)
                .await
                .expect("session");
            tokens.push(token);
        }
        tx.commit().await.expect("commit");

        let services =
            app::startup::build_services(Config::for_database(&db.url), Arc::new(SystemClock))
                .await
                .expect("services");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = app::startup::start(services, listener)
            .await
            .expect("server");
        let url = format!("http://{}/api/v1/events", running.addr);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        let connected = Arc::new(tokio::sync::Semaphore::new(0));
        let mut received = tokio::task::JoinSet::new();
        for (k, token) in tokens.into_iter().enumerate() {
            received.spawn(stream_until_notified(
                client.clone(),
                url.clone(),
                token,
                connected.clone(),
            ));
            if k % 500 == 499 {
                // let the accept queue drain between waves of connections
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let all_connected = tokio::time::timeout(
            Duration::from_secs(120),
            connected.acquire_many(streams as u32),
        )
        .await;
        assert!(
            matches!(all_connected, Ok(Ok(_))),
            "not every stream connected"
        );

        let due_ms = chrono::Utc::now().timestamp_millis() + 1_000;
        sqlx::query("UPDATE challenges SET due_at_ms = $1, next_warning_at_ms = $2 WHERE id = $3")
            .bind(due_ms + 3_600_000)
            .bind(due_ms)
            .bind(challenge_id)
            .execute(db.store.write_pool())
            .await
            .expect("due");
        running.services.wakers.notifier.notify_one();
        // committed rows, as a reader sees them
        let store = db.store.clone();
        let written = tokio::spawn(async move {
            loop {
                let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE challenge_id = $1 AND kind = 'deadline_1h'")
                    .bind(challenge_id)
                    .fetch_one(store.read_pool())
                    .await
                    .expect("count");
                if rows >= participants {
                    return chrono::Utc::now().timestamp_millis();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });

        let mut lags: Vec<f64> = Vec::new();
        while let Ok(Some(done)) =
            tokio::time::timeout(Duration::from_secs(120), received.join_next()).await
        {
            if let Ok(Some(at_ms)) = done {
                lags.push((at_ms - due_ms) as f64);
            }
        }
        lags.sort_by(f64::total_cmp);
        let written_at_ms = tokio::time::timeout(Duration::from_secs(60), written).await;
        let rows_written_ms = match written_at_ms {
            Ok(Ok(at_ms)) => (at_ms - due_ms).to_string(),
            _ => "not all".into(),
        };
        println!(
            "| {} | {participants} | {rows_written_ms} | {}/{streams} | {:.0} | {:.0} | {:.0} |",
            backend.name(),
            lags.len(),
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN)
        );
        received.abort_all();
        running.stop().await;
    }
}
