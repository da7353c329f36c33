//! The double-entry ledger (SPEC §2). A balance column changes only together with
//! the ledger row that explains it, inside the caller's transaction.

use super::accounts::{page, user_select, UserRow};
use super::audit::audit_write;
use super::{dt, is_check_violation, Conn, Store};
use crate::domain::model::{LedgerCheck, LedgerTx, MismatchedAccount, Page, TxKind, User};
use crate::domain::AppError;
use sqlx::FromRow;

/// One movement of coins from one account to another.
#[derive(Debug, Clone)]
pub(crate) struct Movement<'a> {
    pub kind: TxKind,
    pub from_account: i64,
    pub to_account: i64,
    pub amount_coins: i64,
    pub challenge_id: Option<i64>,
    /// The stake this moves (stake or refund): unique with the kind, so it moves once.
    pub stake_id: Option<i64>,
    pub memo: Option<&'a str>,
}

/// Applies a movement: both balances and the ledger row, in the caller's transaction.
/// A balance that would go below zero violates the database CHECK and fails the move.
pub(crate) async fn ledger_move(
    conn: &mut Conn,
    m: &Movement<'_>,
    now_ms: i64,
) -> Result<i64, AppError> {
    assert!(m.amount_coins > 0, "ledger movements are positive");
    // Rows are locked in account-id order, so two opposite movements between the same
    // accounts queue instead of deadlocking.
    if m.to_account < m.from_account {
        lock_account(conn, m.to_account).await?;
    }
    let debit = sqlx::query("UPDATE accounts SET balance = balance - $1 WHERE id = $2")
        .bind(m.amount_coins)
        .bind(m.from_account)
        .execute(&mut *conn)
        .await;
    match debit {
        Err(e) if is_check_violation(&e) => {
            return Err(AppError::internal(format!(
                "account {} would go below zero",
                m.from_account
            )))
        }
        other => other?,
    };
    ledger_credit_and_record(conn, m, now_ms).await
}

/// Takes the row lock of an account without changing it (a no-op update: SQLite
/// has no `FOR UPDATE`, and its single writer needs none).
async fn lock_account(conn: &mut Conn, account_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET balance = balance WHERE id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The second half of a movement whose debit already happened (a conditional debit
/// such as [`wallet_debit_if_funded`]): credits the receiving account and writes the
/// ledger row.
pub(crate) async fn ledger_credit_and_record(
    conn: &mut Conn,
    m: &Movement<'_>,
    now_ms: i64,
) -> Result<i64, AppError> {
    sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
        .bind(m.amount_coins)
        .bind(m.to_account)
        .execute(&mut *conn)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, stake_id, memo, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(m.kind.as_str())
    .bind(m.from_account)
    .bind(m.to_account)
    .bind(m.amount_coins)
    .bind(m.challenge_id)
    .bind(m.stake_id)
    .bind(m.memo)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Takes `amount_coins` from a user's wallet only if it is not frozen and holds
/// enough; the error says which. Returns the wallet's account id.
pub(crate) async fn wallet_debit_if_funded(
    conn: &mut Conn,
    user_id: i64,
    amount_coins: i64,
) -> Result<i64, AppError> {
    let debited: Option<i64> = sqlx::query_scalar(
        "UPDATE accounts SET balance = balance - $1 \
         WHERE kind = 'wallet' AND user_id = $2 AND frozen_at_ms IS NULL AND balance >= $1 RETURNING id",
    )
    .bind(amount_coins)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(wallet) = debited {
        return Ok(wallet);
    }
    let (_, balance, frozen) = super::accounts::wallet_of(conn, user_id).await?;
    if frozen {
        Err(AppError::WalletFrozen)
    } else {
        Err(AppError::InsufficientFunds {
            needed_coins: amount_coins,
            available_coins: balance,
        })
    }
}

#[derive(FromRow)]
struct TxRow {
    id: i64,
    kind: String,
    amount: i64,
    debit_account_id: i64,
    credit_account_id: i64,
    challenge_id: Option<i64>,
    payout_entry_id: Option<i64>,
    memo: Option<String>,
    created_at_ms: i64,
}

impl TxRow {
    fn into_tx(self, viewer_account: Option<i64>) -> LedgerTx {
        let signed_amount = viewer_account.map(|acc| {
            if self.credit_account_id == acc {
                self.amount
            } else {
                -self.amount
            }
        });
        LedgerTx {
            id: self.id,
            kind: TxKind::parse(&self.kind).unwrap_or(TxKind::Credit),
            amount: self.amount,
            debit_account: self.debit_account_id,
            credit_account: self.credit_account_id,
            challenge_id: self.challenge_id,
            payout_entry_id: self.payout_entry_id,
            created_at: dt(self.created_at_ms),
            signed_amount,
            memo: self.memo,
        }
    }
}

impl Store {
    /// An admin credit: issuance → the user's wallet, with its audit row, in one transaction.
    pub async fn wallet_credit_from_issuance(
        &self,
        actor_id: i64,
        user_id: i64,
        amount_coins: i64,
        memo: Option<&str>,
        now_ms: i64,
    ) -> Result<User, AppError> {
        let mut tx = self.begin().await?;
        let (wallet, _, frozen) = super::accounts::wallet_of(&mut tx, user_id).await?;
        if frozen {
            return Err(AppError::WalletFrozen);
        }
        let movement = Movement {
            kind: TxKind::Credit,
            from_account: self.issuance_account_id,
            to_account: wallet,
            amount_coins,
            challenge_id: None,
            stake_id: None,
            memo,
        };
        ledger_move(&mut tx, &movement, now_ms).await?;
        let detail = format!(
            "{amount_coins} coins{}",
            memo.map(|m| format!(": {m}")).unwrap_or_default()
        );
        audit_write(
            &mut tx,
            Some(actor_id),
            "wallet.credit",
            &format!("user:{user_id}"),
            &detail,
            now_ms,
        )
        .await?;
        let user = sqlx::query_as::<_, UserRow>(user_select!("WHERE u.id = $1"))
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// Ledger rows touching a user's wallet, newest first.
    pub async fn wallet_history(
        &self,
        user_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Page<LedgerTx>, AppError> {
        let wallet: Option<i64> =
            sqlx::query_scalar("SELECT id FROM accounts WHERE kind = 'wallet' AND user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.read)
                .await?;
        let Some(wallet) = wallet else {
            return Ok(Page::default());
        };
        // Two index range scans merged, rather than one OR that neither index serves.
        // A wallet is never the debit side of a payout or refund: the debit history
        // index leaves those rows out, and the query says so to be allowed to use it.
        let rows = sqlx::query_as::<_, TxRow>(
            "SELECT * FROM ( \
               SELECT * FROM (SELECT id, kind, amount, debit_account_id, credit_account_id, challenge_id, payout_entry_id, memo, created_at_ms \
                 FROM ledger_tx WHERE debit_account_id = $1 AND kind NOT IN ('payout', 'refund') AND id < $2 ORDER BY id DESC LIMIT $3) AS d \
               UNION ALL \
               SELECT * FROM (SELECT id, kind, amount, debit_account_id, credit_account_id, challenge_id, payout_entry_id, memo, created_at_ms \
                 FROM ledger_tx WHERE credit_account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3) AS c \
             ) AS t ORDER BY id DESC LIMIT $3",
        )
        .bind(wallet)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let items = rows.into_iter().map(|r| r.into_tx(Some(wallet))).collect();
        Ok(page(items, limit, |t| t.id))
    }

    /// The invariants of SPEC §2 in one statement (one snapshot): the balances sum to
    /// zero, each balance equals its credits minus its debits, no entry is settled
    /// twice, no wallet or escrow is negative.
    pub async fn ledger_check(&self) -> Result<LedgerCheck, AppError> {
        let (accounts_sum, mismatched, double_settled, negative): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts), \
               (SELECT COUNT(*) FROM accounts a \
                  LEFT JOIN (SELECT credit_account_id AS id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_tx GROUP BY credit_account_id) c ON c.id = a.id \
                  LEFT JOIN (SELECT debit_account_id AS id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_tx GROUP BY debit_account_id) d ON d.id = a.id \
                  WHERE a.balance <> COALESCE(c.total, 0) - COALESCE(d.total, 0)), \
               (SELECT COUNT(*) FROM (SELECT payout_entry_id FROM ledger_tx WHERE payout_entry_id IS NOT NULL \
                  GROUP BY payout_entry_id HAVING COUNT(*) > 1) AS twice), \
               (SELECT COUNT(*) FROM accounts WHERE kind <> 'issuance' AND balance < 0)",
        )
        .fetch_one(&self.read)
        .await?;
        let mismatched_accounts = if mismatched == 0 {
            Vec::new()
        } else {
            let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT a.id, a.balance, COALESCE(c.total, 0) - COALESCE(d.total, 0) FROM accounts a \
                   LEFT JOIN (SELECT credit_account_id AS id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_tx GROUP BY credit_account_id) c ON c.id = a.id \
                   LEFT JOIN (SELECT debit_account_id AS id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_tx GROUP BY debit_account_id) d ON d.id = a.id \
                   WHERE a.balance <> COALESCE(c.total, 0) - COALESCE(d.total, 0) ORDER BY a.id LIMIT 100",
            )
            .fetch_all(&self.read)
            .await?;
            rows.into_iter()
                .map(|(account_id, balance, ledger_balance)| MismatchedAccount {
                    account_id,
                    balance,
                    ledger_balance,
                })
                .collect()
        };
        Ok(LedgerCheck {
            ok: accounts_sum == 0 && mismatched == 0 && double_settled == 0 && negative == 0,
            accounts_sum,
            mismatched_accounts,
            double_settled_entries: double_settled,
            negative_accounts: negative,
        })
    }

    pub async fn account_balance(&self, account_id: i64) -> Result<i64, AppError> {
        Ok(
            sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_one(&self.read)
                .await?,
        )
    }

    pub fn platform_account(&self) -> i64 {
        self.platform_account_id
    }
}
