//! The deadline scheduler: sleeps until the earliest open deadline, is woken early
//! when a nearer one is created, and locks every challenge whose deadline passed.
//! On start it first catches up everything overdue. Safe with many instances: the
//! store's transitions are conditional and skip rows another instance holds.

use super::Runtime;
use tokio_util::sync::CancellationToken;

/// Challenges locked per transaction.
pub const LOCK_BATCH: i64 = 500;

pub struct Scheduler {
    runtime: Runtime,
}

impl Scheduler {
    pub fn new(runtime: Runtime) -> Scheduler {
        Scheduler { runtime }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let rt = self.runtime.clone();
        super::run_timed(&rt, &rt.wakers.scheduler, &shutdown, "scheduler", || {
            self.pass()
        })
        .await;
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
