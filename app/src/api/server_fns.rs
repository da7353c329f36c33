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
        leptos::prelude::use_context::<Services>().ok_or_else(|| AppError::internal("services are not in context"))
    }

    pub fn caller() -> Caller {
        caller_in_context()
    }

    pub fn set_cookie(cookie: &str) {
        if let (Some(opts), Ok(value)) =
            (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(cookie))
        {
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

#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    Ok(ctx::caller().user)
}

#[server(prefix = "/api/fn", endpoint = "login")]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<User, AppError> {
    let services = ctx::services()?;
    let (user, token) = services.login(&username, &password, ctx::peer_ip()).await?;
    ctx::set_cookie(&crate::api::session::session_cookie(&token, services.config.session_secure_cookie));
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
    let user = services.register(&username, &password, display_name.as_deref()).await?;
    let (user, token) = services.login(&user.username, &password, ctx::peer_ip()).await?;
    ctx::set_cookie(&crate::api::session::session_cookie(&token, services.config.session_secure_cookie));
    leptos_axum::redirect("/me");
    Ok(user)
}

#[server(prefix = "/api/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let services = ctx::services()?;
    if let Some(token) = ctx::caller().token {
        services.logout(&token).await?;
    }
    ctx::set_cookie(&crate::api::session::clear_session_cookie(services.config.session_secure_cookie));
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
pub async fn admin_users(q: Option<String>, cursor: Option<String>) -> Result<Page<User>, AppError> {
    ctx::services()?.admin_users(ctx::caller().user, q.as_deref(), cursor.as_deref(), Some(50)).await
}

#[server(prefix = "/api/fn", endpoint = "admin_credit")]
pub async fn admin_credit(user_id: i64, amount: String, memo: Option<String>) -> Result<User, AppError> {
    let amount: i64 = amount
        .trim()
        .parse()
        .map_err(|_| AppError::validation("amount", "Amount must be a whole number of coins."))?;
    ctx::services()?.admin_credit(ctx::caller().user, user_id, amount, memo.as_deref()).await
}

#[server(prefix = "/api/fn", endpoint = "admin_set_frozen")]
pub async fn admin_set_frozen(user_id: i64, frozen: bool) -> Result<User, AppError> {
    ctx::services()?.admin_set_frozen(ctx::caller().user, user_id, frozen).await
}

#[server(prefix = "/api/fn", endpoint = "admin_audit")]
pub async fn admin_audit(cursor: Option<String>) -> Result<Page<AuditEntry>, AppError> {
    ctx::services()?.admin_audit(ctx::caller().user, cursor.as_deref(), Some(100)).await
}

#[server(prefix = "/api/fn", endpoint = "admin_ledger_check")]
pub async fn admin_ledger_check() -> Result<LedgerCheck, AppError> {
    ctx::services()?.admin_ledger_check(ctx::caller().user).await
}

#[server(prefix = "/api/fn", endpoint = "list_challenges")]
pub async fn list_challenges(
    status: Option<String>,
    category: Option<String>,
    mine: Option<bool>,
    cursor: Option<String>,
) -> Result<Page<crate::domain::model::Challenge>, AppError> {
    let caller = ctx::caller();
    let query = crate::service::challenges::ListQuery { status, category, mine: mine.unwrap_or(false), cursor, limit: Some(24) };
    ctx::services()?.challenges_list(caller.user.as_ref(), &query).await
}

#[server(prefix = "/api/fn", endpoint = "get_challenge")]
pub async fn get_challenge(id: i64) -> Result<crate::domain::model::Challenge, AppError> {
    ctx::services()?.challenge_view(ctx::caller().user.as_ref(), id).await
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
    let draft = crate::domain::challenge::ChallengeDraft { title, description, category, amount, due_at, side, challenged_username };
    let offset = tz_offset_min.unwrap_or(0).clamp(-14 * 60, 14 * 60);
    let challenge = ctx::services()?.challenge_create(ctx::caller().user, &draft, offset).await?;
    leptos_axum::redirect(&format!("/challenges/{}", challenge.id));
    Ok(challenge)
}

#[server(prefix = "/api/fn", endpoint = "join_challenge")]
pub async fn join_challenge(challenge_id: i64, side: String) -> Result<crate::domain::model::Stake, AppError> {
    ctx::services()?.challenge_join(ctx::caller().user, challenge_id, &side).await
}

#[server(prefix = "/api/fn", endpoint = "withdraw_stake")]
pub async fn withdraw_stake(challenge_id: i64) -> Result<crate::domain::model::Stake, AppError> {
    ctx::services()?.stake_withdraw(ctx::caller().user, challenge_id).await
}

#[server(prefix = "/api/fn", endpoint = "list_evidence")]
pub async fn list_evidence(challenge_id: i64) -> Result<Page<crate::domain::model::Evidence>, AppError> {
    ctx::services()?.evidence_list(challenge_id, None, Some(200)).await
}

#[server(prefix = "/api/fn", endpoint = "add_evidence")]
pub async fn add_evidence(challenge_id: i64, text: String, url: Option<String>) -> Result<crate::domain::model::Evidence, AppError> {
    ctx::services()?.evidence_add(ctx::caller().user, challenge_id, &text, url.as_deref()).await
}
