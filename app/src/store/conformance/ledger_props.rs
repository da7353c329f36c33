//! Property tests: random sequences of credits and transfers, alone and
//! concurrently, never break the invariants of SPEC §2.

use super::foundation::wallet_id;
use super::user_with_coins;
use crate::domain::model::TxKind;
use crate::store::ledger::{ledger_move, Movement};
use crate::store::testing::TestDb;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Op {
    Credit { user: usize, coins: i64 },
    Transfer { from: usize, to: usize, coins: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4, 1i64..500).prop_map(|(user, coins)| Op::Credit { user, coins }),
        (0usize..4, 0usize..4, 1i64..800).prop_map(|(from, to, coins)| Op::Transfer {
            from,
            to,
            coins
        }),
    ]
}

async fn transfer(db: &TestDb, from: i64, to: i64, coins: i64) -> bool {
    let Ok(mut tx) = db.store.begin().await else {
        return false;
    };
    let m = Movement {
        kind: TxKind::Stake,
        from_account: from,
        to_account: to,
        amount_coins: coins,
        challenge_id: None,
        stake_id: None,
        memo: None,
    };
    match ledger_move(&mut tx, &m, 1).await {
        Ok(_) => tx.commit().await.is_ok(),
        Err(_) => false,
    }
}

/// Each generated sequence runs on the same database; a model of the balances
/// predicts every outcome, and the ledger check must hold after every step.
pub async fn random_credits_and_transfers_keep_the_invariants(db: &TestDb) {
    let mut users = Vec::new();
    for i in 0..4 {
        let u = user_with_coins(db, &format!("prop{i}"), 0).await;
        users.push((u.id, wallet_id(db, u.id).await));
    }
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(op(), 1..12);
    let handle = tokio::runtime::Handle::current();
    let model: std::sync::Mutex<HashMap<i64, i64>> = Default::default();
    let result = runner.run(&strategy, |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                for op in ops {
                    match op {
                        Op::Credit { user, coins } => {
                            let (uid, wallet) = users[user];
                            db.store
                                .wallet_credit_from_issuance(uid, uid, coins, None, 1)
                                .await
                                .expect("credit");
                            *model.lock().unwrap().entry(wallet).or_default() += coins;
                        }
                        Op::Transfer { from, to, coins } => {
                            let (wf, wt) = (users[from].1, users[to].1);
                            let have = *model.lock().unwrap().get(&wf).unwrap_or(&0);
                            let expect_ok = wf != wt && have >= coins;
                            let ok = transfer(db, wf, wt, coins).await;
                            prop_assert_eq!(
                                ok,
                                expect_ok,
                                "transfer {} of {} with {}",
                                coins,
                                wf,
                                have
                            );
                            if ok {
                                let mut m = model.lock().unwrap();
                                *m.entry(wf).or_default() -= coins;
                                *m.entry(wt).or_default() += coins;
                            }
                        }
                    }
                    let check = db.store.ledger_check().await.expect("check");
                    prop_assert!(check.ok, "{:?}", check);
                }
                for (_, wallet) in &users {
                    let balance = db.store.account_balance(*wallet).await.expect("balance");
                    prop_assert_eq!(balance, *model.lock().unwrap().get(wallet).unwrap_or(&0));
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Many tasks move coins between the same few wallets at once (real parallelism on
/// PostgreSQL, queued writers on SQLite): no coin is created or lost.
pub async fn concurrent_transfers_keep_the_invariants(db: &TestDb) {
    let mut wallets = Vec::new();
    for i in 0..5 {
        let u = user_with_coins(db, &format!("conc{i}"), 1_000).await;
        wallets.push(wallet_id(db, u.id).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..16usize {
        let store_db = db.store.clone();
        let wallets = wallets.clone();
        tasks.spawn(async move {
            let mut ok = 0;
            for i in 0..25usize {
                let from = wallets[(t + i) % 5];
                let to = wallets[(t * 3 + i * 7 + 1) % 5];
                if from == to {
                    continue;
                }
                let coins = ((t * 31 + i * 17) % 400 + 1) as i64;
                let Ok(mut tx) = store_db.begin().await else {
                    continue;
                };
                let m = Movement {
                    kind: TxKind::Stake,
                    from_account: from,
                    to_account: to,
                    amount_coins: coins,
                    challenge_id: None,
                    stake_id: None,
                    memo: None,
                };
                if ledger_move(&mut tx, &m, 1).await.is_ok() && tx.commit().await.is_ok() {
                    ok += 1;
                }
            }
            ok
        });
    }
    let mut moved = 0;
    while let Some(r) = tasks.join_next().await {
        moved += r.expect("task");
    }
    assert!(moved > 0, "some transfers must succeed");
    let check = db.store.ledger_check().await.unwrap();
    assert!(check.ok, "{check:?}");
    let mut total = 0;
    for w in &wallets {
        let b = db.store.account_balance(*w).await.unwrap();
        assert!(b >= 0);
        total += b;
    }
    assert_eq!(
        total, 5_000,
        "coins are conserved across {moved} concurrent transfers"
    );
}
