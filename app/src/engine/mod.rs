//! Long-running tasks. Each is a struct with `run(shutdown)`: it finishes its
//! current unit of work when asked to stop, so a restart loses nothing.

pub mod backoff;
pub mod clock;
pub mod events;
pub mod fanout;
pub mod housekeeping;
pub mod notifier;
pub mod payouts;
pub mod scheduler;
pub mod wake;

use crate::config::Config;
use crate::store::Store;
use clock::SharedClock;
use std::sync::Arc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The handles every background task works with.
#[derive(Clone)]
pub struct Runtime {
    pub store: Store,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    pub wakers: Arc<wake::Wakers>,
    pub events: Arc<events::EventBus>,
    /// On SQLite, one payout batch at a time across this instance's workers.
    pub payout_turns: Option<Arc<tokio::sync::Semaphore>>,
}

impl Runtime {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// Even with nothing due, a timed task looks again this often: another instance
/// may have planned something sooner without being able to wake this one.
const IDLE_RECHECK_MS: i64 = 30_000;
/// Something due but held by another transaction is retried after this pause.
const RETRY_HELD: std::time::Duration = std::time::Duration::from_millis(20);

/// The loop of the timed tasks (scheduler, notifier): run `pass`, which returns
/// when it next has something to do; sleep on the clock until then or until
/// `wake`; retry failures with backoff; stop between passes on shutdown.
pub(crate) async fn run_timed<F, Fut>(
    rt: &Runtime,
    wake: &tokio::sync::Notify,
    shutdown: &CancellationToken,
    name: &str,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<i64>, crate::domain::AppError>>,
{
    let mut backoff = backoff::Backoff::new();
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let wake_at = match pass().await {
            Ok(Some(due)) if due <= rt.now_ms() => {
                // due but held by a join or another instance this instant: look again
                // after a real pause, whatever the (possibly manual) clock says
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(RETRY_HELD) => continue,
                }
            }
            Ok(next) => {
                backoff.reset();
                let now = rt.now_ms();
                next.map_or(now + IDLE_RECHECK_MS, |n| n.min(now + IDLE_RECHECK_MS))
            }
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, task = name, retry_in_ms = delay.as_millis() as u64, "pass failed");
                rt.now_ms() + delay.as_millis() as i64
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = rt.clock.sleep_until(wake_at, wake) => {}
        }
    }
}

/// Starts every background task of this instance.
pub fn spawn_all(runtime: &Runtime, shutdown: &CancellationToken) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    tasks.spawn(housekeeping::Housekeeping::new(runtime.clone()).run(shutdown.clone()));
    tasks.spawn(scheduler::Scheduler::new(runtime.clone()).run(shutdown.clone()));
    tasks.spawn(fanout::FanOut::new(runtime.clone()).run(shutdown.clone()));
    tasks.spawn(notifier::Notifier::new(runtime.clone()).run(shutdown.clone()));
    for _ in 0..runtime.config.payout_workers {
        tasks.spawn(payouts::PayoutWorker::new(runtime.clone()).run(shutdown.clone()));
    }
    tasks
}
