//! `/api/v1/notifications*` (the inbox) and `/api/v1/events` (Server-Sent Events).

use crate::api::extract::{ApiQuery, Id};
use crate::api::session::Caller;
use crate::domain::model::{decode_cursor, page_limit, Notification, Page};
use crate::domain::AppError;
use crate::engine::events::LiveEvent;
use crate::service::auth::require_user;
use crate::service::Services;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Notifications replayed to a reconnecting stream at most.
const REPLAY_LIMIT: i64 = 500;
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    pub unread: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/notifications", params(InboxQuery),
    responses((status = 200, description = "{items: [Notification], next_cursor}, newest first"), (status = 401)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<Page<Notification>>, AppError> {
    let user = require_user(caller.user)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    Ok(Json(
        services
            .store
            .inbox(
                user.id,
                q.unread.unwrap_or(false),
                before,
                page_limit(q.limit),
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", responses((status = 204), (status = 404)))]
pub async fn read(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, AppError> {
    let user = require_user(caller.user)?;
    services
        .store
        .inbox_mark_read(user.id, id, services.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", responses((status = 204)))]
pub async fn read_all(
    State(services): State<Services>,
    caller: Caller,
) -> Result<StatusCode, AppError> {
    let user = require_user(caller.user)?;
    services
        .store
        .inbox_mark_all_read(user.id, services.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn notification_event(n: &Notification) -> Event {
    Event::default()
        .event("notification")
        .id(n.id.to_string())
        .json_data(n)
        .unwrap_or_else(|_| Event::default().comment("unserialisable"))
}

/// One event per notification of the caller; admins also get `job` and
/// `challenge` events. `Last-Event-ID` replays what a reconnecting client missed.
#[utoipa::path(get, path = "/api/v1/events", responses((status = 200, description = "text/event-stream"), (status = 401)))]
pub async fn events(
    State(services): State<Services>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let user = require_user(caller.user)?;
    let last_seen: Option<i64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let is_admin = user.is_admin();
    // subscribe before replaying, so nothing falls between the two
    let mut live = services.events.subscribe(user.id, is_admin);
    let missed = match last_seen {
        Some(after) => {
            services
                .store
                .inbox_after(user.id, after, REPLAY_LIMIT)
                .await?
        }
        None => Vec::new(),
    };
    let shutdown = services.shutdown.clone();
    let stream = async_stream(move |tx| async move {
        let mut sent = last_seen.unwrap_or(0);
        for n in missed {
            sent = sent.max(n.id);
            if tx.send(notification_event(&n)).await.is_err() {
                return;
            }
        }
        loop {
            // end with the client (a keep-alive write failed) or with the server
            let received = tokio::select! {
                _ = tx.closed() => return,
                _ = shutdown.cancelled() => return,
                r = live.recv() => r,
            };
            let event = match received {
                Ok(e) => e,
                Err(RecvError::Lagged(_)) => {
                    // too slow to keep up: catch up from the inbox instead
                    if let Ok(rows) = services
                        .store
                        .inbox_after(user.id, sent, REPLAY_LIMIT)
                        .await
                    {
                        for n in rows {
                            sent = sent.max(n.id);
                            if tx.send(notification_event(&n)).await.is_err() {
                                return;
                            }
                        }
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let out = match event.as_ref() {
                LiveEvent::Notification {
                    user_id,
                    notification,
                } if *user_id == user.id && notification.id > sent => {
                    sent = notification.id;
                    Some(notification_event(notification))
                }
                LiveEvent::Job { job } if is_admin => {
                    Event::default().event("job").json_data(job).ok()
                }
                LiveEvent::Challenge {
                    challenge_id,
                    status,
                } if is_admin => Event::default()
                    .event("challenge")
                    .json_data(serde_json::json!({"id": challenge_id, "status": status}))
                    .ok(),
                _ => None,
            };
            if let Some(e) = out {
                if tx.send(e).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// A stream fed by a task: the task ends when the client disconnects.
fn async_stream<F, Fut>(produce: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(produce(tx));
    futures::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(rx), Ok)
}
