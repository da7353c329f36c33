-- Gauntlet schema (SQLite). Times are Unix milliseconds (*_ms), coins are integers.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('participant', 'admin')),
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

-- One wallet per user, one escrow per challenge, one platform fee account, one issuance account.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL CHECK (kind IN ('wallet', 'escrow', 'platform', 'issuance')),
    user_id       INTEGER UNIQUE REFERENCES users(id),
    challenge_id  INTEGER UNIQUE,
    balance       INTEGER NOT NULL DEFAULT 0,
    frozen_at_ms  INTEGER,
    -- only the issuance account (the source of admin credits) may go negative
    CHECK (kind = 'issuance' OR balance >= 0),
    CHECK ((kind = 'wallet') = (user_id IS NOT NULL)),
    CHECK ((kind = 'escrow') = (challenge_id IS NOT NULL))
);
CREATE UNIQUE INDEX accounts_one_platform_one_issuance ON accounts(kind) WHERE kind IN ('platform', 'issuance');
INSERT INTO accounts (kind, balance) VALUES ('issuance', 0), ('platform', 0);

CREATE TABLE challenges (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    category           TEXT    NOT NULL CHECK (category IN ('sports', 'fitness', 'gaming', 'learning', 'finance', 'other')),
    amount             INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 1000000),
    due_at_ms          INTEGER NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'pending_admin', 'resolving', 'completed', 'cancelled')),
    result             TEXT    CHECK (result IN ('yes', 'no', 'draw')),
    creator_id         INTEGER NOT NULL REFERENCES users(id),
    creator_side       TEXT    NOT NULL CHECK (creator_side IN ('yes', 'no')),
    challenged_id      INTEGER REFERENCES users(id),
    escrow_account_id  INTEGER REFERENCES accounts(id),
    admin_notes        TEXT,
    -- counters kept with every stake so resolve and pages never count stakes
    yes_waiting        INTEGER NOT NULL DEFAULT 0 CHECK (yes_waiting >= 0),
    no_waiting         INTEGER NOT NULL DEFAULT 0 CHECK (no_waiting >= 0),
    matched_pairs      INTEGER NOT NULL DEFAULT 0 CHECK (matched_pairs >= 0),
    -- which scheduler pass locked it, so the pass can refund exactly its own challenges
    lock_token         INTEGER,
    next_warning_at_ms INTEGER,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL,
    activated_at_ms    INTEGER,
    locked_at_ms       INTEGER,
    resolved_at_ms     INTEGER,
    completed_at_ms    INTEGER
);
CREATE INDEX challenges_open_by_due ON challenges(due_at_ms) WHERE status IN ('pending', 'active');
CREATE INDEX challenges_by_status ON challenges(status, id);
CREATE INDEX challenges_by_category ON challenges(category, id);
CREATE INDEX challenges_by_creator ON challenges(creator_id, id);
CREATE INDEX challenges_by_lock_token ON challenges(lock_token) WHERE lock_token IS NOT NULL;
CREATE INDEX challenges_by_next_warning ON challenges(next_warning_at_ms) WHERE next_warning_at_ms IS NOT NULL;

CREATE TABLE stakes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id    INTEGER NOT NULL REFERENCES challenges(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    side            TEXT    NOT NULL CHECK (side IN ('yes', 'no')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    status          TEXT    NOT NULL CHECK (status IN ('waiting', 'matched', 'cancelled')),
    paired_stake_id INTEGER REFERENCES stakes(id),
    created_at_ms   INTEGER NOT NULL,
    matched_at_ms   INTEGER,
    cancelled_at_ms INTEGER
);
-- at most one live stake per user and challenge; a withdrawn one may be replaced
CREATE UNIQUE INDEX stakes_one_live_per_user ON stakes(challenge_id, user_id) WHERE status <> 'cancelled';
-- the pair queue (oldest waiting on a side) and the payout keyset (winners by id)
CREATE INDEX stakes_queue ON stakes(challenge_id, side, status, id);
CREATE INDEX stakes_by_challenge ON stakes(challenge_id, id);
CREATE INDEX stakes_by_user ON stakes(user_id, id);

CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id  INTEGER NOT NULL REFERENCES challenges(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    text          TEXT    NOT NULL,
    url           TEXT,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX evidence_by_challenge ON evidence(challenge_id, id);

CREATE TABLE payout_jobs (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id           INTEGER NOT NULL REFERENCES challenges(id),
    kind                   TEXT    NOT NULL CHECK (kind IN ('payout', 'refund')),
    status                 TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    winning_side           TEXT    CHECK (winning_side IN ('yes', 'no')),
    amount_per_entry       INTEGER NOT NULL CHECK (amount_per_entry > 0),
    fee_per_entry          INTEGER NOT NULL CHECK (fee_per_entry >= 0),
    total_entries          INTEGER NOT NULL,
    -- progress is summed from the batches (settling never touches this row, so parallel
    -- batches do not queue on it); failed entries re-queued by a retry are taken back here
    requeued_entries       INTEGER NOT NULL DEFAULT 0,
    total_pool             INTEGER NOT NULL,
    platform_fee           INTEGER NOT NULL,
    attempts               INTEGER NOT NULL DEFAULT 0,
    error                  TEXT,
    -- keyset cursors: stakes planned into batches so far, and failed entries re-planned on retry
    plan_cursor_stake_id   INTEGER NOT NULL DEFAULT 0,
    plan_done              INTEGER NOT NULL DEFAULT 0,
    retry_cursor_entry_id  INTEGER NOT NULL DEFAULT 0,
    retry_done             INTEGER NOT NULL DEFAULT 1,
    notify_cursor_stake_id INTEGER NOT NULL DEFAULT 0,
    notify_done            INTEGER NOT NULL DEFAULT 0,
    last_claim_at_ms       INTEGER NOT NULL DEFAULT 0,
    created_by             INTEGER REFERENCES users(id),
    created_at_ms          INTEGER NOT NULL,
    started_at_ms          INTEGER,
    completed_at_ms        INTEGER,
    updated_at_ms          INTEGER NOT NULL
);
-- a challenge has at most one job that is not cancelled: a second resolve is impossible
CREATE UNIQUE INDEX payout_jobs_one_live_per_challenge ON payout_jobs(challenge_id) WHERE status <> 'cancelled';
CREATE INDEX payout_jobs_by_status ON payout_jobs(status, id);

-- A batch is the unit a worker claims: a keyset range of stakes (plan) or of failed
-- entries (retry), held under a lease whose token fences a worker that lost it.
CREATE TABLE payout_batches (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id              INTEGER NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('plan', 'retry')),
    after_id            INTEGER NOT NULL,
    through_id          INTEGER NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('running', 'done')),
    lease_token         INTEGER NOT NULL,
    lease_expires_at_ms INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 1,
    paid_entries        INTEGER NOT NULL DEFAULT 0,
    failed_entries      INTEGER NOT NULL DEFAULT 0,
    created_at_ms       INTEGER NOT NULL,
    done_at_ms          INTEGER
);
CREATE INDEX payout_batches_running ON payout_batches(lease_expires_at_ms) WHERE status = 'running';
CREATE INDEX payout_batches_by_job ON payout_batches(job_id);

-- No foreign keys on the two tables every payout writes a row to per winner: their
-- rows are derived in the same statement from stakes and wallets that exist, and the
-- ledger check proves the books; per-row key probes would only slow the hot path.
CREATE TABLE payout_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL,
    batch_id        INTEGER NOT NULL,
    stake_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    account_id      INTEGER NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 1,
    error           TEXT,
    processed_at_ms INTEGER,
    UNIQUE (job_id, stake_id)
);
CREATE INDEX payout_entries_failed ON payout_entries(job_id, id) WHERE status <> 'paid';

CREATE TABLE ledger_tx (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT    NOT NULL CHECK (kind IN ('credit', 'stake', 'refund', 'payout', 'fee')),
    debit_account_id  INTEGER NOT NULL,
    credit_account_id INTEGER NOT NULL,
    amount            INTEGER NOT NULL CHECK (amount > 0),
    challenge_id      INTEGER,
    stake_id          INTEGER,
    payout_entry_id   INTEGER,
    payout_job_id     INTEGER,
    memo              TEXT,
    created_at_ms     INTEGER NOT NULL,
    CHECK (debit_account_id <> credit_account_id)
);
-- no payout entry is ever settled twice; no stake is staked or refunded twice
CREATE UNIQUE INDEX ledger_settles_entry_once ON ledger_tx(payout_entry_id) WHERE payout_entry_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_moves_stake_once ON ledger_tx(stake_id, kind) WHERE stake_id IS NOT NULL;
CREATE INDEX ledger_by_debit ON ledger_tx(debit_account_id, id);
CREATE INDEX ledger_by_credit ON ledger_tx(credit_account_id, id);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    kind          TEXT    NOT NULL,
    priority      TEXT    NOT NULL CHECK (priority IN ('normal', 'high')),
    challenge_id  INTEGER,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    -- exactly once per (user, key): insert-or-skip, never check-then-insert
    dedupe_key    TEXT,
    created_at_ms INTEGER NOT NULL,
    read_at_ms    INTEGER
);
CREATE UNIQUE INDEX notifications_once ON notifications(user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, id) WHERE read_at_ms IS NULL;
CREATE INDEX notifications_by_user_challenge ON notifications(user_id, challenge_id, created_at_ms);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER REFERENCES users(id),
    action   TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    detail   TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL
);
