//! `/api/v1/challenges*`.

use crate::api::extract::{ApiJson, ApiQuery, Id};
use crate::api::session::Caller;
use crate::domain::challenge::ChallengeDraft;
use crate::domain::model::{Challenge, Evidence, Page, Stake};
use crate::domain::AppError;
use crate::service::challenges::ListQuery;
use crate::service::Services;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChallengesQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub mine: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChallengeRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub category: String,
    pub amount: i64,
    /// RFC 3339, e.g. `2026-11-28T15:00:00Z`.
    pub due_at: String,
    /// `yes` or `no`: the creator's side.
    pub side: String,
    pub challenged_username: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub side: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/challenges", params(ChallengesQuery),
    responses((status = 200, description = "{items: [Challenge], next_cursor}"), (status = 422)))]
pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ChallengesQuery>,
) -> Result<Json<Page<Challenge>>, AppError> {
    let query = ListQuery {
        status: q.status,
        category: q.category,
        mine: q.mine.unwrap_or(false),
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        services
            .challenges_list(caller.user.as_ref(), &query)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/challenges", request_body = CreateChallengeRequest,
    responses((status = 201, body = Challenge), (status = 401), (status = 422, description = "validation, insufficient_funds, wallet_frozen")))]
pub async fn create(
    State(services): State<Services>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), AppError> {
    let draft = ChallengeDraft {
        title: body.title,
        description: body.description,
        category: body.category,
        amount: body.amount.to_string(),
        due_at: body.due_at,
        side: body.side,
        challenged_username: body.challenged_username,
    };
    let challenge = services.challenge_create(caller.user, &draft, 0).await?;
    Ok((StatusCode::CREATED, Json(challenge)))
}

#[utoipa::path(get, path = "/api/v1/challenges/{id}", responses((status = 200, body = Challenge), (status = 404)))]
pub async fn get(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Challenge>, AppError> {
    Ok(Json(
        services.challenge_view(caller.user.as_ref(), id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/challenges/{id}/join", request_body = JoinRequest,
    responses((status = 201, body = Stake), (status = 403), (status = 409, description = "already_joined, invalid_state"),
        (status = 422, description = "insufficient_funds, wallet_frozen")))]
pub async fn join(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<Stake>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(services.challenge_join(caller.user, id, &body.side).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/challenges/{id}/stake", responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, AppError> {
    services.stake_withdraw(caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/challenges/{id}/evidence", params(EvidenceQuery),
    responses((status = 200, description = "{items: [Evidence], next_cursor}"), (status = 404)))]
pub async fn evidence_list(
    State(services): State<Services>,
    Id(id): Id,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
) -> Result<Json<Page<Evidence>>, AppError> {
    Ok(Json(
        services
            .evidence_list(id, q.cursor.as_deref(), q.limit)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/challenges/{id}/evidence", request_body = EvidenceRequest,
    responses((status = 201, body = Evidence), (status = 403), (status = 409), (status = 422)))]
pub async fn evidence_add(
    State(services): State<Services>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<EvidenceRequest>,
) -> Result<(StatusCode, Json<Evidence>), AppError> {
    let evidence = services
        .evidence_add(caller.user, id, &body.text, body.url.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(evidence)))
}
