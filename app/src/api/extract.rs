//! Extractors whose rejections are problem+json with the status API.md documents:
//! 400 for malformed JSON, 422 for well-formed but invalid values, 413 over 64 KiB,
//! 404 for an id that cannot exist.

use crate::domain::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// `Json<T>` with contract-conforming errors. Request types use
/// `#[serde(deny_unknown_fields)]`, so an unknown field is a 422 too.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest {
            detail: format!("Malformed JSON: {}", e.body_text()),
        },
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let field = field_of_serde_error(&text).unwrap_or_else(|| "body".to_string());
            AppError::validation(&field, text)
        }
        JsonRejection::MissingJsonContentType(_) => AppError::BadRequest {
            detail: "Send the body as JSON with Content-Type: application/json.".into(),
        },
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            AppError::PayloadTooLarge
        }
        other => AppError::BadRequest {
            detail: other.body_text(),
        },
    }
}

/// serde names the culprit as "missing field `x`", "unknown field `x`" or "x: invalid type".
fn field_of_serde_error(text: &str) -> Option<String> {
    if let Some(start) = text.find('`') {
        let rest = &text[start + 1..];
        if let Some(end) = rest.find('`') {
            if text.contains("missing field") || text.contains("unknown field") {
                return Some(rest[..end].to_string());
            }
        }
    }
    let after_colon = text.split("target type: ").nth(1)?;
    let field = after_colon.split(':').next()?.trim();
    (!field.is_empty()
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    .then(|| field.to_string())
}

/// Query strings, with 422 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(AppError::validation("query", e.body_text()))
            }
            Err(e) => Err(AppError::BadRequest {
                detail: e.body_text(),
            }),
        }
    }
}

/// A numeric id in the path; anything else cannot name a record, so 404.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::not_found("Record"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| AppError::not_found("Record"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_serde_complains_about() {
        assert_eq!(field_of_serde_error("Failed to deserialize the JSON body into the target type: missing field `amount` at line 1").as_deref(), Some("amount"));
        assert_eq!(field_of_serde_error("Failed to deserialize the JSON body into the target type: unknown field `admin`, expected one of").as_deref(), Some("admin"));
        assert_eq!(field_of_serde_error("Failed to deserialize the JSON body into the target type: amount: invalid type: string \"x\", expected i64 at line 1 column 14").as_deref(), Some("amount"));
    }
}

/// The client's address, when the server was started with connection info.
pub struct PeerIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|axum::extract::ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// A JSON body that may be left out entirely (then `T::default()`).
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
            || !req.headers().contains_key(axum::http::header::CONTENT_TYPE);
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        let ApiJson(value) = ApiJson::<T>::from_request(req, state).await?;
        Ok(OptionalJson(value))
    }
}
