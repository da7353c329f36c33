//! Periodic tidying: expired sessions, idle rate-limiter keys.

use crate::service::Services;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(300);

pub struct Housekeeping {
    services: Services,
}

impl Housekeeping {
    pub fn new(services: Services) -> Housekeeping {
        Housekeeping { services }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            match self.services.store.sessions_delete_expired(self.services.now_ms()).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing expired sessions failed"),
            }
            self.services.login_limiter.prune();
        }
    }
}
