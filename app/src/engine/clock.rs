//! Time as the engine and services see it. Production reads the system clock; tests
//! move a manual clock instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;

    /// Resolves at `at_ms` on this clock, or earlier when `wake` is notified.
    /// Returns true if it woke because the time came.
    fn sleep_until<'a>(
        &'a self,
        at_ms: i64,
        wake: &'a Notify,
    ) -> futures::future::BoxFuture<'a, bool>;
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn sleep_until<'a>(
        &'a self,
        at_ms: i64,
        wake: &'a Notify,
    ) -> futures::future::BoxFuture<'a, bool> {
        Box::pin(async move {
            let wait_ms = (at_ms - self.now_ms()).max(0) as u64;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => true,
                _ = wake.notified() => false,
            }
        })
    }
}

/// A clock that only moves when told to; sleepers wake when it passes their moment.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicI64,
    moved: Notify,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now_ms: AtomicI64::new(start_ms),
            moved: Notify::new(),
        })
    }

    pub fn set_ms(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
        self.moved.notify_waiters();
    }

    pub fn advance_ms(&self, by_ms: i64) {
        self.now_ms.fetch_add(by_ms, Ordering::SeqCst);
        self.moved.notify_waiters();
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn sleep_until<'a>(
        &'a self,
        at_ms: i64,
        wake: &'a Notify,
    ) -> futures::future::BoxFuture<'a, bool> {
        Box::pin(async move {
            loop {
                let moved = self.moved.notified();
                if self.now_ms() >= at_ms {
                    return true;
                }
                tokio::select! {
                    _ = moved => {}
                    _ = wake.notified() => return false,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_moved_past_their_moment() {
        let clock = ManualClock::new(1_000);
        let wake = Arc::new(Notify::new());
        let sleeper = {
            let (clock, wake) = (clock.clone(), wake.clone());
            tokio::spawn(async move { clock.sleep_until(5_000, &wake).await })
        };
        tokio::task::yield_now().await;
        clock.advance_ms(1_000);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.set_ms(5_000);
        assert!(sleeper.await.unwrap());
    }

    #[tokio::test]
    async fn a_wake_interrupts_the_sleep() {
        let clock = ManualClock::new(0);
        let wake = Arc::new(Notify::new());
        let sleeper = {
            let (clock, wake) = (clock.clone(), wake.clone());
            tokio::spawn(async move { clock.sleep_until(i64::MAX, &wake).await })
        };
        tokio::task::yield_now().await;
        wake.notify_one();
        assert!(!sleeper.await.unwrap());
    }
}
