//! Users, their wallets and sessions.

use super::audit::audit_write;
use super::{Conn, Store};
use crate::domain::account::{Registration, Role};
use crate::domain::model::{Page, User};
use crate::domain::AppError;
use sqlx::FromRow;

#[derive(FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    balance: i64,
    frozen_at_ms: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: Role::parse(&r.role).unwrap_or(Role::Participant),
            balance: r.balance,
            frozen: r.frozen_at_ms.is_some(),
        }
    }
}

/// `SELECT <user columns> FROM users + wallet <tail>`.
macro_rules! user_select {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.username, u.display_name, u.role, w.balance, w.frozen_at_ms ",
            "FROM users u JOIN accounts w ON w.user_id = u.id AND w.kind = 'wallet' ",
            $tail
        )
    };
}
pub(crate) use user_select;

/// Whether a freeze / unfreeze changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeChange {
    Changed,
    Unchanged,
}

impl Store {
    /// Creates a user and their wallet in one transaction. A taken username is a
    /// validation error on the `username` field.
    pub async fn user_create(
        &self,
        reg: &Registration,
        password_hash: &str,
        role: Role,
        now_ms: i64,
    ) -> Result<User, AppError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, display_name, password_hash, role, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(&reg.username)
        .bind(&reg.display_name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = inserted else {
            return Err(AppError::validation("username", "That username is taken."));
        };
        sqlx::query("INSERT INTO accounts (kind, user_id, balance) VALUES ('wallet', $1, 0)")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(User {
            id,
            username: reg.username.clone(),
            display_name: reg.display_name.clone(),
            role,
            balance: 0,
            frozen: false,
        })
    }

    /// Sets the password and role of an existing user (admin bootstrap).
    pub async fn user_reset_password_and_role(
        &self,
        user_id: i64,
        password_hash: &str,
        role: Role,
    ) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, role = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        // a reset password must end every session opened with the old one
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user and their password hash, for login.
    pub async fn user_credentials(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, AppError> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row = sqlx::query_as::<_, Row>(
            "SELECT u.id, u.username, u.display_name, u.role, w.balance, w.frozen_at_ms, u.password_hash \
             FROM users u JOIN accounts w ON w.user_id = u.id AND w.kind = 'wallet' WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| (r.user.into(), r.password_hash)))
    }

    pub async fn user_by_id(&self, user_id: i64) -> Result<Option<User>, AppError> {
        let row = sqlx::query_as::<_, UserRow>(user_select!("WHERE u.id = $1"))
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(User::from))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, AppError> {
        let row = sqlx::query_as::<_, UserRow>(user_select!("WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(User::from))
    }

    pub async fn admin_count(&self) -> Result<i64, AppError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                .fetch_one(&self.read)
                .await?,
        )
    }

    /// Users whose username or display name contains `query`, by id.
    pub async fn users_search(
        &self,
        query: &str,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Page<User>, AppError> {
        let pattern = format!(
            "%{}%",
            query
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query_as::<_, UserRow>(user_select!(
            "WHERE (LOWER(u.username) LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $1 ESCAPE '\\') \
             AND u.id > $2 ORDER BY u.id LIMIT $3"
        ))
        .bind(pattern)
        .bind(after_id.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        Ok(page(
            rows.into_iter().map(User::from).collect(),
            limit,
            |u| u.id,
        ))
    }

    /// Freezes or unfreezes a wallet, only if it is not already that way, with its
    /// audit row in the same transaction.
    pub async fn wallet_set_frozen_if_changed(
        &self,
        actor_id: i64,
        user_id: i64,
        frozen: bool,
        now_ms: i64,
    ) -> Result<FreezeChange, AppError> {
        let mut tx = self.begin().await?;
        let update = if frozen {
            sqlx::query(
                "UPDATE accounts SET frozen_at_ms = $1 WHERE kind = 'wallet' AND user_id = $2 AND frozen_at_ms IS NULL",
            )
            .bind(now_ms)
        } else {
            sqlx::query(
                "UPDATE accounts SET frozen_at_ms = NULL WHERE kind = 'wallet' AND user_id = $1 AND frozen_at_ms IS NOT NULL",
            )
        };
        let changed = update
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(FreezeChange::Unchanged);
        }
        let action = if frozen {
            "wallet.freeze"
        } else {
            "wallet.unfreeze"
        };
        audit_write(
            &mut tx,
            Some(actor_id),
            action,
            &format!("user:{user_id}"),
            "",
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(FreezeChange::Changed)
    }

    pub async fn session_create(
        &self,
        token_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The signed-in user of a live session.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<User>, AppError> {
        let row = sqlx::query_as::<_, UserRow>(user_select!(
            "JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at_ms > $2"
        ))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(User::from))
    }

    pub async fn session_delete(&self, token_hash: &str) -> Result<(), AppError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn sessions_delete_expired(&self, now_ms: i64) -> Result<u64, AppError> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1")
            .bind(now_ms)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected())
    }
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says there is more.
pub(crate) fn page<T>(mut items: Vec<T>, limit: i64, id_of: impl Fn(&T) -> i64) -> Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit.max(0) as usize);
    let next_cursor = if more {
        items
            .last()
            .map(|t| crate::domain::model::encode_cursor(id_of(t)))
    } else {
        None
    };
    Page { items, next_cursor }
}

/// The wallet account of a user, locked for the rest of the transaction on PostgreSQL.
pub(crate) async fn wallet_of(conn: &mut Conn, user_id: i64) -> Result<(i64, i64, bool), AppError> {
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, balance, frozen_at_ms FROM accounts WHERE kind = 'wallet' AND user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (id, balance, frozen) = row.ok_or_else(|| AppError::not_found("User"))?;
    Ok((id, balance, frozen.is_some()))
}
