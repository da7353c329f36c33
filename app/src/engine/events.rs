//! In-process fan-out of live events to connected browsers (Server-Sent Events).
//! Across instances on PostgreSQL the fan-out task bridges these through LISTEN/NOTIFY.
//!
//! A user's notifications go only to that user's streams: one warning to 10,000
//! participants is 10,000 sends, not 10,000 × (every connected stream) filter
//! steps, and no stream falls behind because of other people's events.

use crate::domain::model::{Notification, PayoutJob};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// Events kept for one slow stream before it must resynchronise from the inbox.
const USER_CAPACITY: usize = 256;
const ADMIN_CAPACITY: usize = 1024;

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

type Channel = broadcast::Sender<Arc<LiveEvent>>;

#[derive(Debug)]
pub struct EventBus {
    /// One channel per user with at least one open stream.
    users: Mutex<HashMap<i64, Channel>>,
    admins: Channel,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            users: Mutex::new(HashMap::new()),
            admins: broadcast::channel(ADMIN_CAPACITY).0,
        }
    }
}

/// What one stream listens to: its user's channel and, for admins, theirs.
pub struct Subscription {
    user: broadcast::Receiver<Arc<LiveEvent>>,
    admin: Option<broadcast::Receiver<Arc<LiveEvent>>>,
}

impl Subscription {
    /// The next event; `Lagged` means events were dropped and the caller should
    /// catch up from the inbox. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Arc<LiveEvent>, broadcast::error::RecvError> {
        match self.admin.as_mut() {
            None => self.user.recv().await,
            Some(admin) => tokio::select! {
                e = self.user.recv() => e,
                e = admin.recv() => e,
            },
        }
    }
}

impl EventBus {
    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Channel>> {
        // the map holds no invariant a panicking holder could break
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn publish(&self, event: LiveEvent) {
        let LiveEvent::Notification { user_id, .. } = event else {
            // no admin watching is not an error
            drop(self.admins.send(Arc::new(event)));
            return;
        };
        let mut users = self.users();
        if let Some(channel) = users.get(&user_id) {
            if channel.send(Arc::new(event)).is_err() {
                // every stream of this user has closed
                users.remove(&user_id);
            }
        }
    }

    pub fn subscribe(&self, user_id: i64, is_admin: bool) -> Subscription {
        let user = self
            .users()
            .entry(user_id)
            .or_insert_with(|| broadcast::channel(USER_CAPACITY).0)
            .subscribe();
        Subscription {
            user,
            admin: is_admin.then(|| self.admins.subscribe()),
        }
    }

    /// Users with at least one open stream.
    pub fn connected_users(&self) -> usize {
        self.users()
            .values()
            .filter(|c| c.receiver_count() > 0)
            .count()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Notification, Priority};

    fn note(id: i64) -> Notification {
        Notification {
            id,
            kind: "matched".into(),
            priority: Priority::Normal,
            challenge_id: Some(1),
            title: "t".into(),
            body: "b".into(),
            created_at: chrono::Utc::now(),
            read_at: None,
        }
    }

    #[tokio::test]
    async fn a_notification_reaches_only_its_user_and_admin_events_only_admins() {
        let bus = EventBus::default();
        let mut alice = bus.subscribe(1, false);
        let mut bob = bus.subscribe(2, false);
        let mut admin = bus.subscribe(3, true);
        bus.publish(LiveEvent::Notification {
            user_id: 1,
            notification: note(7),
        });
        bus.publish(LiveEvent::Challenge {
            challenge_id: 5,
            status: "pending_admin".into(),
        });
        assert!(matches!(
            alice.recv().await.as_deref(),
            Ok(LiveEvent::Notification { user_id: 1, .. })
        ));
        assert!(bob.user.try_recv().is_err());
        assert!(matches!(
            admin.recv().await.as_deref(),
            Ok(LiveEvent::Challenge {
                challenge_id: 5,
                ..
            })
        ));
        assert!(alice.user.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_user_whose_streams_closed_is_forgotten() {
        let bus = EventBus::default();
        let stream = bus.subscribe(1, false);
        assert_eq!(bus.connected_users(), 1);
        drop(stream);
        bus.publish(LiveEvent::Notification {
            user_id: 1,
            notification: note(1),
        });
        assert!(bus.users().is_empty());
    }
}
