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
