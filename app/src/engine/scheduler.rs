//! The deadline scheduler: sleeps until the earliest open deadline, is woken early
//! when a nearer one is created, and locks every challenge whose deadline passed.
//! On start it first catches up everything overdue. Safe with many instances: the
//! store's transitions are conditional and skip rows another instance holds.

use super::backoff::Backoff;
use super::Runtime;
use tokio_util::sync::CancellationToken;

/// Challenges locked per transaction.
pub const LOCK_BATCH: i64 = 500;
/// Even with nothing due, look again this often: another instance may have created
/// a nearer deadline without being able to wake us.
const IDLE_RECHECK_MS: i64 = 30_000;
/// A due challenge another transaction holds is retried after this pause.
const RETRY_HELD: std::time::Duration = std::time::Duration::from_millis(20);

pub struct Scheduler {
    runtime: Runtime,
}

impl Scheduler {
    pub fn new(runtime: Runtime) -> Scheduler {
        Scheduler { runtime }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new();
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let wake_at = match self.pass().await {
                Ok(Some(due)) if due <= self.runtime.now_ms() => {
                    // still due: held by a join or another instance this instant; look
                    // again after a real pause, whatever the clock says
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(RETRY_HELD) => continue,
                    }
                }
                Ok(next_due) => {
                    backoff.reset();
                    let now = self.runtime.now_ms();
                    next_due.map_or(now + IDLE_RECHECK_MS, |due| due.min(now + IDLE_RECHECK_MS))
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "scheduler pass failed");
                    self.runtime.now_ms() + delay.as_millis() as i64
                }
            };
            let clock = self.runtime.clock.clone();
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = clock.sleep_until(wake_at, &self.runtime.wakers.scheduler) => {}
            }
        }
    }

    /// Locks everything due now, batch after batch; returns the next deadline.
    pub async fn pass(&self) -> Result<Option<i64>, crate::domain::AppError> {
        loop {
            let now = self.runtime.now_ms();
            let locked = self
                .runtime
                .store
                .challenges_lock_if_due(now, LOCK_BATCH)
                .await?;
            for l in &locked {
                let lag_secs = (now - l.due_at_ms).max(0) as f64 / 1000.0;
                metrics::histogram!("gauntlet_scheduler_lag_seconds").record(lag_secs);
                tracing::info!(challenge_id = l.id, status = %l.status, lag_ms = now - l.due_at_ms, "deadline reached");
            }
            if !locked.is_empty() {
                self.runtime.events.challenges_locked(locked.len());
            }
            if (locked.len() as i64) < LOCK_BATCH {
                break;
            }
        }
        self.runtime.store.next_open_due_at_ms().await
    }
}
