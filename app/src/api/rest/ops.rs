//! Operations: health, readiness, Prometheus metrics, the OpenAPI document.

use crate::domain::AppError;
use crate::service::Services;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

pub async fn readyz(State(services): State<Services>) -> Response {
    match services.store.ready().await {
        Ok(()) => Json(json!({"status": "ready", "database": services.store.backend().name()}))
            .into_response(),
        Err(_) => AppError::Unavailable.into_response(),
    }
}

pub async fn metrics() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::render_metrics(),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    Json(crate::api::openapi::document()).into_response()
}

pub async fn unknown_endpoint() -> AppError {
    AppError::not_found("Endpoint")
}
