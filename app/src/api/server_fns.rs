//! Server functions: what the pages call. On the server each one resolves the
//! caller and calls the same service as the REST handler; in the browser it is a
//! fetch. Forms post here too, so they work before the WASM loads.

use crate::domain::model::{AuditEntry, LedgerCheck, LedgerTx, Page, User};
use crate::domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ctx {
    use crate::api::session::{caller_in_context, Caller};
    use crate::domain::AppError;
    use crate::service::Services;
    use axum::http::{header, HeaderValue};

    pub fn services() -> Result<Services, AppError> {
        leptos::prelude::use_context::<Services>()
            .ok_or_else(|| AppError::internal("services are not in context"))
    }

    pub fn caller() -> Caller {
        caller_in_context()
    }

    pub fn set_cookie(cookie: &str) {
        if let (Some(opts), Ok(value)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(cookie),
        ) {
            opts.append_header(header::SET_COOKIE, value);
        }
    }

    pub fn peer_ip() -> Option<std::net::IpAddr> {
        leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|axum::extract::ConnectInfo(addr)| addr.ip())
        })
    }

    /// Only paths on this site: `//evil.example` or `https://…` would be an open redirect.
    pub fn local_path(next: Option<String>) -> String {
        next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
            .unwrap_or_else(|| "/".to_string())
    }
}

/// The signed-in user and their unread count: what the header shows on every page.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Me {
    pub user: User,
    pub unread: i64,
}

#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    let Some(user) = ctx::caller().user else {
        return Ok(None);
    };
    let unread = ctx::services()?.store.inbox_unread_count(user.id).await?;
    Ok(Some(Me { user, unread }))
}

#[server(prefix = "/api/fn", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<User, AppError> {
    let services = ctx::services()?;
    let (user, token) = services.login(&username, &password, ctx::peer_ip()).await?;
    ctx::set_cookie(&crate::api::session::session_cookie(
        &token,
        services.config.session_secure_cookie,
    ));
    leptos_axum::redirect(&ctx::local_path(next));
    Ok(user)
}

#[server(prefix = "/api/fn", endpoint = "register")]
pub async fn register(
    username: String,
    password: String,
    display_name: Option<String>,
) -> Result<User, AppError> {
    let services = ctx::services()?;
    let user = services
        .register(&username, &password, display_name.as_deref())
        .await?;
    let (user, token) = services
        .login(&user.username, &password, ctx::peer_ip())
        .await?;
    ctx::set_cookie(&crate::api::session::session_cookie(
        &token,
        services.config.session_secure_cookie,
    ));
    leptos_axum::redirect("/me");
    Ok(user)
}

#[server(prefix = "/api/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let services = ctx::services()?;
    if let Some(token) = ctx::caller().token {
        services.logout(&token).await?;
    }
    ctx::set_cookie(&crate::api::session::clear_session_cookie(
        services.config.session_secure_cookie,
    ));
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "my_transactions")]
pub async fn my_transactions(cursor: Option<String>) -> Result<Page<LedgerTx>, AppError> {
    let services = ctx::services()?;
    let user = crate::service::auth::require_user(ctx::caller().user)?;
    let before = crate::domain::model::decode_cursor(cursor.as_deref())?;
    services.store.wallet_history(user.id, before, 25).await
}

#[server(prefix = "/api/fn", endpoint = "admin_users")]
pub async fn admin_users(
    q: Option<String>,
    cursor: Option<String>,
) -> Result<Page<User>, AppError> {
    ctx::services()?
        .admin_users(
            ctx::caller().user,
            q.as_deref(),
            cursor.as_deref(),
            Some(50),
        )
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_credit")]
pub async fn admin_credit(
    user_id: i64,
    amount: String,
    memo: Option<String>,
) -> Result<User, AppError> {
    let amount: i64 = amount
        .trim()
        .parse()
        .map_err(|_| AppError::validation("amount", "Amount must be a whole number of coins."))?;
    ctx::services()?
        .admin_credit(ctx::caller().user, user_id, amount, memo.as_deref())
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_set_frozen")]
pub async fn admin_set_frozen(user_id: i64, frozen: bool) -> Result<User, AppError> {
    ctx::services()?
        .admin_set_frozen(ctx::caller().user, user_id, frozen)
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_audit")]
pub async fn admin_audit(cursor: Option<String>) -> Result<Page<AuditEntry>, AppError> {
    ctx::services()?
        .admin_audit(ctx::caller().user, cursor.as_deref(), Some(100))
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_ledger_check")]
pub async fn admin_ledger_check() -> Result<LedgerCheck, AppError> {
    ctx::services()?
        .admin_ledger_check(ctx::caller().user)
        .await
}

#[server(prefix = "/api/fn", endpoint = "list_challenges")]
pub async fn list_challenges(
    status: Option<String>,
    category: Option<String>,
    mine: Option<bool>,
    cursor: Option<String>,
) -> Result<Page<crate::domain::model::Challenge>, AppError> {
    let caller = ctx::caller();
    let query = crate::service::challenges::ListQuery {
        status,
        category,
        mine: mine.unwrap_or(false),
        cursor,
        limit: Some(24),
    };
    ctx::services()?
        .challenges_list(caller.user.as_ref(), &query)
        .await
}

#[server(prefix = "/api/fn", endpoint = "get_challenge")]
pub async fn get_challenge(id: i64) -> Result<crate::domain::model::Challenge, AppError> {
    ctx::services()?
        .challenge_view(ctx::caller().user.as_ref(), id)
        .await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api/fn", endpoint = "create_challenge")]
pub async fn create_challenge(
    title: String,
    description: String,
    category: String,
    amount: String,
    due_at: String,
    side: String,
    challenged_username: Option<String>,
    tz_offset_min: Option<i32>,
) -> Result<crate::domain::model::Challenge, AppError> {
    let draft = crate::domain::challenge::ChallengeDraft {
        title,
        description,
        category,
        amount,
        due_at,
        side,
        challenged_username,
    };
    let offset = tz_offset_min.unwrap_or(0).clamp(-14 * 60, 14 * 60);
    let challenge = ctx::services()?
        .challenge_create(ctx::caller().user, &draft, offset)
        .await?;
    leptos_axum::redirect(&format!("/challenges/{}", challenge.id));
    Ok(challenge)
}

#[server(prefix = "/api/fn", endpoint = "join_challenge")]
pub async fn join_challenge(
    challenge_id: i64,
    side: String,
) -> Result<crate::domain::model::Stake, AppError> {
    ctx::services()?
        .challenge_join(ctx::caller().user, challenge_id, &side)
        .await
}

#[server(prefix = "/api/fn", endpoint = "withdraw_stake")]
pub async fn withdraw_stake(challenge_id: i64) -> Result<crate::domain::model::Stake, AppError> {
    ctx::services()?
        .stake_withdraw(ctx::caller().user, challenge_id)
        .await
}

#[server(prefix = "/api/fn", endpoint = "list_evidence")]
pub async fn list_evidence(
    challenge_id: i64,
) -> Result<Page<crate::domain::model::Evidence>, AppError> {
    ctx::services()?
        .evidence_list(challenge_id, None, Some(200))
        .await
}

#[server(prefix = "/api/fn", endpoint = "add_evidence")]
pub async fn add_evidence(
    challenge_id: i64,
    text: String,
    url: Option<String>,
) -> Result<crate::domain::model::Evidence, AppError> {
    ctx::services()?
        .evidence_add(ctx::caller().user, challenge_id, &text, url.as_deref())
        .await
}

/// The admin's view of one challenge: details, the settlement preview and participants.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdminChallengeView {
    pub challenge: crate::domain::model::Challenge,
    pub preview: crate::domain::payout::SettlementPreview,
    pub participants: Vec<(crate::domain::model::Stake, String)>,
    pub more_participants: bool,
    /// The live (not cancelled) payout job, if any.
    pub job: Option<crate::domain::model::PayoutJob>,
}

/// A payout job with what its page shows beside it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobView {
    pub job: crate::domain::model::PayoutJob,
    pub failed_entries: Vec<crate::domain::model::PayoutEntry>,
    /// Entries and coins the ledger shows as paid by this job.
    pub ledger_paid_entries: i64,
    pub ledger_paid_coins: i64,
}

#[server(prefix = "/api/fn", endpoint = "admin_counts")]
pub async fn admin_counts(
) -> Result<Vec<(crate::domain::challenge::ChallengeStatus, i64)>, AppError> {
    ctx::services()?
        .admin_status_counts(ctx::caller().user)
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_challenge_list")]
pub async fn admin_challenge_list(
    status: String,
    cursor: Option<String>,
) -> Result<Page<crate::domain::model::Challenge>, AppError> {
    ctx::services()?
        .admin_challenges(
            ctx::caller().user,
            Some(&status),
            cursor.as_deref(),
            Some(50),
        )
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_challenge")]
pub async fn admin_challenge(id: i64) -> Result<AdminChallengeView, AppError> {
    let services = ctx::services()?;
    let user = ctx::caller().user;
    let preview = services.settlement_preview(user.clone(), id).await?;
    let challenge = services.challenge_view(user.as_ref(), id).await?;
    let participants = services.store.stakes_of_challenge(id, None, 200).await?;
    let job = services
        .store
        .job_of_challenge(id, services.now_ms())
        .await?;
    Ok(AdminChallengeView {
        challenge,
        preview,
        more_participants: participants.next_cursor.is_some(),
        participants: participants.items,
        job,
    })
}

#[server(prefix = "/api/fn", endpoint = "resolve_challenge")]
pub async fn resolve_challenge(
    challenge_id: i64,
    result: String,
    notes: Option<String>,
) -> Result<crate::domain::model::PayoutJob, AppError> {
    let job = ctx::services()?
        .resolve(ctx::caller().user, challenge_id, &result, notes.as_deref())
        .await?;
    leptos_axum::redirect(&format!("/admin/payouts/{}", job.id));
    Ok(job)
}

#[server(prefix = "/api/fn", endpoint = "cancel_challenge")]
pub async fn cancel_challenge(
    challenge_id: i64,
    notes: Option<String>,
) -> Result<crate::domain::model::PayoutJob, AppError> {
    let job = ctx::services()?
        .cancel_challenge(ctx::caller().user, challenge_id, notes.as_deref())
        .await?;
    leptos_axum::redirect(&format!("/admin/payouts/{}", job.id));
    Ok(job)
}

#[server(prefix = "/api/fn", endpoint = "payout_jobs")]
pub async fn payout_jobs(
    status: Option<String>,
) -> Result<
    (
        Page<crate::domain::model::PayoutJob>,
        Vec<(crate::domain::model::JobStatus, i64)>,
    ),
    AppError,
> {
    let services = ctx::services()?;
    let user = ctx::caller().user;
    let jobs = services
        .jobs(user.clone(), status.as_deref(), None, Some(100))
        .await?;
    crate::service::auth::require_admin(user)?;
    let counts = services.store.job_count_by_status().await?;
    Ok((jobs, counts))
}

#[server(prefix = "/api/fn", endpoint = "payout_job")]
pub async fn payout_job(id: i64) -> Result<JobView, AppError> {
    let services = ctx::services()?;
    let user = ctx::caller().user;
    let job = services.job_view(user.clone(), id).await?;
    let failed = services
        .job_entries(user.clone(), id, Some("failed"), None, Some(100))
        .await?;
    let (ledger_paid_entries, ledger_paid_coins) = services.job_paid_by_ledger(user, id).await?;
    Ok(JobView {
        job,
        failed_entries: failed.items,
        ledger_paid_entries,
        ledger_paid_coins,
    })
}

#[server(prefix = "/api/fn", endpoint = "job_action")]
pub async fn job_action(
    job_id: i64,
    action: String,
) -> Result<crate::domain::model::PayoutJob, AppError> {
    let action = crate::domain::model::JobAction::parse(&action)
        .ok_or_else(|| AppError::validation("action", "Unknown action."))?;
    ctx::services()?
        .job_control(ctx::caller().user, job_id, action)
        .await
}

#[server(prefix = "/api/fn", endpoint = "retry_all_failed")]
pub async fn retry_all_failed() -> Result<Vec<crate::domain::model::PayoutJob>, AppError> {
    ctx::services()?
        .jobs_retry_all_failed(ctx::caller().user)
        .await
}

#[server(prefix = "/api/fn", endpoint = "list_notifications")]
pub async fn list_notifications(
    unread: Option<bool>,
) -> Result<Page<crate::domain::model::Notification>, AppError> {
    let user = crate::service::auth::require_user(ctx::caller().user)?;
    ctx::services()?
        .store
        .inbox(user.id, unread.unwrap_or(false), None, 100)
        .await
}

#[server(prefix = "/api/fn", endpoint = "mark_read")]
pub async fn mark_read(id: i64) -> Result<(), AppError> {
    let user = crate::service::auth::require_user(ctx::caller().user)?;
    let services = ctx::services()?;
    services
        .store
        .inbox_mark_read(user.id, id, services.now_ms())
        .await
}

#[server(prefix = "/api/fn", endpoint = "mark_all_read")]
pub async fn mark_all_read() -> Result<u64, AppError> {
    let user = crate::service::auth::require_user(ctx::caller().user)?;
    let services = ctx::services()?;
    services
        .store
        .inbox_mark_all_read(user.id, services.now_ms())
        .await
}

#[server(prefix = "/api/fn", endpoint = "admin_analytics")]
pub async fn admin_analytics() -> Result<crate::domain::model::Analytics, AppError> {
    ctx::services()?.analytics(ctx::caller().user).await
}
