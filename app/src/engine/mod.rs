//! Long-running tasks. Each is a struct with `run(shutdown)`: it finishes its
//! current unit of work when asked to stop, so a restart loses nothing.

pub mod clock;
pub mod housekeeping;

use crate::service::Services;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Starts every background task of this instance.
pub fn spawn_all(services: &Services, shutdown: &CancellationToken) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    tasks.spawn(housekeeping::Housekeeping::new(services.clone()).run(shutdown.clone()));
    tasks
}
