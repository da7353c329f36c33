//! The notification inbox. Rows are written inside the transaction of the change
//! they announce; a dedupe key makes "exactly once" a property of the schema.

use super::Conn;
use crate::domain::model::Priority;
use crate::domain::AppError;

/// One notification to write.
#[derive(Debug, Clone)]
pub struct Notice {
    pub user_id: i64,
    pub kind: &'static str,
    pub priority: Priority,
    pub challenge_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// At most one row per (user, key): a second insert is skipped, not an error.
    pub dedupe_key: Option<String>,
}

/// Inserts the notice unless one with its key exists; returns the new row's id.
pub(crate) async fn notification_insert_once(
    conn: &mut Conn,
    n: &Notice,
    now_ms: i64,
) -> Result<Option<i64>, AppError> {
    let priority = match n.priority {
        Priority::Normal => "normal",
        Priority::High => "high",
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.kind)
    .bind(priority)
    .bind(n.challenge_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.dedupe_key.as_deref())
    .bind(now_ms)
    .fetch_optional(&mut *conn)
    .await?;
    if id.is_some() {
        metrics::counter!("gauntlet_notifications_sent_total", "kind" => n.kind).increment(1);
    }
    Ok(id)
}

use super::accounts::page;
use super::{dt, opt_dt, Store};
use crate::domain::model::{Notification, Page};

const NOTIFICATION_COLUMNS: &str =
    "id, user_id, kind, priority, challenge_id, title, body, created_at_ms, read_at_ms";

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    user_id: i64,
    kind: String,
    priority: String,
    challenge_id: Option<i64>,
    title: String,
    body: String,
    created_at_ms: i64,
    read_at_ms: Option<i64>,
}

impl NotificationRow {
    fn into_pair(self) -> (i64, Notification) {
        (
            self.user_id,
            Notification {
                id: self.id,
                kind: self.kind,
                priority: if self.priority == "high" {
                    Priority::High
                } else {
                    Priority::Normal
                },
                challenge_id: self.challenge_id,
                title: self.title,
                body: self.body,
                created_at: dt(self.created_at_ms),
                read_at: opt_dt(self.read_at_ms),
            },
        )
    }
}

impl Store {
    /// A user's inbox, newest first.
    pub async fn inbox(
        &self,
        user_id: i64,
        unread_only: bool,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Page<Notification>, AppError> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 AND id < $2 {} ORDER BY id DESC LIMIT $3",
            if unread_only { "AND read_at_ms IS NULL" } else { "" }
        );
        let rows: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit + 1)
            .fetch_all(&self.read)
            .await?;
        Ok(page(
            rows.into_iter().map(|r| r.into_pair().1).collect(),
            limit,
            |n| n.id,
        ))
    }

    pub async fn inbox_unread_count(&self, user_id: i64) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at_ms IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// Marks one of the user's notifications read; reading it twice is harmless.
    pub async fn inbox_mark_read(
        &self,
        user_id: i64,
        id: i64,
        now_ms: i64,
    ) -> Result<(), AppError> {
        let owner: Option<i64> = sqlx::query_scalar(
            "UPDATE notifications SET read_at_ms = COALESCE(read_at_ms, $3) WHERE id = $1 AND user_id = $2 RETURNING id",
        )
        .bind(id)
        .bind(user_id)
        .bind(now_ms)
        .fetch_optional(&self.write)
        .await?;
        owner
            .map(|_| ())
            .ok_or_else(|| AppError::not_found("Notification"))
    }

    pub async fn inbox_mark_all_read(&self, user_id: i64, now_ms: i64) -> Result<u64, AppError> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at_ms = $2 WHERE user_id = $1 AND read_at_ms IS NULL",
        )
        .bind(user_id)
        .bind(now_ms)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// What a reconnecting event stream missed: the user's notifications after `after_id`.
    pub async fn inbox_after(
        &self,
        user_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Notification>, AppError> {
        let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        let rows: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(|r| r.into_pair().1).collect())
    }

    /// Where the fan-out starts: only notifications written from now on are pushed.
    pub async fn fanout_start(&self) -> Result<i64, AppError> {
        match self.backend() {
            super::Backend::Sqlite => Ok(sqlx::query_scalar(
                "SELECT COALESCE(MAX(id), 0) FROM notifications",
            )
            .fetch_one(&self.read)
            .await?),
            super::Backend::Postgres => Ok(sqlx::query_scalar(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            )
            .fetch_one(&self.read)
            .await?),
        }
    }

    /// Notifications committed since `mark`, and the next mark.
    ///
    /// SQLite has one writer, so ids commit in order and the mark is the last id.
    /// On PostgreSQL ids can commit out of order; the mark is instead the snapshot's
    /// oldest running transaction: every notification written by a transaction older
    /// than that is committed (or never will be), so reading the band between two
    /// marks sees each committed row exactly once.
    pub async fn fanout_next(
        &self,
        mark: i64,
        limit: i64,
    ) -> Result<(Vec<(i64, Notification)>, i64), AppError> {
        match self.backend() {
            super::Backend::Sqlite => {
                let sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id > $1 ORDER BY id LIMIT $2");
                let rows: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(mark)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                let next = rows.last().map(|r| r.id).unwrap_or(mark);
                Ok((
                    rows.into_iter().map(NotificationRow::into_pair).collect(),
                    next,
                ))
            }
            super::Backend::Postgres => {
                let horizon: i64 = sqlx::query_scalar(
                    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                )
                .fetch_one(&self.read)
                .await?;
                if horizon <= mark {
                    return Ok((Vec::new(), mark));
                }
                let sql = format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
                     WHERE tx_id >= ($1::text)::xid8 AND tx_id < ($2::text)::xid8 ORDER BY id"
                );
                let rows: Vec<NotificationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(mark)
                    .bind(horizon)
                    .fetch_all(&self.read)
                    .await?;
                Ok((
                    rows.into_iter().map(NotificationRow::into_pair).collect(),
                    horizon,
                ))
            }
        }
    }
}
