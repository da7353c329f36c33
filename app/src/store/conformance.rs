//! The store conformance suite: every test runs once on SQLite and once on
//! PostgreSQL (each in a fresh database), and ends with the ledger check.

mod challenges;
mod foundation;
mod ledger_props;
mod payouts;
mod scheduler;
mod warnings;

use super::testing::TestDb;
use super::Backend;

/// Declares each listed async test for both backends:
/// `store::conformance::sqlite::<name>` and `store::conformance::postgres::<name>`.
macro_rules! conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::TestDb::new(super::Backend::Sqlite).await;
                    super::$module::$name(&db).await;
                    super::assert_ledger_ok(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::TestDb::new(super::Backend::Postgres).await;
                    super::$module::$name(&db).await;
                    super::assert_ledger_ok(&db).await;
                }
            )*
        }
    };
}

conformance!(
    foundation::a_user_gets_an_empty_wallet_and_a_taken_name_changes_nothing,
    foundation::a_credit_moves_coins_from_issuance_with_its_audit_row,
    foundation::a_frozen_wallet_takes_no_credit_and_freezing_twice_is_unchanged,
    foundation::sessions_expire_and_end_at_logout,
    foundation::wallet_history_pages_newest_first,
    foundation::user_search_treats_wildcards_literally,
    foundation::no_wallet_goes_below_zero,
    foundation::no_payout_entry_or_stake_is_settled_twice,
    ledger_props::random_credits_and_transfers_keep_the_invariants,
    ledger_props::concurrent_transfers_keep_the_invariants,
    challenges::creating_places_the_creators_stake_in_escrow,
    challenges::stakes_pair_fifo_and_the_first_pair_activates,
    challenges::a_user_cannot_join_twice_nor_overspend_nor_spend_frozen,
    challenges::stakes_stop_at_the_deadline_and_unknown_challenges_are_404,
    challenges::a_direct_challenge_admits_only_the_challenged_user_on_the_other_side,
    challenges::withdrawing_refunds_a_waiting_stake_only,
    challenges::evidence_comes_from_participants_while_active,
    challenges::lists_filter_and_page,
    challenges::concurrent_joins_never_pair_twice_nor_debit_twice,
    scheduler::due_challenges_lock_and_the_unmatched_are_refunded,
    scheduler::each_challenge_locks_at_its_deadline_under_a_test_clock,
    scheduler::after_an_hour_of_downtime_ten_thousand_overdue_lock_at_once,
    scheduler::two_schedulers_lock_ten_thousand_with_no_double_effect,
    payouts::resolving_pays_each_winner_the_pot_less_the_fee,
    payouts::a_second_resolve_or_the_wrong_state_is_refused,
    payouts::a_draw_and_a_cancel_refund_every_stake,
    payouts::a_frozen_winner_fails_alone_and_a_retry_pays_them_once,
    payouts::pause_resume_and_cancel_follow_their_rules,
    payouts::a_worker_that_lost_its_lease_commits_nothing,
    payouts::many_batches_in_parallel_pay_each_winner_once,
    payouts::a_challenge_without_pairs_resolves_to_an_empty_job_that_completes,
    warnings::warnings_go_out_at_their_moment_exactly_once,
    warnings::a_late_joiner_gets_only_the_most_urgent_warning_with_the_real_time_left,
    warnings::a_warning_due_while_down_is_sent_late_only_if_still_the_right_one,
    warnings::the_cooldown_holds_back_a_normal_warning_but_not_the_urgent_one,
    warnings::two_notifiers_send_each_warning_once,
);

pub(crate) async fn assert_ledger_ok(db: &TestDb) {
    let check = db.store.ledger_check().await.expect("ledger check runs");
    assert!(
        check.ok,
        "ledger invariants broken on {:?}: {check:?}",
        db.backend()
    );
}

/// A participant with `coins` in their wallet.
pub(crate) async fn user_with_coins(
    db: &TestDb,
    name: &str,
    coins: i64,
) -> crate::domain::model::User {
    use crate::domain::account::{Registration, Role};
    let reg = Registration::parse(name, "password-123", None).expect("valid registration");
    let user = db
        .store
        .user_create(&reg, "not-a-real-hash", Role::Participant, 1_000)
        .await
        .expect("user");
    if coins > 0 {
        db.store
            .wallet_credit_from_issuance(user.id, user.id, coins, None, 1_000)
            .await
            .expect("credit")
    } else {
        user
    }
}
