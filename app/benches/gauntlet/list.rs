//! The first page of 100,000 challenges from a warm server.

use super::*;

pub async fn list(a: &Args) {
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
