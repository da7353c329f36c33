//! The JSON shapes of API.md, shared by REST, server functions and the browser.

use super::account::Role;
use super::challenge::{Category, ChallengeStatus, Outcome, Side, StakeStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub balance: i64,
    pub frozen: bool,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub enum TxKind {
    Credit,
    Stake,
    Refund,
    Payout,
    Fee,
}

impl TxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TxKind::Credit => "credit",
            TxKind::Stake => "stake",
            TxKind::Refund => "refund",
            TxKind::Payout => "payout",
            TxKind::Fee => "fee",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            TxKind::Credit,
            TxKind::Stake,
            TxKind::Refund,
            TxKind::Payout,
            TxKind::Fee,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One ledger transaction: `amount` coins left `debit_account` and entered `credit_account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct LedgerTx {
    pub id: i64,
    pub kind: TxKind,
    pub amount: i64,
    pub debit_account: i64,
    pub credit_account: i64,
    pub challenge_id: Option<i64>,
    pub payout_entry_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// For the viewer's own history: +amount when coins entered their wallet.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signed_amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Stake {
    pub id: i64,
    pub challenge_id: i64,
    pub user_id: i64,
    pub side: Side,
    pub amount: i64,
    pub status: StakeStatus,
    pub created_at: DateTime<Utc>,
    pub matched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Challenge {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub amount: i64,
    pub due_at: DateTime<Utc>,
    pub status: ChallengeStatus,
    pub result: Option<Outcome>,
    pub creator_id: i64,
    pub challenged_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub locked_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub admin_notes: Option<String>,
    pub yes_waiting: i64,
    pub no_waiting: i64,
    pub matched_pairs: i64,
    /// Coins at stake in matched pairs: 2 × amount × matched_pairs.
    pub pool: i64,
    pub my_stake: Option<Stake>,
    /// Display names, for pages (not part of the fixed contract).
    #[serde(default)]
    pub creator_name: String,
    #[serde(default)]
    pub challenged_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Evidence {
    pub id: i64,
    pub challenge_id: i64,
    pub user_id: i64,
    pub username: String,
    pub text: String,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub enum JobKind {
    Payout,
    Refund,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub enum JobStatus {
    Queued,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Payout => "payout",
            JobKind::Refund => "refund",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [JobKind::Payout, JobKind::Refund]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Paused,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Paused => "paused",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        JobStatus::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Cancelled)
    }
}

/// Job control an admin may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobAction {
    Pause,
    Resume,
    Retry,
    Cancel,
}

impl JobAction {
    pub fn parse(text: &str) -> Option<JobAction> {
        match text {
            "pause" => Some(JobAction::Pause),
            "resume" => Some(JobAction::Resume),
            "retry" => Some(JobAction::Retry),
            "cancel" => Some(JobAction::Cancel),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobAction::Pause => "pause",
            JobAction::Resume => "resume",
            JobAction::Retry => "retry",
            JobAction::Cancel => "cancel",
        }
    }

    /// Whether the button makes sense for a job in `status` (the server decides).
    pub fn offered_for(self, status: JobStatus) -> bool {
        match self {
            JobAction::Pause => matches!(status, JobStatus::Queued | JobStatus::Running),
            JobAction::Resume => status == JobStatus::Paused,
            JobAction::Retry => status == JobStatus::Failed,
            JobAction::Cancel => matches!(
                status,
                JobStatus::Queued | JobStatus::Running | JobStatus::Paused | JobStatus::Failed
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct PayoutJob {
    pub id: i64,
    pub challenge_id: i64,
    pub kind: JobKind,
    pub status: JobStatus,
    pub total_entries: i64,
    pub processed_entries: i64,
    pub failed_entries: i64,
    /// processed / total, 0.0–1.0 (1.0 for a job with nothing to pay).
    pub progress: f64,
    pub total_pool: i64,
    pub platform_fee: i64,
    pub attempts: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Entries settled per second since the job started (pages only).
    #[serde(default)]
    pub entries_per_sec: f64,
    #[serde(default)]
    pub challenge_title: String,
    /// Coins each paid entry received.
    #[serde(default)]
    pub amount_per_entry: i64,
    /// Coins paid so far, by the job's own counter.
    #[serde(default)]
    pub paid_coins: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub enum EntryStatus {
    Pending,
    Paid,
    Failed,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Pending => "pending",
            EntryStatus::Paid => "paid",
            EntryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [EntryStatus::Pending, EntryStatus::Paid, EntryStatus::Failed]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct PayoutEntry {
    pub id: i64,
    pub job_id: i64,
    pub user_id: i64,
    pub amount: i64,
    pub status: EntryStatus,
    pub attempts: i64,
    pub error: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub enum Priority {
    Normal,
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub priority: Priority,
    pub challenge_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct MismatchedAccount {
    pub account_id: i64,
    pub balance: i64,
    pub ledger_balance: i64,
}

/// The invariants of SPEC §2, checked by one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct LedgerCheck {
    pub ok: bool,
    pub accounts_sum: i64,
    pub mismatched_accounts: Vec<MismatchedAccount>,
    /// Payout entries settled by more than one ledger row (impossible by the unique key).
    #[serde(default)]
    pub double_settled_entries: i64,
    /// Wallets or escrows below zero (impossible by the CHECK).
    #[serde(default)]
    pub negative_accounts: i64,
}

/// Payout analytics for the admin dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Analytics {
    /// Coins paid to winners (refunds excluded).
    pub paid_total: i64,
    pub fees_total: i64,
    pub jobs_by_status: std::collections::BTreeMap<String, i64>,
    pub winners_paid: i64,
    /// The last 30 days, oldest first, days without payouts included.
    pub payouts_per_day: Vec<DayTotals>,
    /// Entries settled per second of running time, over completed jobs.
    pub throughput_per_sec: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct DayTotals {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub paid: i64,
    pub fees: i64,
    pub winners: i64,
}

/// A page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next_cursor: None,
        }
    }
}

pub const DEFAULT_PAGE_LIMIT: i64 = 50;
pub const MAX_PAGE_LIMIT: i64 = 500;

/// `?limit=` clamped to the contract's bounds.
pub fn page_limit(requested: Option<i64>) -> i64 {
    requested
        .unwrap_or(DEFAULT_PAGE_LIMIT)
        .clamp(1, MAX_PAGE_LIMIT)
}

/// Cursors are the last id seen, opaque to clients ("c" + id keeps them from being
/// mistaken for ids).
pub fn encode_cursor(last_id: i64) -> String {
    format!("c{last_id}")
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, super::AppError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => c
            .strip_prefix('c')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                super::AppError::validation("cursor", "The cursor is not one this server issued.")
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).unwrap(), Some(42));
        assert_eq!(decode_cursor(None).unwrap(), None);
        assert_eq!(decode_cursor(Some("")).unwrap(), None);
        for bad in ["42", "cx", "c-1", "c0"] {
            assert!(decode_cursor(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_limits_are_clamped() {
        assert_eq!(page_limit(None), 50);
        assert_eq!(page_limit(Some(0)), 1);
        assert_eq!(page_limit(Some(10_000)), 500);
    }

    #[test]
    fn enums_serialise_as_the_contract_spells_them() {
        assert_eq!(
            serde_json::to_string(&JobStatus::Running).unwrap(),
            "\"running\""
        );
        assert_eq!(serde_json::to_string(&Priority::High).unwrap(), "\"high\"");
        assert_eq!(
            serde_json::to_string(&TxKind::Payout).unwrap(),
            "\"payout\""
        );
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
    }
}
