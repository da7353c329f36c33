//! Wakes background tasks early when a request changes what they wait for, instead
//! of letting them sleep until their next planned moment.

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Wakers {
    pub scheduler: Notify,
    pub notifier: Notify,
    pub payouts: Notify,
    /// New notifications were committed here: push them to live subscribers.
    pub fanout: Notify,
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

    /// A payout or refund job was queued or resumed: every idle worker looks.
    pub fn job_ready(&self) {
        self.payouts.notify_waiters();
        self.payouts.notify_one();
    }
}
