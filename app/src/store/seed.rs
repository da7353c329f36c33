//! Set-based seeding of many users, challenges and stakes — consistent with the
//! ledger — for tests and benchmarks that need thousands to millions of rows.

use super::Store;
use crate::domain::AppError;

#[derive(Debug, Clone)]
pub struct SeedSpec {
    /// Prefix of usernames and titles, so several seeds can share a database.
    pub tag: String,
    pub users: i64,
    pub coins_per_user: i64,
    pub challenges: i64,
    pub stake_coins: i64,
    /// Challenge k is due at `first_due_ms + k * due_step_ms`.
    pub first_due_ms: i64,
    pub due_step_ms: i64,
    pub pairs_per_challenge: i64,
    /// Extra unmatched YES stakes per challenge.
    pub waiting_per_challenge: i64,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub first_user_id: i64,
    pub first_challenge_id: i64,
    pub last_challenge_id: i64,
}

const SEQ: &str =
    "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < $1)";

impl Store {
    pub async fn seed(&self, spec: &SeedSpec) -> Result<Seeded, AppError> {
        let per_challenge = 2 * spec.pairs_per_challenge + spec.waiting_per_challenge;
        assert!(
            spec.users >= per_challenge,
            "each stake of a challenge needs its own user"
        );
        let mut tx = self.begin().await?;
        let now = spec.now_ms;
        let tag = &spec.tag;
        // users and wallets, each credited from issuance
        let first_user_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
            .fetch_one(&mut *tx)
            .await?;
        exec(
            &mut tx,
            &format!(
            "{SEQ} INSERT INTO users (username, display_name, password_hash, role, created_at_ms) \
             SELECT '{tag}' || n, '{tag} ' || n, 'seeded', 'participant', $2 FROM seq"),
            &[spec.users, now],
        )
        .await?;
        exec(&mut tx, &format!(
            "INSERT INTO accounts (kind, user_id, balance) SELECT 'wallet', id, $1 FROM users WHERE id >= $2 AND username LIKE '{tag}%'"),
            &[spec.coins_per_user, first_user_id]).await?;
        exec(&mut tx, &format!(
            "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, memo, created_at_ms) \
             SELECT 'credit', $1, w.id, $2, 'seed', $3 FROM accounts w JOIN users u ON u.id = w.user_id \
             WHERE u.id >= $4 AND u.username LIKE '{tag}%'"),
            &[self.issuance_account_id, spec.coins_per_user, now, first_user_id]).await?;
        exec(
            &mut tx,
            "UPDATE accounts SET balance = balance - $1 WHERE id = $2",
            &[spec.coins_per_user * spec.users, self.issuance_account_id],
        )
        .await?;

        // challenges and their escrows
        let first_challenge_id: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM challenges")
                .fetch_one(&mut *tx)
                .await?;
        let status = if spec.pairs_per_challenge > 0 {
            "active"
        } else {
            "pending"
        };
        exec(&mut tx, &format!(
            "{SEQ} INSERT INTO challenges (title, description, category, amount, due_at_ms, status, creator_id, creator_side, \
               yes_waiting, matched_pairs, created_at_ms, updated_at_ms, activated_at_ms) \
             SELECT '{tag} challenge ' || n, '', 'other', $2, $3 + n * $4, '{status}', $5 + (n % $6), 'yes', $7, $8, $9, $9, \
               CASE WHEN $8 > 0 THEN $9 ELSE NULL END FROM seq"),
            &[spec.challenges, spec.stake_coins, spec.first_due_ms, spec.due_step_ms, first_user_id, spec.users,
              spec.waiting_per_challenge, spec.pairs_per_challenge, now]).await?;
        let last_challenge_id = first_challenge_id + spec.challenges - 1;
        exec(&mut tx, "INSERT INTO accounts (kind, challenge_id, balance) SELECT 'escrow', id, 0 FROM challenges WHERE id BETWEEN $1 AND $2",
            &[first_challenge_id, last_challenge_id]).await?;
        exec(&mut tx, "UPDATE challenges SET escrow_account_id = (SELECT a.id FROM accounts a WHERE a.challenge_id = challenges.id) \
                       WHERE id BETWEEN $1 AND $2", &[first_challenge_id, last_challenge_id]).await?;

        // stakes: slot s of challenge c belongs to user (c + s) mod users, so no user
        // holds two stakes in one challenge; the first 2·pairs slots are matched pairs
        exec(&mut tx, &format!(
            "{SEQ} INSERT INTO stakes (challenge_id, user_id, side, amount, status, created_at_ms, matched_at_ms) \
             SELECT c.id, $2 + ((c.id - $3 + seq.n) % $4), \
                    CASE WHEN seq.n < 2 * $5 AND seq.n % 2 = 1 THEN 'no' ELSE 'yes' END, $6, \
                    CASE WHEN seq.n < 2 * $5 THEN 'matched' ELSE 'waiting' END, $7, \
                    CASE WHEN seq.n < 2 * $5 THEN $7 ELSE NULL END \
             FROM challenges c CROSS JOIN seq WHERE c.id BETWEEN $3 AND $8 ORDER BY c.id, seq.n"),
            &[per_challenge, first_user_id, first_challenge_id, spec.users, spec.pairs_per_challenge, spec.stake_coins, now,
              last_challenge_id]).await?;
        exec(&mut tx,
            "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, stake_id, created_at_ms) \
             SELECT 'stake', w.id, c.escrow_account_id, s.amount, c.id, s.id, $3 FROM stakes s \
             JOIN challenges c ON c.id = s.challenge_id JOIN accounts w ON w.kind = 'wallet' AND w.user_id = s.user_id \
             WHERE s.challenge_id BETWEEN $1 AND $2",
            &[first_challenge_id, last_challenge_id, now]).await?;
        exec(
            &mut tx,
            "UPDATE accounts SET balance = accounts.balance - t.total \
             FROM (SELECT user_id, CAST(SUM(amount) AS BIGINT) AS total FROM stakes \
                   WHERE challenge_id BETWEEN $1 AND $2 GROUP BY user_id) AS t \
             WHERE accounts.kind = 'wallet' AND accounts.user_id = t.user_id",
            &[first_challenge_id, last_challenge_id],
        )
        .await?;
        exec(
            &mut tx,
            "UPDATE accounts SET balance = t.total \
             FROM (SELECT challenge_id, CAST(SUM(amount) AS BIGINT) AS total FROM stakes \
                   WHERE challenge_id BETWEEN $1 AND $2 GROUP BY challenge_id) AS t \
             WHERE accounts.kind = 'escrow' AND accounts.challenge_id = t.challenge_id",
            &[first_challenge_id, last_challenge_id],
        )
        .await?;
        tx.commit().await?;
        // fresh statistics, as autovacuum would gather: plans for millions of rows
        // must not be made for empty tables
        let analyze = match self.backend() {
            super::Backend::Postgres => "ANALYZE users, accounts, challenges, stakes, ledger_tx",
            // not the payout tables: statistics taken while they are empty would steer
            // the planner away from their indexes as they fill
            super::Backend::Sqlite => "ANALYZE users; ANALYZE accounts; ANALYZE challenges; ANALYZE stakes; ANALYZE ledger_tx;",
        };
        sqlx::query(analyze).execute(&self.write).await?;
        Ok(Seeded {
            first_user_id,
            first_challenge_id,
            last_challenge_id,
        })
    }
}

async fn exec(tx: &mut super::Conn, sql: &str, binds: &[i64]) -> Result<(), AppError> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&mut *tx).await?;
    Ok(())
}
