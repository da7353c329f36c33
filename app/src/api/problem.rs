//! AppError → RFC 9457 problem+json, once for every REST response.

use crate::domain::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

pub fn problem_body(err: &AppError) -> serde_json::Value {
    let mut body = json!({
        "type": format!("/problems/{}", err.code()),
        "title": err.title(),
        "status": err.status(),
        "detail": err.to_string(),
        "code": err.code(),
    });
    if let AppError::Validation { errors } = err {
        body["errors"] = json!(errors);
    }
    if let AppError::InsufficientFunds {
        needed_coins,
        available_coins,
    } = err
    {
        body["needed_coins"] = json!(needed_coins);
        body["available_coins"] = json!(available_coins);
    }
    body
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = self.code(), detail = %self, "request failed");
        }
        let mut response = (
            status,
            serde_json::to_string(&problem_body(&self)).unwrap_or_default(),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if let AppError::RateLimited { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
