//! The one error type of the product. It crosses the wire (server functions and
//! REST) so the browser can show each failure next to the field it concerns.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, for forms.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    #[error("{detail}")]
    BadRequest { detail: String },
    #[error("{}", validation_summary(errors))]
    Validation { errors: FieldErrors },
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("Wrong username or password.")]
    InvalidCredentials,
    #[error("{detail}")]
    Forbidden { detail: String },
    #[error("{what} not found.")]
    NotFound { what: String },
    #[error("{detail}")]
    InvalidState { detail: String },
    #[error("You already hold a stake in this challenge.")]
    AlreadyJoined,
    #[error("{detail}")]
    Conflict { detail: String },
    #[error("The request body is larger than 64 KiB.")]
    PayloadTooLarge,
    #[error(
        "Insufficient funds: this needs {needed_coins} coins, the wallet holds {available_coins}."
    )]
    InsufficientFunds {
        needed_coins: i64,
        available_coins: i64,
    },
    #[error("This wallet is frozen; an admin must unfreeze it first.")]
    WalletFrozen,
    #[error("Too many attempts; try again in {retry_after_secs} s.")]
    RateLimited { retry_after_secs: u64 },
    #[error("The database is unavailable; try again shortly.")]
    Unavailable,
    #[error("Internal error: {detail}")]
    Internal { detail: String },
}

fn validation_summary(errors: &FieldErrors) -> String {
    match errors.len() {
        0 => "The input is invalid.".to_string(),
        1 => errors.values().next().cloned().unwrap_or_default(),
        n => format!("{n} fields are invalid."),
    }
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), message.into());
        AppError::Validation { errors }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        AppError::Forbidden {
            detail: detail.into(),
        }
    }

    pub fn invalid_state(detail: impl Into<String>) -> Self {
        AppError::InvalidState {
            detail: detail.into(),
        }
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        AppError::Internal {
            detail: detail.into(),
        }
    }

    /// The stable machine-readable word of API.md.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Validation { .. } => "validation",
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden { .. } => "forbidden",
            AppError::NotFound { .. } => "not_found",
            AppError::InvalidState { .. } => "invalid_state",
            AppError::AlreadyJoined => "already_joined",
            AppError::Conflict { .. } => "conflict",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::InsufficientFunds { .. } => "insufficient_funds",
            AppError::WalletFrozen => "wallet_frozen",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal { .. } => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest { .. } => 400,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound { .. } => 404,
            AppError::InvalidState { .. } | AppError::AlreadyJoined | AppError::Conflict { .. } => {
                409
            }
            AppError::PayloadTooLarge => 413,
            AppError::Validation { .. }
            | AppError::InsufficientFunds { .. }
            | AppError::WalletFrozen => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.status() {
            400 => "Bad request",
            401 => "Not signed in",
            403 => "Forbidden",
            404 => "Not found",
            409 => "Conflict",
            413 => "Payload too large",
            422 => "Unprocessable content",
            429 => "Too many requests",
            503 => "Service unavailable",
            _ => "Internal server error",
        }
    }

    /// The message for one form field, if this error names it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation { errors } => errors.get(name).cloned(),
            _ => None,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(detail) | E::MissingArg(detail) => AppError::BadRequest { detail },
            E::Request(_) => AppError::Unavailable,
            other => AppError::Internal {
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_contract() {
        assert_eq!(AppError::AlreadyJoined.status(), 409);
        assert_eq!(AppError::AlreadyJoined.code(), "already_joined");
        assert_eq!(AppError::WalletFrozen.status(), 422);
        let e = AppError::InsufficientFunds {
            needed_coins: 5,
            available_coins: 1,
        };
        assert_eq!((e.status(), e.code()), (422, "insufficient_funds"));
        assert_eq!(AppError::Unavailable.status(), 503);
    }

    #[test]
    fn a_validation_error_names_its_fields_and_round_trips() {
        let e = AppError::validation("title", "Title is required.");
        assert_eq!(e.field("title").as_deref(), Some("Title is required."));
        assert_eq!(e.field("amount"), None);
        assert_eq!(e.to_string(), "Title is required.");
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"code\":\"validation\""), "{json}");
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
    }
}
