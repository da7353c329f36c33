//! Exponential backoff with full jitter, for retrying after transient failures.

use std::time::Duration;

const BASE_MS: u64 = 100;
const CAP_MS: u64 = 30_000;

#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    pub fn new() -> Backoff {
        Backoff { failures: 0 }
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// The wait before the next attempt: random in [0, min(cap, base·2^failures)].
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = BASE_MS
            .saturating_mul(1u64 << self.failures.min(16))
            .min(CAP_MS);
        self.failures = self.failures.saturating_add(1);
        Duration::from_millis(rand::random_range(ceiling / 2..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_cap_and_reset() {
        let mut b = Backoff::new();
        let first = b.next_delay();
        assert!(first <= Duration::from_millis(BASE_MS));
        for _ in 0..20 {
            assert!(b.next_delay() <= Duration::from_millis(CAP_MS));
        }
        assert!(b.next_delay() >= Duration::from_millis(CAP_MS / 2));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(BASE_MS));
    }
}
