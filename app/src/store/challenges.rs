//! Challenges, stakes and the pair queue. Every stake moves coins wallet → escrow
//! in the same transaction that records it, and keeps the challenge's counters.

use super::accounts::page;
use super::ledger::{ledger_credit_and_record, ledger_move, wallet_debit_if_funded, Movement};
use super::notifications::{notification_insert_once, Notice};
use super::{dt, opt_dt, Conn, Store};
use crate::domain::challenge::{
    Category, ChallengeStatus, NewChallenge, Outcome, Side, StakeStatus,
};
use crate::domain::model::{Challenge, Evidence, Page, Priority, Stake, TxKind};
use crate::domain::AppError;
use sqlx::FromRow;

pub(crate) const CHALLENGE_COLUMNS: &str = "c.id, c.title, c.description, c.category, c.amount, c.due_at_ms, c.status, \
     c.result, c.creator_id, c.challenged_id, c.created_at_ms, c.activated_at_ms, c.locked_at_ms, c.resolved_at_ms, \
     c.completed_at_ms, c.admin_notes, c.yes_waiting, c.no_waiting, c.matched_pairs, \
     cu.display_name AS creator_name, xu.display_name AS challenged_name";
pub(crate) const CHALLENGE_FROM: &str =
    "FROM challenges c JOIN users cu ON cu.id = c.creator_id LEFT JOIN users xu ON xu.id = c.challenged_id";

#[derive(FromRow)]
pub(crate) struct ChallengeRow {
    id: i64,
    title: String,
    description: String,
    category: String,
    amount: i64,
    due_at_ms: i64,
    status: String,
    result: Option<String>,
    creator_id: i64,
    challenged_id: Option<i64>,
    created_at_ms: i64,
    activated_at_ms: Option<i64>,
    locked_at_ms: Option<i64>,
    resolved_at_ms: Option<i64>,
    completed_at_ms: Option<i64>,
    admin_notes: Option<String>,
    yes_waiting: i64,
    no_waiting: i64,
    matched_pairs: i64,
    creator_name: String,
    challenged_name: Option<String>,
}

impl From<ChallengeRow> for Challenge {
    fn from(r: ChallengeRow) -> Challenge {
        Challenge {
            id: r.id,
            title: r.title,
            description: r.description,
            category: Category::parse(&r.category).unwrap_or(Category::Other),
            amount: r.amount,
            due_at: dt(r.due_at_ms),
            status: ChallengeStatus::parse(&r.status).unwrap_or(ChallengeStatus::Pending),
            result: r.result.as_deref().and_then(Outcome::parse),
            creator_id: r.creator_id,
            challenged_id: r.challenged_id,
            created_at: dt(r.created_at_ms),
            activated_at: opt_dt(r.activated_at_ms),
            locked_at: opt_dt(r.locked_at_ms),
            resolved_at: opt_dt(r.resolved_at_ms),
            completed_at: opt_dt(r.completed_at_ms),
            admin_notes: r.admin_notes,
            yes_waiting: r.yes_waiting,
            no_waiting: r.no_waiting,
            matched_pairs: r.matched_pairs,
            pool: 2 * r.amount * r.matched_pairs,
            my_stake: None,
            creator_name: r.creator_name,
            challenged_name: r.challenged_name,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct StakeRow {
    id: i64,
    challenge_id: i64,
    user_id: i64,
    side: String,
    amount: i64,
    status: String,
    created_at_ms: i64,
    matched_at_ms: Option<i64>,
}

impl From<StakeRow> for Stake {
    fn from(r: StakeRow) -> Stake {
        Stake {
            id: r.id,
            challenge_id: r.challenge_id,
            user_id: r.user_id,
            side: Side::parse(&r.side).unwrap_or(Side::Yes),
            amount: r.amount,
            status: StakeStatus::parse(&r.status).unwrap_or(StakeStatus::Waiting),
            created_at: dt(r.created_at_ms),
            matched_at: opt_dt(r.matched_at_ms),
        }
    }
}

const STAKE_COLUMNS: &str =
    "id, challenge_id, user_id, side, amount, status, created_at_ms, matched_at_ms";

/// Which challenges a list shows.
#[derive(Debug, Clone, Default)]
pub struct ChallengeFilter {
    pub status: Option<ChallengeStatus>,
    pub category: Option<Category>,
    /// Created by, or staked in by, this user.
    pub involving_user: Option<i64>,
    /// Oldest due first (the Awaiting tab) instead of newest first.
    pub oldest_due_first: bool,
}

/// What a join did, for the caller's notifications and events.
#[derive(Debug, Clone)]
pub struct JoinOutcome {
    pub stake: Stake,
    /// The stake it was paired with, and that stake's owner.
    pub matched_with: Option<(i64, i64)>,
    /// The first pair turned the challenge from pending to active.
    pub activated: bool,
}

/// The parts of a challenge a stake needs, read under the row's lock.
struct OpenChallenge {
    id: i64,
    title: String,
    status: ChallengeStatus,
    amount: i64,
    creator_id: i64,
    creator_side: Side,
    challenged_id: Option<i64>,
    escrow_account_id: i64,
}

/// Locks the challenge row (on PostgreSQL; SQLite's single writer already
/// serialises) only if it still takes stakes: open status and before due_at.
/// Every join and withdrawal on one challenge queues behind this.
async fn challenge_lock_if_open(
    conn: &mut Conn,
    challenge_id: i64,
    now_ms: i64,
) -> Result<OpenChallenge, AppError> {
    #[allow(clippy::type_complexity)]
    let row: Option<(i64, String, String, i64, i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "UPDATE challenges SET updated_at_ms = $2 \
         WHERE id = $1 AND status IN ('pending', 'active') AND due_at_ms > $2 \
         RETURNING id, title, status, amount, creator_id, creator_side, challenged_id, escrow_account_id",
    )
    .bind(challenge_id)
    .bind(now_ms)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, title, status, amount, creator_id, creator_side, challenged_id, escrow)) = row
    else {
        let found: Option<(String, i64)> =
            sqlx::query_as("SELECT status, due_at_ms FROM challenges WHERE id = $1")
                .bind(challenge_id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match found {
            None => AppError::not_found("Challenge"),
            Some((_, due)) if due <= now_ms => AppError::invalid_state(
                "The deadline has passed: this challenge takes no more stakes.",
            ),
            Some((status, _)) => AppError::invalid_state(format!(
                "This challenge is {}: it takes no stakes now.",
                ChallengeStatus::parse(&status)
                    .map(|s| s.label())
                    .unwrap_or("closed")
            )),
        });
    };
    Ok(OpenChallenge {
        id,
        title,
        status: ChallengeStatus::parse(&status).unwrap_or(ChallengeStatus::Pending),
        amount,
        creator_id,
        creator_side: Side::parse(&creator_side).unwrap_or(Side::Yes),
        challenged_id,
        escrow_account_id: escrow.ok_or_else(|| AppError::internal("challenge without escrow"))?,
    })
}

/// Places a stake: wallet → escrow, then pairs it FIFO with the oldest waiting
/// stake on the other side. Runs under the challenge's lock.
async fn place_stake(
    conn: &mut Conn,
    c: &OpenChallenge,
    user_id: i64,
    side: Side,
    now_ms: i64,
) -> Result<JoinOutcome, AppError> {
    let holds: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM stakes WHERE challenge_id = $1 AND user_id = $2 AND status <> 'cancelled'",
    )
    .bind(c.id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if holds.is_some() {
        return Err(AppError::AlreadyJoined);
    }
    let wallet = wallet_debit_if_funded(conn, user_id, c.amount).await?;
    let stake: StakeRow = sqlx::query_as(
        "INSERT INTO stakes (challenge_id, user_id, side, amount, status, created_at_ms) \
         VALUES ($1, $2, $3, $4, 'waiting', $5) \
         RETURNING id, challenge_id, user_id, side, amount, status, created_at_ms, matched_at_ms",
    )
    .bind(c.id)
    .bind(user_id)
    .bind(side.as_str())
    .bind(c.amount)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            AppError::AlreadyJoined
        } else {
            e.into()
        }
    })?;
    let movement = Movement {
        kind: TxKind::Stake,
        from_account: wallet,
        to_account: c.escrow_account_id,
        amount_coins: c.amount,
        challenge_id: Some(c.id),
        stake_id: Some(stake.id),
        memo: None,
    };
    ledger_credit_and_record(conn, &movement, now_ms).await?;

    let opposite: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, user_id FROM stakes WHERE challenge_id = $1 AND side = $2 AND status = 'waiting' ORDER BY id LIMIT 1",
    )
    .bind(c.id)
    .bind(side.opposite().as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let mut stake: Stake = stake.into();
    let Some((other_id, other_user)) = opposite else {
        sqlx::query(
            "UPDATE challenges SET yes_waiting = yes_waiting + $2, no_waiting = no_waiting + $3 WHERE id = $1",
        )
        .bind(c.id)
        .bind(i64::from(side == Side::Yes))
        .bind(i64::from(side == Side::No))
        .execute(&mut *conn)
        .await?;
        warn_new_participant(conn, c.id, now_ms).await?;
        return Ok(JoinOutcome {
            stake,
            matched_with: None,
            activated: false,
        });
    };
    let paired = sqlx::query(
        "UPDATE stakes SET status = 'matched', matched_at_ms = $3, \
           paired_stake_id = CASE WHEN id = $1 THEN $2 ELSE $1 END \
         WHERE id IN ($1, $2) AND status = 'waiting'",
    )
    .bind(stake.id)
    .bind(other_id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    assert_eq!(
        paired, 2,
        "both stakes of a pair were waiting under the challenge lock"
    );
    let activated = c.status == ChallengeStatus::Pending;
    // the other side loses one waiting stake; this side never counted this one
    sqlx::query(
        "UPDATE challenges SET yes_waiting = yes_waiting - $2, no_waiting = no_waiting - $3, \
           matched_pairs = matched_pairs + 1, \
           status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, \
           activated_at_ms = COALESCE(activated_at_ms, $4) \
         WHERE id = $1",
    )
    .bind(c.id)
    .bind(i64::from(side == Side::No))
    .bind(i64::from(side == Side::Yes))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    for (to, side_taken) in [(user_id, side), (other_user, side.opposite())] {
        let notice = Notice {
            user_id: to,
            kind: "matched",
            priority: Priority::Normal,
            challenge_id: Some(c.id),
            title: "You were matched".into(),
            body: format!(
                "Your {} stake on “{}” is paired: it now counts.",
                side_taken.label(),
                c.title
            ),
            dedupe_key: Some(format!(
                "matched:{}",
                if to == user_id { stake.id } else { other_id }
            )),
        };
        notification_insert_once(conn, &notice, now_ms).await?;
    }
    warn_new_participant(conn, c.id, now_ms).await?;
    stake.status = StakeStatus::Matched;
    stake.matched_at = Some(dt(now_ms));
    Ok(JoinOutcome {
        stake,
        matched_with: Some((other_id, other_user)),
        activated,
    })
}

/// A new participant of an active challenge (or a challenge that just became
/// active) may already be inside a warning window: have the notifier look now. It
/// sends only the most urgent warning that applies, and only to whoever lacks it.
async fn warn_new_participant(
    conn: &mut Conn,
    challenge_id: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE challenges SET next_warning_at_ms = $2 WHERE id = $1 AND status = 'active' \
           AND (next_warning_at_ms IS NULL OR next_warning_at_ms > $2)",
    )
    .bind(challenge_id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Creates a challenge, its escrow account and the creator's stake, in one transaction.
    pub async fn challenge_create(
        &self,
        creator_id: i64,
        new: &NewChallenge,
        challenged_id: Option<i64>,
        next_warning_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(i64, Stake), AppError> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO challenges (title, description, category, amount, due_at_ms, status, creator_id, creator_side, \
               challenged_id, next_warning_at_ms, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&new.title)
        .bind(&new.description)
        .bind(new.category.as_str())
        .bind(new.amount_coins)
        .bind(new.due_at_ms)
        .bind(creator_id)
        .bind(new.side.as_str())
        .bind(challenged_id)
        .bind(next_warning_at_ms)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let escrow: i64 =
            sqlx::query_scalar("INSERT INTO accounts (kind, challenge_id, balance) VALUES ('escrow', $1, 0) RETURNING id")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE challenges SET escrow_account_id = $1 WHERE id = $2")
            .bind(escrow)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let open = challenge_lock_if_open(&mut tx, id, now_ms).await?;
        let outcome = place_stake(&mut tx, &open, creator_id, new.side, now_ms).await?;
        tx.commit().await?;
        Ok((id, outcome.stake))
    }

    /// Stakes `side` for `user_id`. Direct challenges admit only the challenged user,
    /// on the side opposite the creator's.
    pub async fn challenge_join(
        &self,
        challenge_id: i64,
        user_id: i64,
        side: Side,
        now_ms: i64,
    ) -> Result<JoinOutcome, AppError> {
        let mut tx = self.begin().await?;
        let open = challenge_lock_if_open(&mut tx, challenge_id, now_ms).await?;
        if let Some(challenged) = open.challenged_id {
            if user_id != challenged && user_id != open.creator_id {
                return Err(AppError::forbidden(
                    "This is a direct challenge for another user.",
                ));
            }
            if user_id == challenged && side != open.creator_side.opposite() {
                return Err(AppError::validation(
                    "side",
                    format!(
                        "A direct challenge is taken on the other side: {}.",
                        open.creator_side.opposite().label()
                    ),
                ));
            }
        }
        let outcome = place_stake(&mut tx, &open, user_id, side, now_ms).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Withdraws the user's waiting stake, refunding it; matched stakes stay.
    pub async fn stake_withdraw_if_waiting(
        &self,
        challenge_id: i64,
        user_id: i64,
        now_ms: i64,
    ) -> Result<Stake, AppError> {
        let mut tx = self.begin().await?;
        let open = challenge_lock_if_open(&mut tx, challenge_id, now_ms).await?;
        let withdrawn: Option<StakeRow> = sqlx::query_as(
            "UPDATE stakes SET status = 'cancelled', cancelled_at_ms = $3 \
             WHERE challenge_id = $1 AND user_id = $2 AND status = 'waiting' \
             RETURNING id, challenge_id, user_id, side, amount, status, created_at_ms, matched_at_ms",
        )
        .bind(challenge_id)
        .bind(user_id)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(stake) = withdrawn else {
            let matched: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM stakes WHERE challenge_id = $1 AND user_id = $2 AND status = 'matched'",
            )
            .bind(challenge_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match matched {
                Some(_) => AppError::invalid_state(
                    "Your stake is matched: it stays until the challenge is settled.",
                ),
                None => AppError::not_found("Waiting stake"),
            });
        };
        let wallet: i64 =
            sqlx::query_scalar("SELECT id FROM accounts WHERE kind = 'wallet' AND user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        let refund = Movement {
            kind: TxKind::Refund,
            from_account: open.escrow_account_id,
            to_account: wallet,
            amount_coins: stake.amount,
            challenge_id: Some(challenge_id),
            stake_id: Some(stake.id),
            memo: Some("withdrawn"),
        };
        ledger_move(&mut tx, &refund, now_ms).await?;
        let side = Side::parse(&stake.side).unwrap_or(Side::Yes);
        sqlx::query("UPDATE challenges SET yes_waiting = yes_waiting - $2, no_waiting = no_waiting - $3 WHERE id = $1")
            .bind(challenge_id)
            .bind(i64::from(side == Side::Yes))
            .bind(i64::from(side == Side::No))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stake.into())
    }

    /// One challenge, with the viewer's live (or last) stake.
    pub async fn challenge_get(
        &self,
        challenge_id: i64,
        viewer: Option<i64>,
    ) -> Result<Option<Challenge>, AppError> {
        let sql = format!("SELECT {CHALLENGE_COLUMNS} {CHALLENGE_FROM} WHERE c.id = $1");
        let row: Option<ChallengeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(challenge_id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut challenge: Challenge = row.into();
        if let Some(user_id) = viewer {
            challenge.my_stake = self.stake_of(challenge_id, user_id).await?;
        }
        Ok(Some(challenge))
    }

    /// The user's stake in a challenge: the live one, else the latest withdrawn one.
    pub async fn stake_of(
        &self,
        challenge_id: i64,
        user_id: i64,
    ) -> Result<Option<Stake>, AppError> {
        let sql = format!(
            "SELECT {STAKE_COLUMNS} FROM stakes WHERE challenge_id = $1 AND user_id = $2 \
             ORDER BY CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END, id DESC LIMIT 1"
        );
        let row: Option<StakeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(challenge_id)
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(Stake::from))
    }

    /// A page of challenges, newest first (or oldest due first), keyset by id.
    pub async fn challenges_list(
        &self,
        filter: &ChallengeFilter,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Page<Challenge>, AppError> {
        // Built only from the fixed fragments below; every value is a bound parameter.
        let mut sql = format!("SELECT {CHALLENGE_COLUMNS} {CHALLENGE_FROM} WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.status.is_some() {
            sql += &format!(" AND c.status = {}", next());
        }
        if filter.category.is_some() {
            sql += &format!(" AND c.category = {}", next());
        }
        if filter.involving_user.is_some() {
            let p = next();
            sql += &format!(
                " AND (c.creator_id = {p} OR c.id IN (SELECT s.challenge_id FROM stakes s WHERE s.user_id = {p}))"
            );
        }
        if filter.oldest_due_first {
            // keyset on (due_at_ms, id): the cursor is the id, its due_at is looked up
            if after.is_some() {
                let p = next();
                sql += &format!(
                    " AND (c.due_at_ms, c.id) > (SELECT x.due_at_ms, x.id FROM challenges x WHERE x.id = {p})"
                );
            }
            sql += &format!(" ORDER BY c.due_at_ms, c.id LIMIT {}", next());
        } else {
            if after.is_some() {
                sql += &format!(" AND c.id < {}", next());
            }
            sql += &format!(" ORDER BY c.id DESC LIMIT {}", next());
        }
        let mut query = sqlx::query_as::<_, ChallengeRow>(sqlx::AssertSqlSafe(sql));
        if let Some(s) = filter.status {
            query = query.bind(s.as_str());
        }
        if let Some(c) = filter.category {
            query = query.bind(c.as_str());
        }
        if let Some(u) = filter.involving_user {
            query = query.bind(u);
        }
        if let Some(a) = after {
            query = query.bind(a);
        }
        let rows = query.bind(limit + 1).fetch_all(&self.read).await?;
        Ok(page(
            rows.into_iter().map(Challenge::from).collect(),
            limit,
            |c| c.id,
        ))
    }

    /// Adds evidence from a participant (creator or stake holder) while the
    /// challenge is active or awaiting its result.
    pub async fn evidence_add(
        &self,
        challenge_id: i64,
        user_id: i64,
        text: &str,
        url: Option<&str>,
        now_ms: i64,
    ) -> Result<Evidence, AppError> {
        let mut tx = self.begin().await?;
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT status, creator_id FROM challenges WHERE id = $1")
                .bind(challenge_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (status, creator) = row.ok_or_else(|| AppError::not_found("Challenge"))?;
        let status = ChallengeStatus::parse(&status).unwrap_or(ChallengeStatus::Pending);
        let holds: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM stakes WHERE challenge_id = $1 AND user_id = $2 AND status <> 'cancelled' LIMIT 1",
        )
        .bind(challenge_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if creator != user_id && holds.is_none() {
            return Err(AppError::forbidden(
                "Only participants of this challenge may add evidence.",
            ));
        }
        if !status.accepts_evidence() {
            return Err(AppError::invalid_state(format!(
                "Evidence is accepted while a challenge is active or awaiting its result; this one is {}.",
                status.label()
            )));
        }
        let (id, username): (i64, String) = sqlx::query_as(
            "INSERT INTO evidence (challenge_id, user_id, text, url, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, (SELECT username FROM users WHERE id = $2)",
        )
        .bind(challenge_id)
        .bind(user_id)
        .bind(text)
        .bind(url)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Evidence {
            id,
            challenge_id,
            user_id,
            username,
            text: text.to_string(),
            url: url.map(str::to_string),
            created_at: dt(now_ms),
        })
    }

    /// All evidence of a challenge, oldest first (bounded by what participants can add).
    pub async fn evidence_list(
        &self,
        challenge_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Page<Evidence>, AppError> {
        let rows: Vec<(i64, i64, String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT e.id, e.user_id, u.username, e.text, e.url, e.created_at_ms FROM evidence e \
             JOIN users u ON u.id = e.user_id WHERE e.challenge_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3",
        )
        .bind(challenge_id)
        .bind(after.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let items = rows
            .into_iter()
            .map(|(id, user_id, username, text, url, at)| Evidence {
                id,
                challenge_id,
                user_id,
                username,
                text,
                url,
                created_at: dt(at),
            })
            .collect();
        Ok(page(items, limit, |e| e.id))
    }

    /// Stakes of a challenge by id (admin view of participants).
    pub async fn stakes_of_challenge(
        &self,
        challenge_id: i64,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Page<(Stake, String)>, AppError> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            stake: StakeRow,
            username: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT s.id, s.challenge_id, s.user_id, s.side, s.amount, s.status, s.created_at_ms, s.matched_at_ms, u.username \
             FROM stakes s JOIN users u ON u.id = s.user_id WHERE s.challenge_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3",
        )
        .bind(challenge_id)
        .bind(after.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let items = rows
            .into_iter()
            .map(|r| (Stake::from(r.stake), r.username))
            .collect();
        Ok(page(items, limit, |(s, _)| s.id))
    }
}

impl Store {
    /// Challenges per status (the dashboard tabs); statuses with none are listed with 0.
    pub async fn challenge_status_counts(&self) -> Result<Vec<(ChallengeStatus, i64)>, AppError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM challenges GROUP BY status")
                .fetch_all(&self.read)
                .await?;
        Ok(ChallengeStatus::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    rows.iter()
                        .find(|(name, _)| name == s.as_str())
                        .map(|(_, n)| *n)
                        .unwrap_or(0),
                )
            })
            .collect())
    }

    /// On PostgreSQL, wakes the payout workers of every instance (LISTEN/NOTIFY).
    pub async fn announce_job_ready(&self) {
        if self.backend() == super::Backend::Postgres {
            if let Err(e) = sqlx::query("SELECT pg_notify('gauntlet_jobs', '')")
                .execute(&self.write)
                .await
            {
                tracing::warn!(error = %e, "could not announce a job to other instances");
            }
        }
    }
}
