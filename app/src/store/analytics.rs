//! Payout analytics, read from the batches (one row per settled batch, not per
//! winner), so the dashboard stays cheap however many winners were paid.

use super::Store;
use crate::domain::model::{Analytics, DayTotals, JobStatus};
use crate::domain::time::MS_PER_DAY;
use crate::domain::AppError;

impl Store {
    pub async fn analytics(&self, now_ms: i64, days: i64) -> Result<Analytics, AppError> {
        let since = (now_ms / MS_PER_DAY - days + 1) * MS_PER_DAY;
        let per_day: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT b.done_at_ms / $2 AS day, \
                    CAST(COALESCE(SUM(CASE WHEN j.kind = 'payout' THEN b.paid_entries * j.amount_per_entry ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(b.paid_entries * j.fee_per_entry), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN j.kind = 'payout' THEN b.paid_entries ELSE 0 END), 0) AS BIGINT) \
             FROM payout_batches b JOIN payout_jobs j ON j.id = b.job_id \
             WHERE b.status = 'done' AND b.done_at_ms >= $1 GROUP BY b.done_at_ms / $2 ORDER BY 1",
        )
        .bind(since)
        .bind(MS_PER_DAY)
        .fetch_all(&self.read)
        .await?;
        let payouts_per_day = (0..days)
            .map(|i| {
                let day = since / MS_PER_DAY + i;
                let found = per_day.iter().find(|(d, ..)| *d == day);
                DayTotals {
                    day: crate::domain::time::datetime_from_ms(day * MS_PER_DAY)
                        .format("%Y-%m-%d")
                        .to_string(),
                    paid: found.map(|f| f.1).unwrap_or(0),
                    fees: found.map(|f| f.2).unwrap_or(0),
                    winners: found.map(|f| f.3).unwrap_or(0),
                }
            })
            .collect();
        let (paid_total, fees_total, winners_paid): (i64, i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN j.kind = 'payout' THEN b.paid_entries * j.amount_per_entry ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(b.paid_entries * j.fee_per_entry), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN j.kind = 'payout' THEN b.paid_entries ELSE 0 END), 0) AS BIGINT) \
             FROM payout_batches b JOIN payout_jobs j ON j.id = b.job_id WHERE b.status = 'done'",
        )
        .fetch_one(&self.read)
        .await?;
        // entries settled per second of running time, over the jobs that finished
        let (settled, busy_ms): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(total_entries), 0) AS BIGINT), CAST(COALESCE(SUM(completed_at_ms - started_at_ms), 0) AS BIGINT) \
             FROM payout_jobs WHERE status = 'completed' AND started_at_ms IS NOT NULL",
        )
        .fetch_one(&self.read)
        .await?;
        let jobs_by_status = JobStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .chain(
                self.job_count_by_status()
                    .await?
                    .into_iter()
                    .map(|(s, n)| (s.as_str().to_string(), n)),
            )
            .fold(std::collections::BTreeMap::new(), |mut m, (k, v)| {
                *m.entry(k).or_insert(0) += v;
                m
            });
        Ok(Analytics {
            paid_total,
            fees_total,
            jobs_by_status,
            winners_paid,
            payouts_per_day,
            throughput_per_sec: if busy_ms > 0 {
                settled as f64 * 1000.0 / busy_ms as f64
            } else {
                0.0
            },
        })
    }
}
