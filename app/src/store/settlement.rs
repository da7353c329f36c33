//! Resolve and cancel: O(1) work whatever the number of winners. The request
//! records the result and queues a payout (or refund) job whose totals come from
//! the counters kept with every stake; the payout engine does the rest.

use super::audit::audit_write;
use super::payouts::{job_by_id_in, JobRow};
use super::Store;
use crate::domain::challenge::{ChallengeStatus, Outcome};
use crate::domain::model::{JobKind, PayoutJob};
use crate::domain::payout::{refund, settle, Settlement};
use crate::domain::AppError;

/// The counters a settlement is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Counters {
    pub amount: i64,
    pub matched_pairs: i64,
    pub yes_waiting: i64,
    pub no_waiting: i64,
}

impl Store {
    /// `pending_admin` → `resolving` with the result, and a queued job, in one
    /// transaction. A second resolve finds the status changed and is refused.
    pub async fn challenge_resolve_if_awaiting(
        &self,
        challenge_id: i64,
        admin_id: i64,
        outcome: Outcome,
        notes: Option<&str>,
        fee_bps: i64,
        now_ms: i64,
    ) -> Result<PayoutJob, AppError> {
        let mut tx = self.begin().await?;
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "UPDATE challenges SET status = 'resolving', result = $2, admin_notes = $3, resolved_at_ms = $4, updated_at_ms = $4 \
             WHERE id = $1 AND status = 'pending_admin' RETURNING amount, matched_pairs, yes_waiting, no_waiting",
        )
        .bind(challenge_id)
        .bind(outcome.as_str())
        .bind(notes)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((amount, matched_pairs, _, _)) = row else {
            return Err(self
                .why_not(&mut tx, challenge_id, "resolved", "awaiting a result")
                .await);
        };
        let settlement = settle(outcome, amount, matched_pairs, fee_bps);
        let kind = if outcome == Outcome::Draw {
            JobKind::Refund
        } else {
            JobKind::Payout
        };
        let job = insert_job(
            &mut tx,
            challenge_id,
            kind,
            outcome.winning_side().map(|s| s.as_str()),
            &settlement,
            admin_id,
            now_ms,
        )
        .await?;
        let detail = format!(
            "result {}; job #{} pays {} entries",
            outcome.as_str(),
            job.id,
            settlement.entries
        );
        audit_write(
            &mut tx,
            Some(admin_id),
            "challenge.resolve",
            &format!("challenge:{challenge_id}"),
            &detail,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Cancels an open or awaiting challenge: everyone's stake is refunded by a job.
    pub async fn challenge_cancel_if_unsettled(
        &self,
        challenge_id: i64,
        admin_id: i64,
        notes: Option<&str>,
        now_ms: i64,
    ) -> Result<PayoutJob, AppError> {
        let mut tx = self.begin().await?;
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "UPDATE challenges SET status = 'resolving', result = NULL, admin_notes = $2, resolved_at_ms = $3, \
               updated_at_ms = $3, next_warning_at_ms = NULL \
             WHERE id = $1 AND status IN ('pending', 'active', 'pending_admin') \
             RETURNING amount, matched_pairs, yes_waiting, no_waiting",
        )
        .bind(challenge_id)
        .bind(notes)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((amount, pairs, yes_waiting, no_waiting)) = row else {
            return Err(self
                .why_not(
                    &mut tx,
                    challenge_id,
                    "cancelled",
                    "open or awaiting a result",
                )
                .await);
        };
        let settlement = refund(amount, 2 * pairs + yes_waiting + no_waiting);
        let job = insert_job(
            &mut tx,
            challenge_id,
            JobKind::Refund,
            None,
            &settlement,
            admin_id,
            now_ms,
        )
        .await?;
        let detail = format!("job #{} refunds {} stakes", job.id, settlement.entries);
        audit_write(
            &mut tx,
            Some(admin_id),
            "challenge.cancel",
            &format!("challenge:{challenge_id}"),
            &detail,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(job)
    }

    /// The counters of a challenge, for the settlement preview.
    pub async fn challenge_counters(
        &self,
        challenge_id: i64,
    ) -> Result<Option<(ChallengeStatus, Counters)>, AppError> {
        let row: Option<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT status, amount, matched_pairs, yes_waiting, no_waiting FROM challenges WHERE id = $1",
        )
        .bind(challenge_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(
            row.map(|(status, amount, matched_pairs, yes_waiting, no_waiting)| {
                (
                    ChallengeStatus::parse(&status).unwrap_or(ChallengeStatus::Pending),
                    Counters {
                        amount,
                        matched_pairs,
                        yes_waiting,
                        no_waiting,
                    },
                )
            }),
        )
    }

    async fn why_not(
        &self,
        tx: &mut super::Conn,
        challenge_id: i64,
        verb: &str,
        needed: &str,
    ) -> AppError {
        let status: Result<Option<String>, _> =
            sqlx::query_scalar("SELECT status FROM challenges WHERE id = $1")
                .bind(challenge_id)
                .fetch_optional(&mut *tx)
                .await;
        match status {
            Err(e) => e.into(),
            Ok(None) => AppError::not_found("Challenge"),
            Ok(Some(s)) => AppError::invalid_state(format!(
                "Only a challenge {needed} can be {verb}; this one is {}.",
                ChallengeStatus::parse(&s)
                    .map(|s| s.label())
                    .unwrap_or("in another state")
            )),
        }
    }
}

async fn insert_job(
    tx: &mut super::Conn,
    challenge_id: i64,
    kind: JobKind,
    winning_side: Option<&str>,
    s: &Settlement,
    admin_id: i64,
    now_ms: i64,
) -> Result<PayoutJob, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payout_jobs (challenge_id, kind, status, winning_side, amount_per_entry, fee_per_entry, total_entries, \
           total_pool, platform_fee, created_by, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(challenge_id)
    .bind(kind.as_str())
    .bind(winning_side)
    .bind(s.amount_per_entry_coins)
    .bind(s.fee_per_entry_coins)
    .bind(s.entries)
    .bind(s.pot_coins)
    .bind(s.fee_coins)
    .bind(admin_id)
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            AppError::Conflict { detail: "This challenge already has a payout job.".into() }
        } else {
            e.into()
        }
    })?;
    let row: JobRow = job_by_id_in(tx, id)
        .await?
        .ok_or_else(|| AppError::internal("job vanished"))?;
    Ok(row.into_job(now_ms))
}
