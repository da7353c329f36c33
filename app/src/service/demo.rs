//! `--demo`: sample users with coins and a few challenges in every early state,
//! so a fresh install has something to look at.

use super::Services;
use crate::domain::account::{Registration, Role};
use crate::domain::challenge::ChallengeDraft;
use crate::domain::time::rfc3339;
use crate::domain::AppError;

pub const DEMO_PASSWORD: &str = "gauntlet-demo";
pub const DEMO_USERS: [(&str, &str); 3] = [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")];
const DEMO_CREDIT_COINS: i64 = 10_000;
const HOUR_MS: i64 = 3_600_000;

/// (creator, title, category, coins, hours to the deadline, creator's side,
/// challenged user, who joins on the other side)
type DemoChallenge = (
    usize,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
    Option<&'static str>,
    Option<usize>,
);
const DEMO_CHALLENGES: [DemoChallenge; 4] = [
    (
        0,
        "Run 10 km before Sunday",
        "fitness",
        100,
        72,
        "yes",
        None,
        Some(1),
    ),
    (
        1,
        "Finish the Rust book this month",
        "learning",
        250,
        24 * 20,
        "yes",
        None,
        None,
    ),
    (
        2,
        "Beat my chess rating of 1500",
        "gaming",
        50,
        48,
        "no",
        Some("alice"),
        Some(0),
    ),
    (
        0,
        "BTC above 100k at the deadline",
        "finance",
        500,
        2,
        "yes",
        None,
        Some(2),
    ),
];

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
        let mut users = Vec::new();
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
            users.push(user);
        }
        for (creator, title, category, coins, hours, side, challenged, joiner) in DEMO_CHALLENGES {
            let draft = ChallengeDraft {
                title: title.into(),
                description: "A sample challenge of the demo.".into(),
                category: category.into(),
                amount: coins.to_string(),
                due_at: rfc3339(self.now_ms() + hours * HOUR_MS),
                side: side.into(),
                challenged_username: challenged.map(str::to_string),
            };
            let challenge = self
                .challenge_create(Some(users[creator].clone()), &draft, 0)
                .await?;
            if let Some(joiner) = joiner {
                let other = if side == "yes" { "no" } else { "yes" };
                self.challenge_join(Some(users[joiner].clone()), challenge.id, other)
                    .await?;
            }
        }
        println!("  Demo users: alice, bob, carol — password: {DEMO_PASSWORD}");
        Ok(())
    }
}
