//! `--demo`: sample users with coins, so a fresh install has something to look at.

use super::Services;
use crate::domain::account::{Registration, Role};
use crate::domain::AppError;

pub const DEMO_PASSWORD: &str = "gauntlet-demo";
pub const DEMO_USERS: [(&str, &str); 3] = [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")];
const DEMO_CREDIT_COINS: i64 = 10_000;

impl Services {
    /// Idempotent: does nothing once the first demo user exists.
    pub async fn seed_demo(&self) -> Result<(), AppError> {
        if self
            .store
            .user_by_username(DEMO_USERS[0].0)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let admin_id: Option<i64> =
            sqlx::query_scalar("SELECT MIN(id) FROM users WHERE role = 'admin'")
                .fetch_one(self.store.read_pool())
                .await?;
        let admin_id =
            admin_id.ok_or_else(|| AppError::internal("the demo needs an admin to credit from"))?;
        let hash = super::auth::hash_password(DEMO_PASSWORD.to_string()).await?;
        for (username, name) in DEMO_USERS {
            let reg = Registration::parse(username, DEMO_PASSWORD, Some(name))?;
            let user = self
                .store
                .user_create(&reg, &hash, Role::Participant, self.now_ms())
                .await?;
            self.store
                .wallet_credit_from_issuance(
                    admin_id,
                    user.id,
                    DEMO_CREDIT_COINS,
                    Some("demo coins"),
                    self.now_ms(),
                )
                .await?;
        }
        println!("  Demo users: alice, bob, carol — password: {DEMO_PASSWORD}");
        Ok(())
    }
}
