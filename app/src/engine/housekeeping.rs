//! Periodic tidying: expired sessions.

use super::Runtime;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(300);

pub struct Housekeeping {
    runtime: Runtime,
}

impl Housekeeping {
    pub fn new(runtime: Runtime) -> Housekeeping {
        Housekeeping { runtime }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            match self
                .runtime
                .store
                .sessions_delete_expired(self.runtime.now_ms())
                .await
            {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing expired sessions failed"),
            }
        }
    }
}
