//! Participant use cases: create, join, withdraw, evidence, browse.

use super::auth::require_user;
use super::Services;
use crate::domain::challenge::{
    validate_evidence, Category, ChallengeDraft, ChallengeStatus, NewChallenge, Side,
};
use crate::domain::model::{decode_cursor, page_limit, Challenge, Evidence, Page, Stake, User};
use crate::domain::AppError;
use crate::store::challenges::ChallengeFilter;

/// Query of the challenge list, as strings from a URL.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub mine: bool,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl Services {
    pub async fn challenge_create(
        &self,
        actor: Option<User>,
        draft: &ChallengeDraft,
        tz_offset_min: i32,
    ) -> Result<Challenge, AppError> {
        let user = require_user(actor)?;
        let now = self.now_ms();
        let new = NewChallenge::parse(draft, tz_offset_min, now)?;
        let challenged_id = match new.challenged_username.as_deref() {
            None => None,
            Some(name) => {
                let other = self.store.user_by_username(name).await?.ok_or_else(|| {
                    AppError::validation("challenged_username", "No user has that name.")
                })?;
                if other.id == user.id {
                    return Err(AppError::validation(
                        "challenged_username",
                        "You cannot challenge yourself.",
                    ));
                }
                Some(other.id)
            }
        };
        let next_warning = self
            .config
            .warning_offsets_secs
            .next_moment_ms(new.due_at_ms, now);
        let (id, _stake) = self
            .store
            .challenge_create(user.id, &new, challenged_id, next_warning, now)
            .await?;
        self.wakers.deadline_added();
        self.store
            .challenge_get(id, Some(user.id))
            .await?
            .ok_or_else(|| AppError::not_found("Challenge"))
    }

    pub async fn challenge_join(
        &self,
        actor: Option<User>,
        challenge_id: i64,
        side: &str,
    ) -> Result<Stake, AppError> {
        let user = require_user(actor)?;
        let side = Side::parse(side.trim())
            .ok_or_else(|| AppError::validation("side", "Choose YES or NO."))?;
        let outcome = self
            .store
            .challenge_join(challenge_id, user.id, side, self.now_ms())
            .await?;
        // a new participant may need a deadline warning sooner than the notifier planned
        self.wakers.participant_added();
        Ok(outcome.stake)
    }

    pub async fn stake_withdraw(
        &self,
        actor: Option<User>,
        challenge_id: i64,
    ) -> Result<Stake, AppError> {
        let user = require_user(actor)?;
        self.store
            .stake_withdraw_if_waiting(challenge_id, user.id, self.now_ms())
            .await
    }

    pub async fn challenge_view(
        &self,
        actor: Option<&User>,
        challenge_id: i64,
    ) -> Result<Challenge, AppError> {
        self.store
            .challenge_get(challenge_id, actor.map(|u| u.id))
            .await?
            .ok_or_else(|| AppError::not_found("Challenge"))
    }

    pub async fn challenges_list(
        &self,
        actor: Option<&User>,
        q: &ListQuery,
    ) -> Result<Page<Challenge>, AppError> {
        let mut errors = crate::domain::FieldErrors::new();
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => ChallengeStatus::parse(s).or_else(|| {
                errors.insert("status".into(), format!("Unknown status `{s}`."));
                None
            }),
        };
        let category = match q
            .category
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(c) => Category::parse(c).or_else(|| {
                errors.insert("category".into(), format!("Unknown category `{c}`."));
                None
            }),
        };
        if !errors.is_empty() {
            return Err(AppError::Validation { errors });
        }
        let involving_user = if q.mine {
            Some(require_user(actor.cloned())?.id)
        } else {
            None
        };
        let filter = ChallengeFilter {
            status,
            category,
            involving_user,
            oldest_due_first: false,
        };
        let after = decode_cursor(q.cursor.as_deref())?;
        self.store
            .challenges_list(&filter, after, page_limit(q.limit))
            .await
    }

    pub async fn evidence_add(
        &self,
        actor: Option<User>,
        challenge_id: i64,
        text: &str,
        url: Option<&str>,
    ) -> Result<Evidence, AppError> {
        let user = require_user(actor)?;
        let (text, url) = validate_evidence(text, url)?;
        self.store
            .evidence_add(challenge_id, user.id, &text, url.as_deref(), self.now_ms())
            .await
    }

    pub async fn evidence_list(
        &self,
        challenge_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Evidence>, AppError> {
        if self
            .store
            .challenge_get(challenge_id, None)
            .await?
            .is_none()
        {
            return Err(AppError::not_found("Challenge"));
        }
        self.store
            .evidence_list(challenge_id, decode_cursor(cursor)?, page_limit(limit))
            .await
    }
}
