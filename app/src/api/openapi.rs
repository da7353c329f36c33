//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::api::rest;
use crate::domain::model;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Gauntlet API", description = "Peer-to-peer challenges: accounts, ledger, challenges, payouts, notifications."),
    paths(
        rest::auth::register, rest::auth::login, rest::auth::logout, rest::auth::me, rest::auth::my_transactions,
        rest::admin::users, rest::admin::credit, rest::admin::freeze, rest::admin::unfreeze,
        rest::admin::audit, rest::admin::ledger_check,
    ),
    components(schemas(
        model::User, model::LedgerTx, model::TxKind, model::AuditEntry, model::LedgerCheck, model::MismatchedAccount,
        crate::domain::account::Role,
        rest::auth::RegisterRequest, rest::auth::LoginRequest, rest::admin::CreditRequest,
    ))
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
