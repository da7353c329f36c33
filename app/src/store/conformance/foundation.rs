//! Users, wallets, sessions, credits and the ledger's hard guarantees.

use super::user_with_coins;
use crate::domain::account::{Registration, Role};
use crate::domain::model::TxKind;
use crate::domain::AppError;
use crate::store::accounts::FreezeChange;
use crate::store::ledger::{ledger_move, Movement};
use crate::store::testing::TestDb;

pub async fn a_user_gets_an_empty_wallet_and_a_taken_name_changes_nothing(db: &TestDb) {
    let reg = Registration::parse("alice", "password-123", Some("Alice A")).unwrap();
    let alice = db
        .store
        .user_create(&reg, "h", Role::Participant, 5)
        .await
        .unwrap();
    assert_eq!(
        (alice.balance, alice.frozen, alice.display_name.as_str()),
        (0, false, "Alice A")
    );
    let again = db
        .store
        .user_create(&reg, "h", Role::Admin, 6)
        .await
        .unwrap_err();
    assert!(again.field("username").is_some(), "{again:?}");
    let wallets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE kind = 'wallet'")
        .fetch_one(db.store.read_pool())
        .await
        .unwrap();
    assert_eq!(wallets, 1);
    let found = db.store.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(found, alice);
    assert_eq!(db.store.user_by_id(alice.id + 100).await.unwrap(), None);
}

pub async fn a_credit_moves_coins_from_issuance_with_its_audit_row(db: &TestDb) {
    let bob = user_with_coins(db, "bob", 0).await;
    let after = db
        .store
        .wallet_credit_from_issuance(bob.id, bob.id, 250, Some("welcome"), 10)
        .await
        .unwrap();
    assert_eq!(after.balance, 250);
    let after = db
        .store
        .wallet_credit_from_issuance(bob.id, bob.id, 50, None, 11)
        .await
        .unwrap();
    assert_eq!(after.balance, 300);
    assert_eq!(
        db.store
            .account_balance(db.store.issuance_account_id)
            .await
            .unwrap(),
        -300
    );
    let history = db.store.wallet_history(bob.id, None, 10).await.unwrap();
    assert_eq!(history.items.len(), 2);
    assert_eq!(history.items[0].amount, 50);
    assert_eq!(history.items[0].signed_amount, Some(50));
    assert_eq!(history.items[1].memo.as_deref(), Some("welcome"));
    assert!(history.items.iter().all(|t| t.kind == TxKind::Credit));
    let audit = db.store.audit_list(None, 10).await.unwrap();
    assert_eq!(audit.items.len(), 2);
    assert_eq!(audit.items[0].action, "wallet.credit");
    assert_eq!(audit.items[0].target, format!("user:{}", bob.id));
    let unknown = db
        .store
        .wallet_credit_from_issuance(bob.id, bob.id + 99, 5, None, 12)
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), "not_found");
}

pub async fn a_frozen_wallet_takes_no_credit_and_freezing_twice_is_unchanged(db: &TestDb) {
    let carol = user_with_coins(db, "carol", 100).await;
    let admin = user_with_coins(db, "admin1", 0).await;
    assert_eq!(
        db.store
            .wallet_set_frozen_if_changed(admin.id, carol.id, true, 20)
            .await
            .unwrap(),
        FreezeChange::Changed
    );
    assert_eq!(
        db.store
            .wallet_set_frozen_if_changed(admin.id, carol.id, true, 21)
            .await
            .unwrap(),
        FreezeChange::Unchanged
    );
    let e = db
        .store
        .wallet_credit_from_issuance(admin.id, carol.id, 10, None, 22)
        .await
        .unwrap_err();
    assert_eq!(e, AppError::WalletFrozen);
    let carol_now = db.store.user_by_id(carol.id).await.unwrap().unwrap();
    assert_eq!((carol_now.balance, carol_now.frozen), (100, true));
    assert_eq!(
        db.store
            .wallet_set_frozen_if_changed(admin.id, carol.id, false, 23)
            .await
            .unwrap(),
        FreezeChange::Changed
    );
    assert_eq!(
        db.store
            .wallet_set_frozen_if_changed(admin.id, carol.id, false, 24)
            .await
            .unwrap(),
        FreezeChange::Unchanged
    );
    let actions: Vec<String> = db
        .store
        .audit_list(None, 10)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    // two credits' worth of setup (one) + freeze + unfreeze; the no-ops wrote nothing
    assert_eq!(
        actions,
        vec!["wallet.unfreeze", "wallet.freeze", "wallet.credit"]
    );
}

pub async fn sessions_expire_and_end_at_logout(db: &TestDb) {
    let dan = user_with_coins(db, "dan", 0).await;
    db.store
        .session_create("hash-a", dan.id, 100, 200)
        .await
        .unwrap();
    db.store
        .session_create("hash-b", dan.id, 100, 10_000)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .session_user("hash-a", 150)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(dan.id)
    );
    assert_eq!(
        db.store.session_user("hash-a", 200).await.unwrap(),
        None,
        "expired at its deadline"
    );
    assert_eq!(db.store.session_user("nope", 150).await.unwrap(), None);
    assert_eq!(db.store.sessions_delete_expired(300).await.unwrap(), 1);
    db.store.session_delete("hash-b").await.unwrap();
    assert_eq!(db.store.session_user("hash-b", 150).await.unwrap(), None);
}

pub async fn wallet_history_pages_newest_first(db: &TestDb) {
    let erin = user_with_coins(db, "erin", 0).await;
    for i in 1..=7 {
        db.store
            .wallet_credit_from_issuance(erin.id, erin.id, i, None, i)
            .await
            .unwrap();
    }
    let first = db.store.wallet_history(erin.id, None, 3).await.unwrap();
    assert_eq!(
        first.items.iter().map(|t| t.amount).collect::<Vec<_>>(),
        vec![7, 6, 5]
    );
    let cursor = crate::domain::model::decode_cursor(first.next_cursor.as_deref()).unwrap();
    let second = db.store.wallet_history(erin.id, cursor, 3).await.unwrap();
    assert_eq!(
        second.items.iter().map(|t| t.amount).collect::<Vec<_>>(),
        vec![4, 3, 2]
    );
    let cursor = crate::domain::model::decode_cursor(second.next_cursor.as_deref()).unwrap();
    let last = db.store.wallet_history(erin.id, cursor, 3).await.unwrap();
    assert_eq!(
        last.items.iter().map(|t| t.amount).collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(last.next_cursor, None);
}

pub async fn user_search_treats_wildcards_literally(db: &TestDb) {
    for name in ["frank", "fr_ank", "grace"] {
        user_with_coins(db, name, 0).await;
    }
    let names = |p: crate::domain::model::Page<crate::domain::model::User>| {
        p.items.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    assert_eq!(
        names(db.store.users_search("_", None, 10).await.unwrap()),
        vec!["fr_ank"]
    );
    assert_eq!(
        names(db.store.users_search("FR", None, 10).await.unwrap()),
        vec!["frank", "fr_ank"]
    );
    assert_eq!(
        names(db.store.users_search("%", None, 10).await.unwrap()),
        Vec::<String>::new()
    );
    let page = db.store.users_search("", None, 2).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next_cursor.is_some());
}

pub async fn no_wallet_goes_below_zero(db: &TestDb) {
    let a = user_with_coins(db, "heidi", 10).await;
    let b = user_with_coins(db, "ivan", 0).await;
    let (wa, wb) = (wallet_id(db, a.id).await, wallet_id(db, b.id).await);
    let mut tx = db.store.begin().await.unwrap();
    let m = Movement {
        kind: TxKind::Stake,
        from_account: wa,
        to_account: wb,
        amount_coins: 11,
        challenge_id: None,
        stake_id: None,
        memo: None,
    };
    assert!(
        ledger_move(&mut tx, &m, 5).await.is_err(),
        "the CHECK refuses a negative wallet"
    );
    drop(tx);
    // a raw UPDATE that bypasses the code is refused by the database itself
    let raw = sqlx::query("UPDATE accounts SET balance = -1 WHERE id = $1")
        .bind(wa)
        .execute(db.store.write_pool())
        .await;
    assert!(raw.is_err());
    assert_eq!(
        db.store.user_by_id(a.id).await.unwrap().unwrap().balance,
        10
    );
}

pub async fn no_payout_entry_or_stake_is_settled_twice(db: &TestDb) {
    let a = user_with_coins(db, "judy", 10).await;
    let wa = wallet_id(db, a.id).await;
    let platform = db.store.platform_account_id;
    let insert = |entry: Option<i64>, stake: Option<i64>, kind: &'static str| {
        sqlx::query(
            "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, payout_entry_id, stake_id, created_at_ms) \
             VALUES ($1, $2, $3, 1, $4, $5, 0)",
        )
        .bind(kind)
        .bind(wa)
        .bind(platform)
        .bind(entry)
        .bind(stake)
    };
    let mut tx = db.store.begin().await.unwrap();
    insert(Some(77), None, "payout")
        .execute(&mut *tx)
        .await
        .unwrap();
    let twice = insert(Some(77), None, "payout")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(crate::store::is_unique_violation(&twice), "{twice}");
    drop(tx);
    let mut tx = db.store.begin().await.unwrap();
    insert(None, Some(5), "stake")
        .execute(&mut *tx)
        .await
        .unwrap();
    insert(None, Some(5), "refund")
        .execute(&mut *tx)
        .await
        .unwrap();
    let twice = insert(None, Some(5), "refund")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(crate::store::is_unique_violation(&twice), "{twice}");
    drop(tx); // rolled back: nothing of this stays
}

pub(crate) async fn wallet_id(db: &TestDb, user_id: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM accounts WHERE kind = 'wallet' AND user_id = $1")
        .bind(user_id)
        .fetch_one(db.store.read_pool())
        .await
        .unwrap()
}
