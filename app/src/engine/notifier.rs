//! Deadline warnings, on time to the second: sleeps until the next warning falls
//! due (or a new participant joins), sends it exactly once to every participant,
//! and records how late it was.

use super::backoff::Backoff;
use super::Runtime;
use crate::domain::AppError;
use tokio_util::sync::CancellationToken;

/// Challenges handled per transaction.
const WARN_BATCH: i64 = 200;
/// Look again this often when nothing is due (another instance may have planned sooner).
const IDLE_RECHECK_MS: i64 = 30_000;

pub struct Notifier {
    rt: Runtime,
}

impl Notifier {
    pub fn new(rt: Runtime) -> Notifier {
        Notifier { rt }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new();
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let wake_at = match self.pass().await {
                Ok(Some(next)) if next <= self.rt.now_ms() => {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => continue,
                    }
                }
                Ok(next) => {
                    backoff.reset();
                    let now = self.rt.now_ms();
                    next.map_or(now + IDLE_RECHECK_MS, |n| n.min(now + IDLE_RECHECK_MS))
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, "notifier pass failed");
                    self.rt.now_ms() + delay.as_millis() as i64
                }
            };
            let clock = self.rt.clock.clone();
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = clock.sleep_until(wake_at, &self.rt.wakers.notifier) => {}
            }
        }
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
