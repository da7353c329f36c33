//! In-process fan-out of live events to connected browsers (Server-Sent Events).
//! Across instances on PostgreSQL the notifier bridges these through LISTEN/NOTIFY.

use crate::domain::model::{Notification, PayoutJob};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events kept for slow subscribers before they must resynchronise from the inbox.
const BUS_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// For one user: a new inbox row.
    Notification {
        user_id: i64,
        notification: Notification,
    },
    /// For admins: a payout job changed.
    Job { job: PayoutJob },
    /// For admins: a challenge changed status.
    Challenge { challenge_id: i64, status: String },
}

#[derive(Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(BUS_CAPACITY).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, event: LiveEvent) {
        // no subscriber is not an error: nobody is watching
        let _ = self.sender.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// The scheduler locked challenges: admins' Awaiting tabs should refresh.
    pub fn challenges_locked(&self, count: usize) {
        if count > 0 {
            self.publish(LiveEvent::Challenge {
                challenge_id: 0,
                status: "pending_admin".into(),
            });
        }
    }
}
