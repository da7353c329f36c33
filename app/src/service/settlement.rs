//! Admin use cases on challenges and payout jobs: the Awaiting list, the
//! settlement preview, resolve, cancel, and job control.

use super::auth::require_admin;
use super::Services;
use crate::domain::challenge::{validate_notes, ChallengeStatus, Outcome};
use crate::domain::model::{
    decode_cursor, page_limit, Challenge, EntryStatus, JobAction, JobStatus, Page, PayoutEntry,
    PayoutJob, User,
};
use crate::domain::payout::{refund, settle, SettlementPreview};
use crate::domain::AppError;
use crate::store::challenges::ChallengeFilter;

/// Challenge counts per status, for the dashboard's tabs.
pub type StatusCounts = Vec<(ChallengeStatus, i64)>;

impl Services {
    pub async fn admin_challenges(
        &self,
        actor: Option<User>,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Challenge>, AppError> {
        require_admin(actor)?;
        let status =
            match status.map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(ChallengeStatus::parse(s).ok_or_else(|| {
                    AppError::validation("status", format!("Unknown status `{s}`."))
                })?),
            };
        // the Awaiting tab is a queue: oldest deadline first
        let oldest_due_first = status == Some(ChallengeStatus::PendingAdmin);
        let filter = ChallengeFilter {
            status,
            oldest_due_first,
            ..Default::default()
        };
        self.store
            .challenges_list(&filter, decode_cursor(cursor)?, page_limit(limit))
            .await
    }

    pub async fn admin_status_counts(&self, actor: Option<User>) -> Result<StatusCounts, AppError> {
        require_admin(actor)?;
        self.store.challenge_status_counts().await
    }

    pub async fn settlement_preview(
        &self,
        actor: Option<User>,
        challenge_id: i64,
    ) -> Result<SettlementPreview, AppError> {
        require_admin(actor)?;
        let (_, c) = self
            .store
            .challenge_counters(challenge_id)
            .await?
            .ok_or_else(|| AppError::not_found("Challenge"))?;
        let bps = self.config.platform_fee_bps;
        Ok(SettlementPreview {
            yes: settle(Outcome::Yes, c.amount, c.matched_pairs, bps),
            no: settle(Outcome::No, c.amount, c.matched_pairs, bps),
            draw: settle(Outcome::Draw, c.amount, c.matched_pairs, bps),
            cancel: refund(c.amount, 2 * c.matched_pairs + c.yes_waiting + c.no_waiting),
            fee_bps: bps,
        })
    }

    pub async fn resolve(
        &self,
        actor: Option<User>,
        challenge_id: i64,
        result: &str,
        notes: Option<&str>,
    ) -> Result<PayoutJob, AppError> {
        let admin = require_admin(actor)?;
        let outcome = Outcome::parse(result.trim())
            .ok_or_else(|| AppError::validation("result", "The result is yes, no or draw."))?;
        let notes = validate_notes(notes)?;
        let job = self
            .store
            .challenge_resolve_if_awaiting(
                challenge_id,
                admin.id,
                outcome,
                notes.as_deref(),
                self.config.platform_fee_bps,
                self.now_ms(),
            )
            .await?;
        self.job_queued(&job).await;
        Ok(job)
    }

    pub async fn cancel_challenge(
        &self,
        actor: Option<User>,
        challenge_id: i64,
        notes: Option<&str>,
    ) -> Result<PayoutJob, AppError> {
        let admin = require_admin(actor)?;
        let notes = validate_notes(notes)?;
        let job = self
            .store
            .challenge_cancel_if_unsettled(challenge_id, admin.id, notes.as_deref(), self.now_ms())
            .await?;
        self.job_queued(&job).await;
        Ok(job)
    }

    async fn job_queued(&self, job: &PayoutJob) {
        self.wakers.job_ready();
        self.store.announce_job_ready().await;
        self.events
            .publish(crate::engine::events::LiveEvent::Job { job: job.clone() });
    }

    pub async fn job_view(&self, actor: Option<User>, job_id: i64) -> Result<PayoutJob, AppError> {
        require_admin(actor)?;
        self.store
            .job_get(job_id, self.now_ms())
            .await?
            .ok_or_else(|| AppError::not_found("Payout job"))
    }

    pub async fn jobs(
        &self,
        actor: Option<User>,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<PayoutJob>, AppError> {
        require_admin(actor)?;
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
                AppError::validation("status", format!("Unknown job status `{s}`."))
            })?),
        };
        self.store
            .jobs_list(
                status,
                decode_cursor(cursor)?,
                page_limit(limit),
                self.now_ms(),
            )
            .await
    }

    pub async fn job_entries(
        &self,
        actor: Option<User>,
        job_id: i64,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<PayoutEntry>, AppError> {
        require_admin(actor)?;
        if self.store.job_get(job_id, self.now_ms()).await?.is_none() {
            return Err(AppError::not_found("Payout job"));
        }
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(EntryStatus::parse(s).ok_or_else(|| {
                AppError::validation("status", format!("Unknown entry status `{s}`."))
            })?),
        };
        self.store
            .job_entries(job_id, status, decode_cursor(cursor)?, page_limit(limit))
            .await
    }

    /// pause / resume / retry / cancel: 409 with the reason when not allowed now.
    pub async fn job_control(
        &self,
        actor: Option<User>,
        job_id: i64,
        action: JobAction,
    ) -> Result<PayoutJob, AppError> {
        let admin = require_admin(actor)?;
        if self.store.job_get(job_id, self.now_ms()).await?.is_none() {
            return Err(AppError::not_found("Payout job"));
        }
        let now = self.now_ms();
        let outcome = match action {
            JobAction::Pause => self.store.job_pause_if_live(job_id, admin.id, now).await?,
            JobAction::Resume => {
                self.store
                    .job_resume_if_paused(job_id, admin.id, now)
                    .await?
            }
            JobAction::Retry => self
                .store
                .job_retry_if_failed(job_id, Some(admin.id), now)
                .await?
                .map(|_| ()),
            JobAction::Cancel => {
                self.store
                    .job_cancel_if_unpaid(job_id, admin.id, now)
                    .await?
            }
        };
        outcome.map_err(|detail| AppError::InvalidState { detail })?;
        let job = self
            .store
            .job_get(job_id, self.now_ms())
            .await?
            .ok_or_else(|| AppError::not_found("Payout job"))?;
        if matches!(action, JobAction::Resume | JobAction::Retry) {
            self.job_queued(&job).await;
        } else {
            self.events
                .publish(crate::engine::events::LiveEvent::Job { job: job.clone() });
        }
        Ok(job)
    }

    /// Retries every failed job; returns the jobs re-queued.
    pub async fn jobs_retry_all_failed(
        &self,
        actor: Option<User>,
    ) -> Result<Vec<PayoutJob>, AppError> {
        let admin = require_admin(actor)?;
        let mut retried = Vec::new();
        for job_id in self.store.jobs_failed_ids().await? {
            if self
                .store
                .job_retry_if_failed(job_id, Some(admin.id), self.now_ms())
                .await?
                .is_ok()
            {
                if let Some(job) = self.store.job_get(job_id, self.now_ms()).await? {
                    retried.push(job);
                }
            }
        }
        self.wakers.job_ready();
        self.store.announce_job_ready().await;
        Ok(retried)
    }

    pub async fn analytics(
        &self,
        actor: Option<User>,
    ) -> Result<crate::domain::model::Analytics, AppError> {
        require_admin(actor)?;
        self.store.analytics(self.now_ms(), 30).await
    }

    /// The job's own counter next to what the ledger says it paid.
    pub async fn job_paid_by_ledger(
        &self,
        actor: Option<User>,
        job_id: i64,
    ) -> Result<(i64, i64), AppError> {
        require_admin(actor)?;
        self.store.job_paid_by_ledger(job_id).await
    }
}
