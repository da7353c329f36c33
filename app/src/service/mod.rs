//! Use cases. Each is one transaction against the store; REST handlers and server
//! functions are two thin doors onto these, never two implementations.

pub mod admin;
pub mod auth;
pub mod challenges;
pub mod demo;
pub mod settlement;

use crate::config::Config;
use crate::engine::clock::SharedClock;
use crate::engine::events::EventBus;
use crate::engine::wake::Wakers;
use crate::engine::Runtime;
use crate::store::Store;
use std::sync::Arc;

/// Everything a request or a background task needs; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    pub login_limiter: Arc<auth::LoginLimiter>,
    pub wakers: Arc<Wakers>,
    pub events: Arc<EventBus>,
    /// Cancelled when the instance shuts down: long-lived responses (event
    /// streams) end with it, so a graceful shutdown does not wait on them forever.
    pub shutdown: tokio_util::sync::CancellationToken,
    payout_turns: Option<Arc<tokio::sync::Semaphore>>,
}

impl Services {
    pub fn new(store: Store, clock: SharedClock, config: Config) -> Services {
        let store_is_sqlite = store.backend() == crate::store::Backend::Sqlite;
        Services {
            store,
            clock,
            login_limiter: Arc::new(auth::LoginLimiter::new(
                config.login_attempts_per_account_per_min,
                config.login_attempts_per_address_per_min,
            )),
            config: Arc::new(config),
            wakers: Arc::new(Wakers::default()),
            events: Arc::new(EventBus::default()),
            shutdown: tokio_util::sync::CancellationToken::new(),
            payout_turns: (store_is_sqlite).then(|| Arc::new(tokio::sync::Semaphore::new(1))),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// What the background tasks are given: the shared handles, not the use cases.
    pub fn runtime(&self) -> Runtime {
        Runtime {
            store: self.store.clone(),
            clock: self.clock.clone(),
            config: self.config.clone(),
            wakers: self.wakers.clone(),
            events: self.events.clone(),
            payout_turns: self.payout_turns.clone(),
        }
    }
}
