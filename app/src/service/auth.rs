//! Registration, login, sessions and the role checks every door goes through.

use super::Services;
use crate::domain::account::{Registration, Role};
use crate::domain::model::User;
use crate::domain::time::MS_PER_DAY;
use crate::domain::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::num::NonZeroU32;

pub const SESSION_COOKIE: &str = "gauntlet_session";
pub const SESSION_TTL_MS: i64 = 30 * MS_PER_DAY;
/// Keys remembered before recovered ones are forgotten.
const LIMITER_KEYS_BEFORE_PRUNE: usize = 10_000;

/// Login rate limits per account and per address (in this instance).
pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    pub fn new(per_account_per_min: u32, per_address_per_min: u32) -> LoginLimiter {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
            per_account: RateLimiter::keyed(quota(per_account_per_min)),
            per_address: RateLimiter::keyed(quota(per_address_per_min)),
        }
    }

    fn check(&self, username: &str, address: Option<IpAddr>) -> Result<(), AppError> {
        use governor::clock::{Clock, DefaultClock};
        if self.per_account.len() > LIMITER_KEYS_BEFORE_PRUNE
            || self.per_address.len() > LIMITER_KEYS_BEFORE_PRUNE
        {
            self.prune();
        }
        let now = DefaultClock::default().now();
        let limited = |wait: std::time::Duration| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        };
        if let Some(ip) = address {
            self.per_address
                .check_key(&ip)
                .map_err(|n| limited(n.wait_time_from(now)))?;
        }
        self.per_account
            .check_key(&username.to_string())
            .map_err(|n| limited(n.wait_time_from(now)))?;
        Ok(())
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded.
    pub fn prune(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}

/// A fresh session token (what the cookie holds) and the hash the database keeps.
pub fn new_session_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("hashing a password failed: {e}")))
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows: verifying against it when the user does not exist
/// keeps unknown usernames from answering faster than wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

impl Services {
    pub async fn register(
        &self,
        username: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<User, AppError> {
        let reg = Registration::parse(username, password, display_name)?;
        let hash = hash_password(reg.password.clone()).await?;
        self.store
            .user_create(&reg, &hash, Role::Participant, self.now_ms())
            .await
    }

    /// Checks the password and opens a session; returns the user and the new token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<(User, String), AppError> {
        let username = username.trim().to_lowercase();
        if username.is_empty() || password.is_empty() {
            let mut errors = crate::domain::FieldErrors::new();
            if username.is_empty() {
                errors.insert("username".into(), "Enter your username.".into());
            }
            if password.is_empty() {
                errors.insert("password".into(), "Enter your password.".into());
            }
            return Err(AppError::Validation { errors });
        }
        if password.chars().count() > crate::domain::account::PASSWORD_MAX_CHARS {
            return Err(AppError::InvalidCredentials);
        }
        self.login_limiter.check(&username, address)?;
        let found = self.store.user_credentials(&username).await?;
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, DUMMY_HASH.to_string()),
        };
        let verified = verify_password(password.to_string(), hash).await;
        let user = match user {
            Some(user) if verified => user,
            _ => return Err(AppError::InvalidCredentials),
        };
        let (token, hash) = new_session_token();
        let now = self.now_ms();
        self.store
            .session_create(&hash, user.id, now, now + SESSION_TTL_MS)
            .await?;
        Ok((user, token))
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        self.store.session_delete(&token_hash(token)).await
    }

    /// The user a session token belongs to, if it is live.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, AppError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        self.store
            .session_user(&token_hash(token), self.now_ms())
            .await
    }

    /// Creates the configured admin, resets its password, or — on a first start with
    /// no admin at all — creates `admin` with a generated password printed once.
    pub async fn bootstrap_admin(&self) -> Result<(), AppError> {
        let now = self.now_ms();
        match (&self.config.admin_username, &self.config.admin_password) {
            (Some(username), Some(password)) => {
                let reg = Registration::parse(username, password, None)?;
                let hash = hash_password(reg.password.clone()).await?;
                // create first, reset when taken: instances starting together on one
                // database each end with the same admin, whichever created it
                match self.store.user_create(&reg, &hash, Role::Admin, now).await {
                    Ok(_) => {
                        tracing::info!(username = %reg.username, "admin created from ADMIN_USERNAME")
                    }
                    Err(AppError::Validation { .. }) => {
                        let (user, stored) = self
                            .store
                            .user_credentials(&reg.username)
                            .await?
                            .ok_or_else(|| {
                                AppError::internal("the admin vanished during start-up")
                            })?;
                        // a restart with the same password keeps the admin's sessions
                        if user.is_admin() && verify_password(reg.password.clone(), stored).await {
                            return Ok(());
                        }
                        self.store
                            .user_reset_password_and_role(user.id, &hash, Role::Admin)
                            .await?;
                        tracing::info!(username = %reg.username, "admin password set from ADMIN_PASSWORD");
                    }
                    Err(e) => return Err(e),
                }
            }
            _ if self.store.admin_count().await? == 0 => {
                let bytes: [u8; 12] = rand::random();
                let password = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
                let reg = Registration::parse("admin", &password, Some("Administrator"))?;
                let hash = hash_password(password.clone()).await?;
                match self.store.user_create(&reg, &hash, Role::Admin, now).await {
                    Ok(_) => {}
                    // another instance starting at the same moment made it
                    Err(AppError::Validation { .. }) => return Ok(()),
                    Err(e) => return Err(e),
                }
                // Printed, not logged: it must not end up in log storage.
                println!("\n  Gauntlet admin created — username: admin  password: {password}\n  (shown once; set ADMIN_USERNAME and ADMIN_PASSWORD to choose your own)\n");
            }
            _ => {}
        }
        Ok(())
    }
}

/// Role checks shared by every door.
pub fn require_user(user: Option<User>) -> Result<User, AppError> {
    user.ok_or(AppError::Unauthorized)
}

pub fn require_admin(user: Option<User>) -> Result<User, AppError> {
    let user = require_user(user)?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(AppError::forbidden("This needs an admin."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse".into(), hash).await);
        assert!(!verify_password("anything".into(), DUMMY_HASH.into()).await);
    }

    #[test]
    fn session_tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_session_token();
        let (b, _) = new_session_token();
        assert_ne!(a, b);
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, a);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn the_login_limiter_refuses_after_the_quota() {
        let limiter = LoginLimiter::new(10, 30);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            limiter.check("alice", Some(ip)).unwrap();
        }
        let e = limiter.check("alice", Some(ip)).unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        // another account from the same address still may try
        limiter.check("bob", Some(ip)).unwrap();
    }
}
