//! Challenges: their lifecycle, sides, categories and the rules for creating one.

use super::coins::MAX_STAKE_COINS;
use super::error::{AppError, FieldErrors};
use super::time::MS_PER_DAY;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 120;
pub const DESCRIPTION_MAX_CHARS: usize = 5_000;
pub const EVIDENCE_TEXT_MAX_CHARS: usize = 2_000;
pub const EVIDENCE_URL_MAX_CHARS: usize = 2_048;
pub const NOTES_MAX_CHARS: usize = 2_000;
/// due_at may be at most a year ahead (SPEC §3).
pub const MAX_DUE_AHEAD_MS: i64 = 366 * MS_PER_DAY;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// pending → active → pending_admin → resolving → completed; → cancelled.
    ChallengeStatus {
        Pending = "pending",
        Active = "active",
        PendingAdmin = "pending_admin",
        Resolving = "resolving",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

string_enum!(Category {
    Sports = "sports",
    Fitness = "fitness",
    Gaming = "gaming",
    Learning = "learning",
    Finance = "finance",
    Other = "other",
});

string_enum!(Side { Yes = "yes", No = "no" });

string_enum!(Outcome { Yes = "yes", No = "no", Draw = "draw" });

string_enum!(StakeStatus { Waiting = "waiting", Matched = "matched", Cancelled = "cancelled" });

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Yes => Side::No,
            Side::No => Side::Yes,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Yes => "YES",
            Side::No => "NO",
        }
    }
}

impl Outcome {
    /// The side whose matched stakes win, or None for a draw (everyone refunded).
    pub fn winning_side(self) -> Option<Side> {
        match self {
            Outcome::Yes => Some(Side::Yes),
            Outcome::No => Some(Side::No),
            Outcome::Draw => None,
        }
    }
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Sports => "Sports",
            Category::Fitness => "Fitness",
            Category::Gaming => "Gaming",
            Category::Learning => "Learning",
            Category::Finance => "Finance",
            Category::Other => "Other",
        }
    }
}

impl ChallengeStatus {
    pub fn label(self) -> &'static str {
        match self {
            ChallengeStatus::Pending => "Pending",
            ChallengeStatus::Active => "Active",
            ChallengeStatus::PendingAdmin => "Awaiting admin",
            ChallengeStatus::Resolving => "Resolving",
            ChallengeStatus::Completed => "Completed",
            ChallengeStatus::Cancelled => "Cancelled",
        }
    }

    /// The lifecycle of SPEC §3: the only moves the product makes.
    pub fn can_become(self, next: ChallengeStatus) -> bool {
        use ChallengeStatus::*;
        matches!(
            (self, next),
            (Pending, Active)
                | (Active, PendingAdmin)
                | (PendingAdmin, Resolving)
                | (Resolving, Completed)
                // a payout job cancelled before paying anyone hands the challenge back
                | (Resolving, PendingAdmin)
                | (Pending, Cancelled)
                | (Pending, Resolving)
                | (Active, Resolving)
                | (Resolving, Cancelled)
        )
    }

    /// Stakes may be placed or withdrawn (before due_at, which the caller checks).
    pub fn accepts_stakes(self) -> bool {
        matches!(self, ChallengeStatus::Pending | ChallengeStatus::Active)
    }

    pub fn accepts_evidence(self) -> bool {
        matches!(
            self,
            ChallengeStatus::Active | ChallengeStatus::PendingAdmin
        )
    }

    /// An admin may cancel (refund everyone) until a result is being paid out.
    pub fn admin_can_cancel(self) -> bool {
        matches!(
            self,
            ChallengeStatus::Pending | ChallengeStatus::Active | ChallengeStatus::PendingAdmin
        )
    }

    pub fn is_open(self) -> bool {
        self.accepts_stakes()
    }
}

/// The form of a new challenge as typed; every field a string so the form can be
/// re-shown exactly as entered next to its errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeDraft {
    pub title: String,
    pub description: String,
    pub category: String,
    pub amount: String,
    /// RFC 3339, or the `datetime-local` form value with `tz_offset_min` (minutes east of UTC).
    pub due_at: String,
    pub side: String,
    pub challenged_username: Option<String>,
}

/// A challenge that passed every rule of SPEC §3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChallenge {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub amount_coins: i64,
    pub due_at_ms: i64,
    pub side: Side,
    pub challenged_username: Option<String>,
}

/// Parses a deadline: RFC 3339, or a naive `YYYY-MM-DDTHH:MM[:SS]` in the browser's
/// offset (what `<input type=datetime-local>` sends).
pub fn parse_due_at_ms(text: &str, tz_offset_min: i32) -> Option<i64> {
    if let Some(ms) = super::time::parse_rfc3339_ms(text) {
        return Some(ms);
    }
    let text = text.trim();
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(naive.and_utc().timestamp_millis() - i64::from(tz_offset_min) * 60_000)
}

pub fn parse_amount(text: &str) -> Result<i64, String> {
    let amount: i64 = text
        .trim()
        .parse()
        .map_err(|_| "Amount must be a whole number of coins.".to_string())?;
    if !(1..=MAX_STAKE_COINS).contains(&amount) {
        return Err(format!(
            "Amount must be between 1 and {MAX_STAKE_COINS} coins."
        ));
    }
    Ok(amount)
}

impl NewChallenge {
    pub fn parse(
        draft: &ChallengeDraft,
        tz_offset_min: i32,
        now_ms: i64,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let title = draft.title.trim();
        if title.is_empty() {
            errors.insert("title".into(), "Title is required.".into());
        } else if title.chars().count() > TITLE_MAX_CHARS {
            errors.insert(
                "title".into(),
                format!("Title must be at most {TITLE_MAX_CHARS} characters."),
            );
        }
        let description = draft.description.trim();
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            errors.insert(
                "description".into(),
                format!("Description must be at most {DESCRIPTION_MAX_CHARS} characters."),
            );
        }
        let category = Category::parse(draft.category.trim());
        if category.is_none() {
            errors.insert("category".into(), "Choose a category.".into());
        }
        let amount = parse_amount(&draft.amount)
            .map_err(|e| errors.insert("amount".into(), e))
            .ok();
        let due_at_ms = match parse_due_at_ms(&draft.due_at, tz_offset_min) {
            None => {
                errors.insert(
                    "due_at".into(),
                    "Give the deadline as a date and time.".into(),
                );
                None
            }
            Some(ms) if ms <= now_ms => {
                errors.insert(
                    "due_at".into(),
                    "The deadline must be in the future.".into(),
                );
                None
            }
            Some(ms) if ms > now_ms + MAX_DUE_AHEAD_MS => {
                errors.insert(
                    "due_at".into(),
                    "The deadline must be at most one year ahead.".into(),
                );
                None
            }
            Some(ms) => Some(ms),
        };
        let side = Side::parse(draft.side.trim());
        if side.is_none() {
            errors.insert("side".into(), "Choose YES or NO.".into());
        }
        let challenged = draft
            .challenged_username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        if let Some(e) = challenged
            .as_deref()
            .and_then(super::account::username_error)
        {
            errors.insert("challenged_username".into(), e);
        }
        match (category, amount, due_at_ms, side) {
            (Some(category), Some(amount_coins), Some(due_at_ms), Some(side))
                if errors.is_empty() =>
            {
                Ok(NewChallenge {
                    title: title.to_string(),
                    description: description.to_string(),
                    category,
                    amount_coins,
                    due_at_ms,
                    side,
                    challenged_username: challenged,
                })
            }
            _ => Err(AppError::Validation { errors }),
        }
    }
}

/// Evidence text and optional http(s) link; anything else (javascript:, data:) is refused.
pub fn validate_evidence(
    text: &str,
    url: Option<&str>,
) -> Result<(String, Option<String>), AppError> {
    let mut errors = FieldErrors::new();
    let text = text.trim();
    if text.is_empty() {
        errors.insert("text".into(), "Describe the evidence.".into());
    } else if text.chars().count() > EVIDENCE_TEXT_MAX_CHARS {
        errors.insert(
            "text".into(),
            format!("Evidence must be at most {EVIDENCE_TEXT_MAX_CHARS} characters."),
        );
    }
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = url {
        let lower = u.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
        let has_host = u
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if !scheme_ok || !has_host || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.insert(
                "url".into(),
                "The link must be an http:// or https:// address.".into(),
            );
        } else if u.len() > EVIDENCE_URL_MAX_CHARS {
            errors.insert("url".into(), "The link is too long.".into());
        }
    }
    if errors.is_empty() {
        Ok((text.to_string(), url.map(str::to_string)))
    } else {
        Err(AppError::Validation { errors })
    }
}

pub fn validate_notes(notes: Option<&str>) -> Result<Option<String>, AppError> {
    let notes = notes.map(str::trim).filter(|n| !n.is_empty());
    match notes {
        Some(n) if n.chars().count() > NOTES_MAX_CHARS => Err(AppError::validation(
            "notes",
            format!("Notes must be at most {NOTES_MAX_CHARS} characters."),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{parse_rfc3339_ms, MS_PER_HOUR};

    const NOW: i64 = 1_800_000_000_000;

    fn draft() -> ChallengeDraft {
        ChallengeDraft {
            title: "Run 10 km before Sunday".into(),
            description: "Strava link as proof".into(),
            category: "fitness".into(),
            amount: "100".into(),
            due_at: crate::domain::time::rfc3339(NOW + MS_PER_HOUR),
            side: "yes".into(),
            challenged_username: None,
        }
    }

    #[test]
    fn a_valid_draft_parses() {
        let c = NewChallenge::parse(&draft(), 0, NOW).unwrap();
        assert_eq!(
            (c.category, c.amount_coins, c.side),
            (Category::Fitness, 100, Side::Yes)
        );
        assert_eq!(c.due_at_ms, NOW + MS_PER_HOUR);
    }

    #[test]
    fn each_field_rule_reports_on_its_field() {
        let cases: Vec<(&str, Box<dyn Fn(&mut ChallengeDraft)>)> = vec![
            ("title", Box::new(|d| d.title = "  ".into())),
            ("title", Box::new(|d| d.title = "x".repeat(121))),
            (
                "description",
                Box::new(|d| d.description = "x".repeat(5001)),
            ),
            ("category", Box::new(|d| d.category = "cooking".into())),
            ("amount", Box::new(|d| d.amount = "0".into())),
            ("amount", Box::new(|d| d.amount = "1000001".into())),
            ("amount", Box::new(|d| d.amount = "-5".into())),
            ("amount", Box::new(|d| d.amount = "1.5".into())),
            (
                "amount",
                Box::new(|d| d.amount = "99999999999999999999".into()),
            ),
            (
                "due_at",
                Box::new(|d| d.due_at = crate::domain::time::rfc3339(NOW - 1)),
            ),
            (
                "due_at",
                Box::new(|d| d.due_at = crate::domain::time::rfc3339(NOW)),
            ),
            (
                "due_at",
                Box::new(|d| {
                    d.due_at = crate::domain::time::rfc3339(NOW + MAX_DUE_AHEAD_MS + 1000)
                }),
            ),
            ("due_at", Box::new(|d| d.due_at = "next week".into())),
            ("side", Box::new(|d| d.side = "maybe".into())),
            (
                "challenged_username",
                Box::new(|d| d.challenged_username = Some("Bad Name".into())),
            ),
        ];
        for (field, mutate) in cases {
            let mut d = draft();
            mutate(&mut d);
            let e = NewChallenge::parse(&d, 0, NOW).unwrap_err();
            assert!(e.field(field).is_some(), "{field}: {e:?}");
            if let AppError::Validation { errors } = &e {
                assert_eq!(errors.len(), 1, "only {field} should fail: {errors:?}");
            }
        }
    }

    #[test]
    fn boundaries_are_inclusive_where_the_spec_says_so() {
        let mut d = draft();
        d.title = "x".repeat(120);
        d.amount = "1000000".into();
        d.due_at = crate::domain::time::rfc3339(NOW + MAX_DUE_AHEAD_MS);
        assert!(NewChallenge::parse(&d, 0, NOW).is_ok());
        d.amount = "1".into();
        assert!(NewChallenge::parse(&d, 0, NOW).is_ok());
    }

    #[test]
    fn datetime_local_values_use_the_browser_offset() {
        let utc = parse_rfc3339_ms("2026-11-28T15:00:00Z").unwrap();
        assert_eq!(parse_due_at_ms("2026-11-28T16:00", 60), Some(utc));
        assert_eq!(parse_due_at_ms("2026-11-28T15:00:00", 0), Some(utc));
    }

    #[test]
    fn the_lifecycle_allows_only_its_moves() {
        use ChallengeStatus::*;
        assert!(Pending.can_become(Active));
        assert!(Active.can_become(PendingAdmin));
        assert!(PendingAdmin.can_become(Resolving));
        assert!(Resolving.can_become(Completed));
        assert!(Pending.can_become(Cancelled));
        assert!(!Completed.can_become(Active));
        assert!(!Cancelled.can_become(Pending));
        assert!(!PendingAdmin.can_become(Active));
        assert!(!Active.can_become(Completed));
        for s in ChallengeStatus::ALL {
            assert!(!s.can_become(*s), "{s} to itself");
            assert_eq!(ChallengeStatus::parse(s.as_str()), Some(*s));
        }
        assert!(Active.accepts_stakes() && !PendingAdmin.accepts_stakes());
        assert!(PendingAdmin.accepts_evidence() && !Pending.accepts_evidence());
        assert!(PendingAdmin.admin_can_cancel() && !Resolving.admin_can_cancel());
    }

    #[test]
    fn evidence_urls_must_be_http() {
        assert!(validate_evidence("ran it", Some("https://strava.com/a/1")).is_ok());
        assert!(validate_evidence("ran it", Some("http://x.org")).is_ok());
        assert_eq!(validate_evidence("ran it", Some("  ")).unwrap().1, None);
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "https://",
            "ftp://x",
            "https:///x",
            "https://a b",
        ] {
            let e = validate_evidence("ran it", Some(bad)).unwrap_err();
            assert!(e.field("url").is_some(), "{bad} accepted");
        }
        assert!(validate_evidence(" ", None)
            .unwrap_err()
            .field("text")
            .is_some());
        assert!(validate_evidence(&"x".repeat(2001), None).is_err());
    }

    #[test]
    fn sides_and_outcomes() {
        assert_eq!(Side::Yes.opposite(), Side::No);
        assert_eq!(Outcome::No.winning_side(), Some(Side::No));
        assert_eq!(Outcome::Draw.winning_side(), None);
    }
}
