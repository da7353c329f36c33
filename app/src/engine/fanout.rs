//! Live fan-out: every notification committed (by this instance or any other on
//! the same database) is published to this instance's event bus, whose
//! subscribers are the browsers connected by Server-Sent Events. On PostgreSQL a
//! LISTEN connection wakes it the moment another instance commits; it also wakes
//! this instance's payout workers when another instance queues a job.

use super::backoff::Backoff;
use super::events::LiveEvent;
use super::Runtime;
use crate::store::Backend;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Rows published per read.
const READ_LIMIT: i64 = 1_000;

pub struct FanOut {
    rt: Runtime,
}

impl FanOut {
    pub fn new(rt: Runtime) -> FanOut {
        FanOut { rt }
    }

    /// How often to look without being woken: SQLite has no cross-process wake-up;
    /// on PostgreSQL this only covers a lost LISTEN connection.
    fn poll_every(&self) -> Duration {
        match self.rt.store.backend() {
            Backend::Sqlite => Duration::from_millis(200),
            Backend::Postgres => Duration::from_secs(1),
        }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        if self.rt.store.backend() == Backend::Postgres {
            tokio::spawn(listen(self.rt.clone(), shutdown.clone()));
        }
        let mut backoff = Backoff::new();
        let mut mark = loop {
            match self.rt.store.fanout_start().await {
                Ok(m) => break m,
                Err(e) => {
                    tracing::warn!(error = %e, "fan-out cannot start yet");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                    }
                }
            }
        };
        loop {
            match self.rt.store.fanout_next(mark, READ_LIMIT).await {
                Ok((rows, next)) => {
                    backoff.reset();
                    let full = rows.len() as i64 >= READ_LIMIT;
                    for (user_id, notification) in rows {
                        self.rt.events.publish(LiveEvent::Notification {
                            user_id,
                            notification,
                        });
                    }
                    mark = next;
                    if full {
                        continue;
                    }
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.rt.wakers.fanout.notified() => {}
                        _ = tokio::time::sleep(self.poll_every()) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fan-out read failed");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                    }
                }
            }
        }
    }
}

/// PostgreSQL LISTEN: notifications and queued jobs of every instance wake ours.
async fn listen(rt: Runtime, shutdown: CancellationToken) {
    let mut backoff = Backoff::new();
    loop {
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect(rt.store.url()).await?;
            l.listen_all(["gauntlet_events", "gauntlet_jobs"]).await?;
            Ok::<_, sqlx::Error>(l)
        };
        let mut listener = match listener.await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN connection failed");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff.next_delay()) => continue,
                }
            }
        };
        backoff.reset();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                message = listener.recv() => match message {
                    Ok(m) if m.channel() == "gauntlet_jobs" => rt.wakers.job_ready(),
                    Ok(_) => rt.wakers.fanout.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}
