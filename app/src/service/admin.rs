//! Admin use cases on users and the ledger. Each checks the role itself: the
//! UI hiding a button is not a permission.

use super::auth::require_admin;
use super::Services;
use crate::domain::coins::MAX_CREDIT_COINS;
use crate::domain::model::{page_limit, AuditEntry, LedgerCheck, Page, User};
use crate::domain::AppError;
use crate::store::accounts::FreezeChange;

pub const MEMO_MAX_CHARS: usize = 200;

impl Services {
    pub async fn admin_credit(
        &self,
        actor: Option<User>,
        user_id: i64,
        amount_coins: i64,
        memo: Option<&str>,
    ) -> Result<User, AppError> {
        let admin = require_admin(actor)?;
        let mut errors = crate::domain::FieldErrors::new();
        if !(1..=MAX_CREDIT_COINS).contains(&amount_coins) {
            errors.insert(
                "amount".into(),
                format!("Amount must be between 1 and {MAX_CREDIT_COINS} coins."),
            );
        }
        let memo = memo.map(str::trim).filter(|m| !m.is_empty());
        if memo
            .is_some_and(|m| m.chars().count() > MEMO_MAX_CHARS || m.chars().any(char::is_control))
        {
            errors.insert(
                "memo".into(),
                format!("Memo must be at most {MEMO_MAX_CHARS} printable characters."),
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Validation { errors });
        }
        self.store
            .wallet_credit_from_issuance(admin.id, user_id, amount_coins, memo, self.now_ms())
            .await
    }

    /// Freezes or unfreezes; doing it twice is a 409 that changes nothing.
    pub async fn admin_set_frozen(
        &self,
        actor: Option<User>,
        user_id: i64,
        frozen: bool,
    ) -> Result<User, AppError> {
        let admin = require_admin(actor)?;
        if self.store.user_by_id(user_id).await?.is_none() {
            return Err(AppError::not_found("User"));
        }
        match self
            .store
            .wallet_set_frozen_if_changed(admin.id, user_id, frozen, self.now_ms())
            .await?
        {
            FreezeChange::Changed => self
                .store
                .user_by_id(user_id)
                .await?
                .ok_or_else(|| AppError::not_found("User")),
            FreezeChange::Unchanged => Err(AppError::Conflict {
                detail: if frozen {
                    "The wallet is already frozen."
                } else {
                    "The wallet is not frozen."
                }
                .into(),
            }),
        }
    }

    pub async fn admin_users(
        &self,
        actor: Option<User>,
        query: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<User>, AppError> {
        require_admin(actor)?;
        let after = crate::domain::model::decode_cursor(cursor)?;
        let query = query.map(str::trim).unwrap_or_default();
        if query.chars().count() > 64 {
            return Err(AppError::validation(
                "q",
                "Search for at most 64 characters.",
            ));
        }
        self.store
            .users_search(query, after, page_limit(limit))
            .await
    }

    pub async fn admin_audit(
        &self,
        actor: Option<User>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<AuditEntry>, AppError> {
        require_admin(actor)?;
        let before = crate::domain::model::decode_cursor(cursor)?;
        self.store.audit_list(before, page_limit(limit)).await
    }

    pub async fn admin_ledger_check(&self, actor: Option<User>) -> Result<LedgerCheck, AppError> {
        require_admin(actor)?;
        self.store.ledger_check().await
    }
}
