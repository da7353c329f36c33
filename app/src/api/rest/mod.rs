//! The REST API under `/api/v1` (API.md): thin handlers over the services.

pub mod admin;
pub mod auth;
pub mod challenges;
pub mod notifications;
pub mod ops;
pub mod payouts;

use crate::service::Services;
use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Services: FromRef<S>,
{
    Router::new()
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/me/transactions", get(auth::my_transactions))
        .route(
            "/api/v1/challenges",
            get(challenges::list).post(challenges::create),
        )
        .route("/api/v1/challenges/{id}", get(challenges::get))
        .route("/api/v1/challenges/{id}/join", post(challenges::join))
        .route(
            "/api/v1/challenges/{id}/stake",
            axum::routing::delete(challenges::withdraw),
        )
        .route(
            "/api/v1/challenges/{id}/evidence",
            get(challenges::evidence_list).post(challenges::evidence_add),
        )
        .route("/api/v1/admin/challenges", get(payouts::challenges))
        .route(
            "/api/v1/admin/challenges/{id}/preview",
            get(payouts::preview),
        )
        .route(
            "/api/v1/admin/challenges/{id}/resolve",
            post(payouts::resolve),
        )
        .route(
            "/api/v1/admin/challenges/{id}/cancel",
            post(payouts::cancel),
        )
        .route("/api/v1/admin/analytics", get(payouts::analytics))
        .route("/api/v1/admin/payout-jobs", get(payouts::jobs))
        .route(
            "/api/v1/admin/payout-jobs/retry-failed",
            post(payouts::retry_failed),
        )
        .route("/api/v1/admin/payout-jobs/{id}", get(payouts::job))
        .route(
            "/api/v1/admin/payout-jobs/{id}/entries",
            get(payouts::entries),
        )
        .route(
            "/api/v1/admin/payout-jobs/{id}/{action}",
            post(payouts::control),
        )
        .route("/api/v1/notifications", get(notifications::list))
        .route(
            "/api/v1/notifications/read-all",
            post(notifications::read_all),
        )
        .route("/api/v1/notifications/{id}/read", post(notifications::read))
        .route("/api/v1/events", get(notifications::events))
        .route("/api/v1/admin/users", get(admin::users))
        .route("/api/v1/admin/users/{id}/credit", post(admin::credit))
        .route("/api/v1/admin/users/{id}/freeze", post(admin::freeze))
        .route("/api/v1/admin/users/{id}/unfreeze", post(admin::unfreeze))
        .route("/api/v1/admin/audit", get(admin::audit))
        .route("/api/v1/admin/ledger/check", get(admin::ledger_check))
        .route("/api/v1/openapi.json", get(ops::openapi))
        .route("/api/v1/{*rest}", axum::routing::any(ops::unknown_endpoint))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
