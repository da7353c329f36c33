//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::api::rest;
use crate::domain::model;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gauntlet API",
        description = "Peer-to-peer challenges: accounts, ledger, challenges, payouts, notifications."
    ),
    paths(
        rest::auth::register,
        rest::auth::login,
        rest::auth::logout,
        rest::auth::me,
        rest::auth::my_transactions,
        rest::admin::users,
        rest::admin::credit,
        rest::admin::freeze,
        rest::admin::unfreeze,
        rest::admin::audit,
        rest::admin::ledger_check,
        rest::challenges::list,
        rest::challenges::create,
        rest::challenges::get,
        rest::challenges::join,
        rest::challenges::withdraw,
        rest::challenges::evidence_list,
        rest::challenges::evidence_add,
        rest::payouts::challenges,
        rest::payouts::preview,
        rest::payouts::resolve,
        rest::payouts::cancel,
        rest::notifications::list,
        rest::notifications::read,
        rest::notifications::read_all,
        rest::notifications::events,
        rest::payouts::jobs,
        rest::payouts::job,
        rest::payouts::entries,
        rest::payouts::control,
        rest::payouts::retry_failed,
        rest::payouts::analytics,
    ),
    components(schemas(
        model::User,
        model::LedgerTx,
        model::TxKind,
        model::AuditEntry,
        model::LedgerCheck,
        model::MismatchedAccount,
        crate::domain::account::Role,
        model::Challenge,
        model::Stake,
        model::Evidence,
        crate::domain::challenge::Category,
        crate::domain::challenge::ChallengeStatus,
        crate::domain::challenge::Side,
        crate::domain::challenge::Outcome,
        crate::domain::challenge::StakeStatus,
        rest::challenges::CreateChallengeRequest,
        rest::payouts::ResolveRequest,
        rest::payouts::CancelRequest,
        model::Notification,
        model::Priority,
        model::Analytics,
        model::DayTotals,
        model::PayoutJob,
        model::PayoutEntry,
        model::JobKind,
        model::JobStatus,
        model::EntryStatus,
        crate::domain::payout::SettlementPreview,
        crate::domain::payout::Settlement,
        rest::challenges::JoinRequest,
        rest::challenges::EvidenceRequest,
        rest::auth::RegisterRequest,
        rest::auth::LoginRequest,
        rest::admin::CreditRequest,
    ))
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
