//! `/api/v1/auth/*` and `/api/v1/me*`.

use super::PageQuery;
use crate::api::extract::{ApiJson, ApiQuery, PeerIp};
use crate::api::session::{clear_session_cookie, session_cookie, Caller};
use crate::domain::model::{decode_cursor, page_limit, LedgerTx, Page, User};
use crate::domain::AppError;
use crate::service::auth::require_user;
use crate::service::Services;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/register", request_body = RegisterRequest,
    responses((status = 201, body = User), (status = 422, description = "validation")))]
pub async fn register(
    State(services): State<Services>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let user = services
        .register(&body.username, &body.password, body.display_name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = User), (status = 401, description = "bad credentials"), (status = 429, description = "rate limited")))]
pub async fn login(
    State(services): State<Services>,
    PeerIp(address): PeerIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let (user, token) = services
        .login(&body.username, &body.password, address)
        .await?;
    let cookie = session_cookie(&token, services.config.session_secure_cookie);
    Ok(([(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
pub async fn logout(
    State(services): State<Services>,
    caller: Caller,
) -> Result<Response, AppError> {
    if let Some(token) = &caller.token {
        services.logout(token).await?;
    }
    let cookie = clear_session_cookie(services.config.session_secure_cookie);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = User), (status = 401)))]
pub async fn me(caller: Caller) -> Result<Json<User>, AppError> {
    Ok(Json(require_user(caller.user)?))
}

#[utoipa::path(get, path = "/api/v1/me/transactions", params(PageQuery),
    responses((status = 200, description = "{items: [LedgerTx], next_cursor}"), (status = 401)))]
pub async fn my_transactions(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<LedgerTx>>, AppError> {
    let user = require_user(caller.user)?;
    let before = decode_cursor(q.cursor.as_deref())?;
    Ok(Json(
        services
            .store
            .wallet_history(user.id, before, page_limit(q.limit))
            .await?,
    ))
}
