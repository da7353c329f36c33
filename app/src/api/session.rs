//! Who is asking: the session cookie or a bearer token, resolved once per request
//! by a middleware and read by REST handlers, server functions and pages alike.

use crate::domain::model::User;
use crate::domain::AppError;
use crate::service::auth::{SESSION_COOKIE, SESSION_TTL_MS};
use crate::service::Services;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::Cookie;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    None,
    Cookie,
    Bearer,
}

/// The resolved caller, stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<User>,
    pub method: AuthMethod,
    pub token: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller {
            user: None,
            method: AuthMethod::None,
            token: None,
        }
    }
}

pub fn session_token(headers: &HeaderMap) -> (Option<String>, AuthMethod) {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return (Some(bearer.trim().to_string()), AuthMethod::Bearer);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| Cookie::parse(c.trim().to_string()).ok())
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string());
    match cookie {
        Some(token) => (Some(token), AuthMethod::Cookie),
        None => (None, AuthMethod::None),
    }
}

/// Resolves the caller and enforces the same-origin rule for cookie-authenticated
/// writes (SameSite=Lax alone still lets a same-site subdomain post).
pub async fn resolve_caller(
    State(services): State<Services>,
    mut req: Request,
    next: Next,
) -> Response {
    let (token, method) = session_token(req.headers());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && method != AuthMethod::Bearer && !same_origin(req.headers()) {
        let has_origin = req.headers().contains_key(header::ORIGIN);
        // A write that carries a session cookie must prove it came from our pages;
        // one without a cookie may omit Origin (API clients), but not name another site.
        if method == AuthMethod::Cookie || has_origin {
            return AppError::forbidden(
                "Cross-origin request refused: send a same-origin Origin header.",
            )
            .into_response();
        }
    }
    let caller = match token {
        Some(token) => match services.session_user(&token).await {
            Ok(user) => Caller {
                user,
                method,
                token: Some(token),
            },
            Err(e) => return e.into_response(),
        },
        None => Caller::anonymous(),
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// `Origin` names the same host (and port) the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split("://").nth(1).unwrap_or_default();
            origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Caller::anonymous))
    }
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    cookie_header(token, SESSION_TTL_MS / 1000, secure)
}

pub fn clear_session_cookie(secure: bool) -> String {
    cookie_header("", 0, secure)
}

fn cookie_header(value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    )
}

/// The caller inside a server function or a page being rendered on the server.
pub fn caller_in_context() -> Caller {
    leptos::prelude::use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .unwrap_or_else(Caller::anonymous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_the_token_in_a_bearer_header_or_the_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; gauntlet_session=tok123; b=2"),
        );
        assert_eq!(
            session_token(&h),
            (Some("tok123".into()), AuthMethod::Cookie)
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(session_token(&h), (Some("abc".into()), AuthMethod::Bearer));
        assert_eq!(session_token(&HeaderMap::new()), (None, AuthMethod::None));
    }

    #[test]
    fn same_origin_compares_host_and_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3001"),
        );
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
    }

    #[test]
    fn the_session_cookie_is_http_only_and_lax() {
        let c = session_cookie("tok", false);
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
            "{c}"
        );
        assert!(!c.contains("Secure"));
        assert!(session_cookie("tok", true).contains("Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }
}
