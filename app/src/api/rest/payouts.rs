//! `/api/v1/admin/challenges*` (Awaiting, resolve, cancel) and `/api/v1/admin/payout-jobs*`.

use crate::api::extract::{ApiJson, ApiQuery, Id, OptionalJson};
use crate::api::session::Caller;
use crate::domain::model::JobAction;
use crate::domain::model::{Challenge, Page, PayoutEntry, PayoutJob};
use crate::domain::payout::SettlementPreview;
use crate::domain::AppError;
use crate::service::Services;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// `yes`, `no` or `draw`.
    pub result: String,
    pub notes: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub notes: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/admin/challenges", params(StatusQuery),
    responses((status = 200, description = "{items: [Challenge], next_cursor}; status=pending_admin is the Awaiting tab, oldest first")))]
pub async fn challenges(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> Result<Json<Page<Challenge>>, AppError> {
    Ok(Json(
        services
            .admin_challenges(
                caller.user,
                q.status.as_deref(),
                q.cursor.as_deref(),
                q.limit,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/challenges/{id}/preview", responses((status = 200, body = SettlementPreview)))]
pub async fn preview(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<SettlementPreview>, AppError> {
    Ok(Json(services.settlement_preview(caller.user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/challenges/{id}/resolve", request_body = ResolveRequest,
    responses((status = 202, body = PayoutJob), (status = 409, description = "not awaiting a result"), (status = 422)))]
pub async fn resolve(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> Result<(StatusCode, Json<PayoutJob>), AppError> {
    let job = services
        .resolve(caller.user, id, &body.result, body.notes.as_deref())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

#[utoipa::path(post, path = "/api/v1/admin/challenges/{id}/cancel", request_body = CancelRequest,
    responses((status = 202, body = PayoutJob), (status = 409)))]
pub async fn cancel(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
    OptionalJson(body): OptionalJson<CancelRequest>,
) -> Result<(StatusCode, Json<PayoutJob>), AppError> {
    let job = services
        .cancel_challenge(caller.user, id, body.notes.as_deref())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

#[utoipa::path(get, path = "/api/v1/admin/payout-jobs", params(StatusQuery),
    responses((status = 200, description = "{items: [PayoutJob], next_cursor}")))]
pub async fn jobs(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> Result<Json<Page<PayoutJob>>, AppError> {
    Ok(Json(
        services
            .jobs(
                caller.user,
                q.status.as_deref(),
                q.cursor.as_deref(),
                q.limit,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/payout-jobs/{id}", responses((status = 200, body = PayoutJob), (status = 404)))]
pub async fn job(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<PayoutJob>, AppError> {
    Ok(Json(services.job_view(caller.user, id).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/payout-jobs/{id}/entries", params(StatusQuery),
    responses((status = 200, description = "{items: [PayoutEntry], next_cursor}")))]
pub async fn entries(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> Result<Json<Page<PayoutEntry>>, AppError> {
    Ok(Json(
        services
            .job_entries(
                caller.user,
                id,
                q.status.as_deref(),
                q.cursor.as_deref(),
                q.limit,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/payout-jobs/{id}/{action}",
    params(("action" = String, Path, description = "pause, resume, retry or cancel")),
    responses((status = 200, body = PayoutJob), (status = 409, description = "not allowed now")))]
pub async fn control(
    State(services): State<Services>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<PayoutJob>, AppError> {
    let id: i64 = id
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::not_found("Payout job"))?;
    let action = JobAction::parse(&action).ok_or_else(|| AppError::not_found("Endpoint"))?;
    Ok(Json(services.job_control(caller.user, id, action).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/payout-jobs/retry-failed",
    responses((status = 200, description = "{items: [PayoutJob]} re-queued")))]
pub async fn retry_failed(
    State(services): State<Services>,
    caller: Caller,
) -> Result<Json<Page<PayoutJob>>, AppError> {
    let items = services.jobs_retry_all_failed(caller.user).await?;
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(get, path = "/api/v1/admin/analytics", responses((status = 200, body = crate::domain::model::Analytics)))]
pub async fn analytics(
    State(services): State<Services>,
    caller: Caller,
) -> Result<Json<crate::domain::model::Analytics>, AppError> {
    Ok(Json(services.analytics(caller.user).await?))
}
