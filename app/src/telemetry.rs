//! Logs and metrics: `tracing` to stdout, Prometheus text at `/metrics`.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Bucket bounds (seconds) for the latency-style histograms.
const LAG_BUCKETS_SECS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0,
];

/// Installs the process-wide recorder once (tests build many routers in one process).
pub fn install_metrics() {
    PROMETHEUS.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LAG_BUCKETS_SECS)
            .ok()?;
        let handle = builder.install_recorder().ok()?;
        describe();
        Some(handle)
    });
}

fn describe() {
    metrics::describe_counter!(
        "gauntlet_http_requests_total",
        "HTTP requests by method, route and status"
    );
    metrics::describe_counter!(
        "gauntlet_payout_entries_total",
        "Payout entries settled, by status"
    );
    metrics::describe_histogram!(
        "gauntlet_scheduler_lag_seconds",
        "locked_at - due_at of each locked challenge"
    );
    metrics::describe_counter!(
        "gauntlet_notifications_sent_total",
        "Notifications written, by kind"
    );
    // Registered up front so /metrics lists them before the first event.
    for status in ["paid", "failed"] {
        metrics::counter!("gauntlet_payout_entries_total", "status" => status).increment(0);
    }
}

pub fn render_metrics() -> String {
    match PROMETHEUS.get() {
        Some(Some(handle)) => handle.render(),
        _ => String::new(),
    }
}

pub async fn count_requests(req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg".into()
            } else {
                "other".into()
            }
        });
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("gauntlet_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

pub fn init_logging(format: &str) {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
