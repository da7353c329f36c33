//! Deadline warnings, on time to the second: sleeps until the next warning falls
//! due (or a new participant joins), sends it exactly once to every participant,
//! and records how late it was.

use super::Runtime;
use crate::domain::AppError;
use tokio_util::sync::CancellationToken;

/// Challenges handled per transaction.
const WARN_BATCH: i64 = 200;

pub struct Notifier {
    rt: Runtime,
}

impl Notifier {
    pub fn new(rt: Runtime) -> Notifier {
        Notifier { rt }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let rt = self.rt.clone();
        super::run_timed(&rt, &rt.wakers.notifier, &shutdown, "notifier", || {
            self.pass()
        })
        .await;
    }

    /// Sends everything due now; returns when the next warning falls due.
    pub async fn pass(&self) -> Result<Option<i64>, AppError> {
        let cfg = &self.rt.config;
        loop {
            let now = self.rt.now_ms();
            let warned = self
                .rt
                .store
                .warnings_send_due(
                    &cfg.warning_offsets_secs,
                    cfg.notify_cooldown_secs * 1000,
                    now,
                    WARN_BATCH,
                )
                .await?;
            for w in warned.iter().filter(|w| w.sent > 0) {
                let lag_secs = (now - w.due_ms).max(0) as f64 / 1000.0;
                metrics::histogram!("gauntlet_notification_lag_seconds").record(lag_secs);
                tracing::info!(challenge_id = w.challenge_id, kind = ?w.kind, sent = w.sent, lag_ms = now - w.due_ms, "deadline warning sent");
            }
            if warned.iter().any(|w| w.sent > 0) {
                self.rt.wakers.fanout.notify_one();
            }
            if (warned.len() as i64) < WARN_BATCH {
                break;
            }
        }
        self.rt.store.next_warning_at_ms().await
    }
}
