//! Deadline warnings (SPEC §5): each challenge keeps the moment its next warning
//! falls due; the notifier sends what is due and moves the moment on.

use super::Store;
use crate::domain::warning::{warning_text, WarningKind, WarningSchedule};
use crate::domain::AppError;

/// A warning pass over one challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warned {
    pub challenge_id: i64,
    pub kind: Option<WarningKind>,
    /// When the warning became due (its offset before the deadline, or the moment
    /// a participant joined inside the window): the send lag is measured from it.
    pub due_ms: i64,
    pub sent: u64,
}

impl Store {
    /// The earliest moment a warning falls due.
    pub async fn next_warning_at_ms(&self) -> Result<Option<i64>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_warning_at_ms) FROM challenges WHERE next_warning_at_ms IS NOT NULL",
        )
        .fetch_one(&self.read)
        .await?)
    }

    /// Sends every warning due at `now_ms` for up to `limit` challenges. Exactly once
    /// per (user, challenge, kind) by the notifications' unique key — insert or skip,
    /// never check then insert — so two notifiers never send twice.
    pub async fn warnings_send_due(
        &self,
        schedule: &WarningSchedule,
        cooldown_ms: i64,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<Warned>, AppError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT id, due_at_ms, status, title, next_warning_at_ms FROM challenges \
             WHERE next_warning_at_ms IS NOT NULL AND next_warning_at_ms <= $1 \
             ORDER BY next_warning_at_ms LIMIT $2{}",
            self.skip_locked()
        );
        let due: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        // decide each challenge's warning here, then write the whole batch in two
        // statements: a round trip per challenge cannot keep up with busy minutes
        let mut warned = Vec::with_capacity(due.len());
        let mut sends = Vec::new();
        let mut moves = Vec::with_capacity(due.len());
        for (id, due_at_ms, status, title, planned_ms) in due {
            // pending challenges warn nobody yet; activation brings the moment forward
            let kind = if status == "active" {
                schedule.due_warning(due_at_ms, now_ms)
            } else {
                None
            };
            if let Some(kind) = kind {
                let (headline, body) = warning_text(&title, due_at_ms, now_ms);
                sends.push((id, kind, headline, body));
            }
            let next = if status == "active" || status == "pending" {
                schedule.next_moment_ms(due_at_ms, now_ms)
            } else {
                None
            };
            moves.push((id, next, planned_ms));
            let nominal = kind
                .map(|k| due_at_ms - schedule.offset_ms(k))
                .unwrap_or(planned_ms);
            warned.push(Warned {
                challenge_id: id,
                kind,
                due_ms: nominal.max(planned_ms),
                sent: 0,
            });
        }
        let mut sent_per_challenge = std::collections::HashMap::<i64, u64>::new();
        for challenge_id in insert_warnings(&mut tx, &sends, now_ms, cooldown_ms).await? {
            *sent_per_challenge.entry(challenge_id).or_default() += 1;
        }
        for w in warned.iter_mut() {
            w.sent = sent_per_challenge
                .get(&w.challenge_id)
                .copied()
                .unwrap_or(0);
            if let (Some(kind), true) = (w.kind, w.sent > 0) {
                metrics::counter!("gauntlet_notifications_sent_total", "kind" => kind.as_str())
                    .increment(w.sent);
            }
        }
        move_next_warnings(&mut tx, &moves).await?;
        tx.commit().await?;
        Ok(warned)
    }
}

type Tx = super::Tx<'static>;

/// `(…), (…)` rows of `width` placeholders from `$first` on.
fn values_rows(rows: usize, width: usize, first: usize, casts: &[&str]) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..width)
                .map(|c| format!("CAST(${} AS {})", first + r * width + c, casts[c]))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the batch's warnings to every participant, insert-or-skip on the unique
/// key; a normal warning skips users warned about the same challenge within the
/// cooldown, the high-priority one does not. Returns the challenge of each row written.
async fn insert_warnings(
    tx: &mut Tx,
    sends: &[(i64, WarningKind, String, String)],
    now_ms: i64,
    cooldown_ms: i64,
) -> Result<Vec<i64>, AppError> {
    if sends.is_empty() {
        return Ok(Vec::new());
    }
    let rows = values_rows(
        sends.len(),
        5,
        3,
        &["BIGINT", "TEXT", "TEXT", "TEXT", "TEXT"],
    );
    let sql = format!(
        "WITH w(challenge_id, kind, priority, title, body) AS (VALUES {rows}) \
         INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
         SELECT DISTINCT s.user_id, w.kind, w.priority, w.challenge_id, w.title, w.body, w.kind || ':' || w.challenge_id, $1 \
         FROM w JOIN stakes s ON s.challenge_id = w.challenge_id \
         WHERE s.status <> 'cancelled' AND (w.priority = 'high' OR NOT EXISTS ( \
           SELECT 1 FROM notifications n WHERE n.user_id = s.user_id AND n.challenge_id = w.challenge_id \
           AND n.kind IN ('deadline_1h', 'deadline_10m') AND n.created_at_ms > $1 - $2)) \
         ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING \
         RETURNING challenge_id"
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(now_ms)
        .bind(cooldown_ms);
    for (id, kind, headline, body) in sends {
        let priority = if kind.is_high_priority() {
            "high"
        } else {
            "normal"
        };
        q = q
            .bind(*id)
            .bind(kind.as_str())
            .bind(priority)
            .bind(headline.clone())
            .bind(body.clone());
    }
    Ok(q.fetch_all(&mut **tx).await?)
}

/// Moves each challenge's next warning on — only where it still holds the moment
/// this pass read: another notifier may have moved it already.
async fn move_next_warnings(
    tx: &mut Tx,
    moves: &[(i64, Option<i64>, i64)],
) -> Result<(), AppError> {
    if moves.is_empty() {
        return Ok(());
    }
    let rows = values_rows(moves.len(), 3, 1, &["BIGINT", "BIGINT", "BIGINT"]);
    let sql = format!(
        "WITH m(id, next_ms, planned_ms) AS (VALUES {rows}) \
         UPDATE challenges SET next_warning_at_ms = m.next_ms FROM m \
         WHERE challenges.id = m.id AND challenges.next_warning_at_ms = m.planned_ms"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (id, next, planned) in moves {
        q = q.bind(*id).bind(*next).bind(*planned);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
