//! Use cases. Each is one transaction against the store; REST handlers and server
//! functions are two thin doors onto these, never two implementations.

pub mod admin;
pub mod auth;
pub mod challenges;
pub mod demo;

use crate::config::Config;
use crate::engine::clock::SharedClock;
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
}

/// Wakes background tasks early when a request changes what they wait for, instead
/// of letting them sleep until their next planned moment.
#[derive(Debug, Default)]
pub struct Wakers {
    pub scheduler: tokio::sync::Notify,
    pub notifier: tokio::sync::Notify,
    pub payouts: tokio::sync::Notify,
}

impl Wakers {
    /// A challenge with a deadline was created.
    pub fn deadline_added(&self) {
        self.scheduler.notify_one();
        self.notifier.notify_one();
    }

    /// Someone staked in a challenge.
    pub fn participant_added(&self) {
        self.notifier.notify_one();
    }

    /// A payout or refund job was queued or resumed.
    pub fn job_ready(&self) {
        self.payouts.notify_waiters();
        self.payouts.notify_one();
    }
}

impl Services {
    pub fn new(store: Store, clock: SharedClock, config: Config) -> Services {
        Services {
            store,
            clock,
            config: Arc::new(config),
            login_limiter: Arc::new(auth::LoginLimiter::new()),
            wakers: Arc::new(Wakers::default()),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
