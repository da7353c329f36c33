//! `/api/v1/admin/*` for users, the audit log and the ledger check.

use super::PageQuery;
use crate::api::extract::{ApiJson, ApiQuery, Id};
use crate::api::session::Caller;
use crate::domain::model::{AuditEntry, LedgerCheck, Page, User};
use crate::domain::AppError;
use crate::service::Services;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditRequest {
    pub amount: i64,
    pub memo: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/admin/users", params(UsersQuery),
    responses((status = 200, description = "{items: [User], next_cursor}"), (status = 403)))]
pub async fn users(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<Json<Page<User>>, AppError> {
    Ok(Json(
        services
            .admin_users(caller.user, q.q.as_deref(), q.cursor.as_deref(), q.limit)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/users/{id}/credit", request_body = CreditRequest,
    responses((status = 200, body = User), (status = 404), (status = 422)))]
pub async fn credit(
    State(services): State<Services>,
    caller: Caller,
    Id(user_id): Id,
    ApiJson(body): ApiJson<CreditRequest>,
) -> Result<Json<User>, AppError> {
    Ok(Json(
        services
            .admin_credit(caller.user, user_id, body.amount, body.memo.as_deref())
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/users/{id}/freeze", responses((status = 200, body = User), (status = 409)))]
pub async fn freeze(
    State(services): State<Services>,
    caller: Caller,
    Id(user_id): Id,
) -> Result<Json<User>, AppError> {
    Ok(Json(
        services
            .admin_set_frozen(caller.user, user_id, true)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unfreeze", responses((status = 200, body = User), (status = 409)))]
pub async fn unfreeze(
    State(services): State<Services>,
    caller: Caller,
    Id(user_id): Id,
) -> Result<Json<User>, AppError> {
    Ok(Json(
        services
            .admin_set_frozen(caller.user, user_id, false)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/audit", params(PageQuery),
    responses((status = 200, description = "{items: [AuditEntry], next_cursor}")))]
pub async fn audit(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<AuditEntry>>, AppError> {
    Ok(Json(
        services
            .admin_audit(caller.user, q.cursor.as_deref(), q.limit)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/ledger/check", responses((status = 200, body = LedgerCheck)))]
pub async fn ledger_check(
    State(services): State<Services>,
    caller: Caller,
) -> Result<Json<LedgerCheck>, AppError> {
    Ok(Json(services.admin_ledger_check(caller.user).await?))
}
