//! The payout engine: `PAYOUT_WORKERS` workers per instance claim batches under a
//! lease and settle each in one transaction (see `store::payouts`). Workers wake at
//! once when a job is queued, run batches back to back, take over batches whose
//! worker died, retry transient failures with backoff, and stop between batches
//! on shutdown — a crash at any instant pays nothing twice and loses nothing.
//! On SQLite (one writer) a worker claims and settles in the same transaction.

use super::backoff::Backoff;
use super::events::LiveEvent;
use super::Runtime;
use crate::domain::AppError;
use crate::store::payouts::{Claim, Settled};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// With nothing to do, look again this often (leases of dead workers expire).
const IDLE_RECHECK: Duration = Duration::from_secs(1);
/// Attempts at settling one claimed batch before giving it back to the lease.
const SETTLE_ATTEMPTS: u32 = 5;
/// Participants told per notification batch after a job completes.
const NOTIFY_BATCH: i64 = 2_000;
/// How often a worker publishes a running job's progress to live subscribers.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

fn batch_span(claim: &Claim) -> tracing::Span {
    tracing::info_span!(
        "payout_batch",
        job_id = claim.job_id,
        batch_id = claim.batch_id
    )
}

pub struct PayoutWorker {
    rt: Runtime,
    last_progress: Option<Instant>,
}

impl PayoutWorker {
    pub fn new(rt: Runtime) -> PayoutWorker {
        PayoutWorker {
            rt,
            last_progress: None,
        }
    }

    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new();
        // a crash may have left finished jobs unrecorded as finished
        if let Err(e) = self.finish_settled_jobs().await {
            tracing::warn!(error = %e, "checking for finished jobs failed");
        }
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            match self.step().await {
                Ok(true) => backoff.reset(),
                Ok(false) => {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.rt.wakers.payouts.notified() => {}
                        _ = tokio::time::sleep(IDLE_RECHECK) => {}
                    }
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "payout worker step failed");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// Claims and settles one batch (or tells one batch of participants how their
    /// challenge ended). Returns false when there was nothing to do.
    pub async fn step(&mut self) -> Result<bool, AppError> {
        // SQLite commits one write transaction at a time: a second worker could only
        // queue behind the first, so on SQLite the workers take turns, a batch each.
        let turn = match &self.rt.payout_turns {
            Some(turns) => Some(
                turns
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| AppError::Unavailable)?,
            ),
            None => None,
        };
        let cfg = &self.rt.config;
        let (batch_size, lease_ms, now_ms) = (
            cfg.payout_batch_size,
            cfg.payout_lease_secs * 1000,
            self.rt.now_ms(),
        );
        if turn.is_some() {
            // one writer: claim and settle in one transaction, nothing held between two
            let Some((claim, settled)) = self
                .rt
                .store
                .payout_claim_and_settle(batch_size, lease_ms, now_ms)
                .await?
            else {
                return self.notify_next().await;
            };
            let span = batch_span(&claim);
            self.after_settle(&claim, settled).instrument(span).await?;
            return Ok(true);
        }
        let Some(claim) = self
            .rt
            .store
            .payout_claim_batch(batch_size, lease_ms, now_ms)
            .await?
        else {
            return self.notify_next().await;
        };
        let span = batch_span(&claim);
        async {
            let settled = self.settle(&claim).await?;
            self.after_settle(&claim, settled).await
        }
        .instrument(span)
        .await?;
        Ok(true)
    }

    async fn notify_next(&self) -> Result<bool, AppError> {
        self.rt
            .store
            .payout_notify_next(NOTIFY_BATCH, self.rt.now_ms())
            .await
    }

    async fn after_settle(&mut self, claim: &Claim, settled: Settled) -> Result<(), AppError> {
        match settled {
            Settled::Done {
                paid,
                failed,
                planned,
            } => {
                metrics::counter!("gauntlet_payout_entries_total", "status" => "paid")
                    .increment(paid as u64);
                metrics::counter!("gauntlet_payout_entries_total", "status" => "failed")
                    .increment(failed as u64);
                if failed > 0 {
                    tracing::warn!(paid, failed, "batch settled with failed entries");
                }
                let finished = if planned {
                    self.rt
                        .store
                        .payout_complete_if_settled(claim.job_id, self.rt.now_ms())
                        .await?
                } else {
                    None
                };
                if let Some(f) = &finished {
                    tracing::info!(
                        status = f.status.as_str(),
                        escrow_left = f.escrow_left,
                        "payout job ended"
                    );
                    self.rt.events.publish(LiveEvent::Challenge {
                        challenge_id: f.challenge_id,
                        status: "settled".into(),
                    });
                }
                self.publish_progress(claim.job_id, finished.is_some())
                    .await;
            }
            Settled::LeaseLost => tracing::warn!("lease lost: another worker settles this batch"),
        }
        Ok(())
    }

    /// Settles with retries: a transient error (a deadlock victim, a dropped
    /// connection) is tried again while the lease still stands.
    async fn settle(&self, claim: &Claim) -> Result<Settled, AppError> {
        let mut backoff = Backoff::new();
        let mut attempt = 1;
        loop {
            match self
                .rt
                .store
                .payout_settle_batch(claim, self.rt.now_ms())
                .await
            {
                Ok(s) => return Ok(s),
                Err(e) if attempt < SETTLE_ATTEMPTS => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %e, attempt, "settling a batch failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn publish_progress(&mut self, job_id: i64, force: bool) {
        let due = self
            .last_progress
            .is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if !(force || due) {
            return;
        }
        self.last_progress = Some(Instant::now());
        if let Ok(Some(job)) = self.rt.store.job_get(job_id, self.rt.now_ms()).await {
            self.rt.events.publish(LiveEvent::Job { job });
        }
    }

    async fn finish_settled_jobs(&self) -> Result<(), AppError> {
        for job_id in self.rt.store.payout_jobs_awaiting_completion().await? {
            self.rt
                .store
                .payout_complete_if_settled(job_id, self.rt.now_ms())
                .await?;
        }
        Ok(())
    }
}
