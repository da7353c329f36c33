//! Settlement arithmetic (SPEC §6), used by the resolve preview and by the payout
//! engine alike, so what the admin is shown is what the engine pays.

use super::challenge::Outcome;
use serde::{Deserialize, Serialize};

pub const BPS_DENOMINATOR: i64 = 10_000;

/// What settling one challenge with one outcome moves out of its escrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Settlement {
    /// Entries the job will pay: one per winning stake, or one per refunded stake.
    pub entries: i64,
    pub amount_per_entry_coins: i64,
    /// Fee taken per entry (per pair for a payout; zero for refunds).
    pub fee_per_entry_coins: i64,
    /// Coins the settled stakes hold in escrow.
    pub pot_coins: i64,
    pub paid_coins: i64,
    pub fee_coins: i64,
}

impl Settlement {
    /// pot = payouts + fee: escrow ends at exactly zero for the settled stakes.
    pub fn balances(&self) -> bool {
        self.pot_coins == self.paid_coins + self.fee_coins
    }
}

pub fn fee_per_pair_coins(stake_coins: i64, fee_bps: i64) -> i64 {
    let pot = i128::from(stake_coins) * 2;
    (pot * i128::from(fee_bps) / i128::from(BPS_DENOMINATOR)) as i64
}

/// What each outcome would pay, shown to the admin before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SettlementPreview {
    pub yes: Settlement,
    pub no: Settlement,
    pub draw: Settlement,
    pub cancel: Settlement,
    pub fee_bps: i64,
}

/// Resolving with `outcome`: each matched pair's winner receives pot − fee; a draw
/// refunds every matched stake in full.
pub fn settle(outcome: Outcome, stake_coins: i64, matched_pairs: i64, fee_bps: i64) -> Settlement {
    match outcome.winning_side() {
        Some(_) => {
            let fee = fee_per_pair_coins(stake_coins, fee_bps);
            let per_winner = stake_coins * 2 - fee;
            Settlement {
                entries: matched_pairs,
                amount_per_entry_coins: per_winner,
                fee_per_entry_coins: fee,
                pot_coins: stake_coins * 2 * matched_pairs,
                paid_coins: per_winner * matched_pairs,
                fee_coins: fee * matched_pairs,
            }
        }
        None => refund(stake_coins, matched_pairs * 2),
    }
}

/// Cancelling (or a draw): every stake still in escrow comes back whole, no fee.
pub fn refund(stake_coins: i64, stakes: i64) -> Settlement {
    Settlement {
        entries: stakes,
        amount_per_entry_coins: stake_coins,
        fee_per_entry_coins: 0,
        pot_coins: stake_coins * stakes,
        paid_coins: stake_coins * stakes,
        fee_coins: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_fee_is_five_percent_of_the_pot_rounded_down() {
        let s = settle(Outcome::Yes, 100, 3, 500);
        assert_eq!(s.amount_per_entry_coins, 190);
        assert_eq!(s.fee_per_entry_coins, 10);
        assert_eq!(
            (s.entries, s.pot_coins, s.paid_coins, s.fee_coins),
            (3, 600, 570, 30)
        );
        assert!(s.balances());
        // floor: a pot of 2 at 5% has no fee at all
        assert_eq!(settle(Outcome::No, 1, 1, 500).fee_coins, 0);
        assert_eq!(settle(Outcome::No, 11, 1, 500).fee_coins, 1);
    }

    #[test]
    fn a_draw_refunds_both_sides_in_full() {
        let s = settle(Outcome::Draw, 50, 4, 500);
        assert_eq!(
            (
                s.entries,
                s.amount_per_entry_coins,
                s.fee_coins,
                s.paid_coins
            ),
            (8, 50, 0, 400)
        );
        assert!(s.balances());
    }

    #[test]
    fn no_pairs_pays_nothing() {
        let s = settle(Outcome::Yes, 100, 0, 500);
        assert_eq!((s.entries, s.pot_coins, s.paid_coins), (0, 0, 0));
    }

    proptest! {
        #[test]
        fn every_settlement_empties_what_it_settles(
            stake in 1i64..=1_000_000, pairs in 0i64..=1_000_000, bps in 0i64..=10_000, o in 0usize..3
        ) {
            let outcome = [Outcome::Yes, Outcome::No, Outcome::Draw][o];
            let s = settle(outcome, stake, pairs, bps);
            prop_assert!(s.balances());
            prop_assert!(s.amount_per_entry_coins >= 0 && s.fee_coins >= 0);
            prop_assert!(s.fee_per_entry_coins <= stake * 2);
        }
    }
}
