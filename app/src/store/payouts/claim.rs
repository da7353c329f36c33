//! Claiming batches: a keyset range of a job's stakes (or re-queued entries) held
//! under a lease whose token fences a worker that lost it.

use super::{stake_filter, BatchKind, Claim, Settled};
use crate::domain::model::JobKind;
use crate::domain::AppError;
use crate::store::{Backend, Conn, Store};

impl Store {
    /// A claim need not wait for its commit to reach the disk: if a crash loses it,
    /// the range is simply planned again — and the settle that depends on it commits
    /// later in the same write-ahead log, so it can never survive without it.
    async fn relax_commit_durability(&self, tx: &mut Conn) -> Result<(), AppError> {
        if self.backend() == Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    pub(super) fn skip_locked_of(&self, alias: &str) -> String {
        match self.backend() {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {alias} SKIP LOCKED"),
        }
    }

    pub(super) fn for_update_of(&self, alias: &str) -> String {
        match self.backend() {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {alias}"),
        }
    }

    /// Claims the next batch in a transaction of its own, under a lease: the
    /// worker settles it later with `payout_settle_batch`, fenced by the lease token.
    pub async fn payout_claim_batch(
        &self,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<Claim>, AppError> {
        let claimed = self
            .claim_next(batch_size, lease_ms, now_ms, SettleWith::LaterCommit)
            .await?;
        Ok(claimed.map(|(claim, _)| claim))
    }

    /// Claims the next batch and settles it in the same transaction. With one
    /// writer (SQLite) nothing is gained by holding a lease across two commits,
    /// and a crash anywhere rolls back the claim with the payments.
    pub async fn payout_claim_and_settle(
        &self,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<(Claim, Settled)>, AppError> {
        let claimed = self
            .claim_next(batch_size, lease_ms, now_ms, SettleWith::TheClaim)
            .await?;
        Ok(claimed.and_then(|(claim, settled)| Some((claim, settled?))))
    }

    /// Claims one batch, passing over jobs found to have nothing left to plan (each
    /// is marked so, and finished if settled). A few such jobs at most are passed
    /// per call, so a worker never loops long on bookkeeping.
    async fn claim_next(
        &self,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
        settle: SettleWith,
    ) -> Result<Option<(Claim, Option<Settled>)>, AppError> {
        let token: i64 = rand::random::<i64>().abs().max(1);
        for _ in 0..8 {
            let mut tx = self.begin().await?;
            if settle == SettleWith::LaterCommit {
                self.relax_commit_durability(&mut tx).await?;
            }
            match self
                .claim_in(&mut tx, token, batch_size, lease_ms, now_ms)
                .await?
            {
                ClaimStep::Claimed(claim) => {
                    let settled = match settle {
                        SettleWith::TheClaim => {
                            Some(self.settle_in(&mut tx, &claim, now_ms).await?)
                        }
                        SettleWith::LaterCommit => None,
                    };
                    tx.commit().await?;
                    return Ok(Some((claim, settled)));
                }
                ClaimStep::SideDone(job_id) => {
                    tx.commit().await?;
                    self.payout_complete_if_settled(job_id, now_ms).await?;
                }
                ClaimStep::Idle => return Ok(None),
            }
        }
        Ok(None)
    }

    /// One claim inside `tx`: first a batch whose lease expired (its worker died),
    /// else a new keyset range of the job least recently served. Jobs take turns,
    /// and several batches of one job may be held at once.
    pub(super) async fn claim_in(
        &self,
        tx: &mut Conn,
        token: i64,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<ClaimStep, AppError> {
        let sql = format!(
            "UPDATE payout_batches SET lease_token = $1, lease_expires_at_ms = $2, attempts = attempts + 1 \
             WHERE id = (SELECT b.id FROM payout_batches b JOIN payout_jobs j ON j.id = b.job_id \
                         WHERE b.status = 'running' AND b.lease_expires_at_ms < $3 AND j.status = 'running' \
                         ORDER BY b.id LIMIT 1{}) \
               AND status = 'running' AND lease_expires_at_ms < $3 \
             RETURNING id, job_id, kind, after_id, through_id",
            self.skip_locked_of("b")
        );
        let reclaimed: Option<(i64, i64, String, i64, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(token)
                .bind(now_ms + lease_ms)
                .bind(now_ms)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((batch_id, job_id, kind, after_id, through_id)) = reclaimed {
            let kind = if kind == "retry" {
                BatchKind::Retry
            } else {
                BatchKind::Plan
            };
            let terms = terms_of(tx, job_id).await?;
            tracing::warn!(job_id, batch_id, "took over a batch whose lease expired");
            return Ok(ClaimStep::Claimed(
                terms.claim(batch_id, kind, after_id, through_id, token)?,
            ));
        }
        let sql = format!(
            "SELECT {TERMS}, j.plan_cursor_stake_id, j.plan_done, j.retry_cursor_entry_id \
             FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id \
             WHERE j.status IN ('queued', 'running') AND (j.plan_done = 0 OR j.retry_done = 0) \
             ORDER BY j.last_claim_at_ms, j.id LIMIT 1{}",
            self.for_update_of("j")
        );
        let job: Option<Claimable> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(Claimable {
            terms,
            plan_cursor_stake_id: plan_cursor,
            plan_done,
            retry_cursor_entry_id: retry_cursor,
        }) = job
        else {
            return Ok(ClaimStep::Idle);
        };
        let job_id = terms.job_id;
        let (kind, after_id, through) = if plan_done == 0 {
            let filter = stake_filter(terms.job_kind());
            let through = range_end(
                tx,
                &format!("SELECT s.id FROM stakes s WHERE {filter} AND s.id > $3 ORDER BY s.id LIMIT 1 OFFSET $4"),
                &format!("SELECT MAX(s.id) FROM stakes s WHERE {filter} AND s.id > $3 AND $4 = $4"),
                (terms.challenge_id, terms.winning_side.as_deref().unwrap_or_default()),
                plan_cursor,
                batch_size,
            )
            .await?;
            (BatchKind::Plan, plan_cursor, through)
        } else {
            // `status <> 'paid'` is the index of unpaid entries' own condition: it lets
            // SQLite use that index instead of walking every entry of the job
            let through = range_end(
                tx,
                "SELECT id FROM payout_entries WHERE job_id = $1 AND status <> 'paid' AND status = 'pending' AND $2 = $2 AND id > $3 ORDER BY id LIMIT 1 OFFSET $4",
                "SELECT MAX(id) FROM payout_entries WHERE job_id = $1 AND status <> 'paid' AND status = 'pending' AND $2 = $2 AND id > $3 AND $4 = $4",
                (job_id, ""),
                retry_cursor,
                batch_size,
            )
            .await?;
            (BatchKind::Retry, retry_cursor, through)
        };
        let Some(through_id) = through else {
            // nothing left to plan on this side: mark it, and let completion decide
            let column = if kind == BatchKind::Plan {
                "plan_done"
            } else {
                "retry_done"
            };
            let sql = format!(
                "UPDATE payout_jobs SET {column} = 1, status = 'running', started_at_ms = COALESCE(started_at_ms, $2), \
                   last_claim_at_ms = $2, updated_at_ms = $2 WHERE id = $1"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(job_id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            return Ok(ClaimStep::SideDone(job_id));
        };
        let batch_id: i64 = sqlx::query_scalar(
            "INSERT INTO payout_batches (job_id, kind, after_id, through_id, status, lease_token, lease_expires_at_ms, created_at_ms) \
             VALUES ($1, $2, $3, $4, 'running', $5, $6, $7) RETURNING id",
        )
        .bind(job_id)
        .bind(if kind == BatchKind::Plan { "plan" } else { "retry" })
        .bind(after_id)
        .bind(through_id)
        .bind(token)
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let cursor = if kind == BatchKind::Plan {
            "plan_cursor_stake_id"
        } else {
            "retry_cursor_entry_id"
        };
        let sql = format!(
            "UPDATE payout_jobs SET {cursor} = $2, status = 'running', started_at_ms = COALESCE(started_at_ms, $3), \
               last_claim_at_ms = $3, updated_at_ms = $3 WHERE id = $1"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job_id)
            .bind(through_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        Ok(ClaimStep::Claimed(
            terms.claim(batch_id, kind, after_id, through_id, token)?,
        ))
    }
}

/// Where a claimed batch is settled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SettleWith {
    /// In the claim's own transaction (one writer: nothing to gain from a lease).
    TheClaim,
    /// In a later transaction, fenced by the lease token.
    LaterCommit,
}

/// What one claim inside a transaction came to.
pub(super) enum ClaimStep {
    Claimed(Claim),
    /// The job had no range left on the side it was planning; marked so.
    SideDone(i64),
    Idle,
}

/// A job's terms, as every batch of it settles them.
const TERMS: &str =
    "j.id, j.challenge_id, j.kind, j.winning_side, j.amount_per_entry, j.fee_per_entry, c.escrow_account_id";

#[derive(sqlx::FromRow)]
struct Terms {
    #[sqlx(rename = "id")]
    job_id: i64,
    challenge_id: i64,
    kind: String,
    winning_side: Option<String>,
    amount_per_entry: i64,
    fee_per_entry: i64,
    escrow_account_id: Option<i64>,
}

/// A job with work left to hand out, and where its cursors stand.
#[derive(sqlx::FromRow)]
struct Claimable {
    #[sqlx(flatten)]
    terms: Terms,
    plan_cursor_stake_id: i64,
    plan_done: i64,
    retry_cursor_entry_id: i64,
}

impl Terms {
    fn job_kind(&self) -> JobKind {
        JobKind::parse(&self.kind).unwrap_or(JobKind::Payout)
    }

    fn claim(
        self,
        batch_id: i64,
        kind: BatchKind,
        after_id: i64,
        through_id: i64,
        lease_token: i64,
    ) -> Result<Claim, AppError> {
        Ok(Claim {
            batch_id,
            job_id: self.job_id,
            kind,
            after_id,
            through_id,
            lease_token,
            challenge_id: self.challenge_id,
            job_kind: self.job_kind(),
            winning_side: self.winning_side,
            amount_per_entry: self.amount_per_entry,
            fee_per_entry: self.fee_per_entry,
            escrow_account_id: self
                .escrow_account_id
                .ok_or_else(|| AppError::internal("challenge without escrow"))?,
        })
    }
}

async fn terms_of(tx: &mut Conn, job_id: i64) -> Result<Terms, AppError> {
    let sql = format!(
        "SELECT {TERMS} FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id WHERE j.id = $1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?)
}

/// The end of the next keyset range: the `size`-th row after the cursor, or the
/// last row if fewer remain, or None when nothing remains.
async fn range_end(
    tx: &mut Conn,
    nth_sql: &str,
    max_sql: &str,
    (owner, side): (i64, &str),
    cursor: i64,
    size: i64,
) -> Result<Option<i64>, AppError> {
    let nth: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(nth_sql.to_string()))
        .bind(owner)
        .bind(side)
        .bind(cursor)
        .bind(size - 1)
        .fetch_optional(&mut *tx)
        .await?;
    if nth.is_some() {
        return Ok(nth);
    }
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(max_sql.to_string()))
        .bind(owner)
        .bind(side)
        .bind(cursor)
        .bind(size)
        .fetch_one(&mut *tx)
        .await?)
}
