//! Accounts: roles and the rules for what a person may type when registering.

use super::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 32;
pub const PASSWORD_MIN_CHARS: usize = 8;
/// argon2 hashes whatever it is given; the cap keeps one request from costing seconds.
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    Participant,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "participant" => Some(Role::Participant),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A registration that passed every rule; the only way to get one is [`Registration::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
}

pub fn username_error(username: &str) -> Option<String> {
    let len = username.chars().count();
    if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&len) {
        return Some(format!(
            "Username must be {USERNAME_MIN_CHARS}–{USERNAME_MAX_CHARS} characters."
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Some("Username may use only a–z, 0–9 and _.".to_string());
    }
    None
}

pub fn password_error(password: &str) -> Option<String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        return Some(format!(
            "Password must be at least {PASSWORD_MIN_CHARS} characters."
        ));
    }
    if len > PASSWORD_MAX_CHARS {
        return Some(format!(
            "Password must be at most {PASSWORD_MAX_CHARS} characters."
        ));
    }
    None
}

impl Registration {
    pub fn parse(
        username: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let username = username.trim();
        if let Some(e) = username_error(username) {
            errors.insert("username".into(), e);
        }
        if let Some(e) = password_error(password) {
            errors.insert("password".into(), e);
        }
        let display_name = display_name
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(username);
        if display_name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            errors.insert(
                "display_name".into(),
                format!("Display name must be at most {DISPLAY_NAME_MAX_CHARS} characters."),
            );
        }
        if display_name.chars().any(char::is_control) {
            errors.insert(
                "display_name".into(),
                "Display name may not contain control characters.".into(),
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Validation { errors });
        }
        Ok(Registration {
            username: username.to_string(),
            password: password.to_string(),
            display_name: display_name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_valid_registration_and_defaults_the_display_name() {
        let r = Registration::parse("alice_01", "correct horse", None).unwrap();
        assert_eq!(r.display_name, "alice_01");
        let r = Registration::parse(" bob ", "12345678", Some("  Bob B. ")).unwrap();
        assert_eq!(
            (r.username.as_str(), r.display_name.as_str()),
            ("bob", "Bob B.")
        );
    }

    #[test]
    fn rejects_each_bad_field_with_its_own_message() {
        for bad in ["ab", "Alice", "al ice", "al-ice", "ünï", &"a".repeat(33)] {
            let e = Registration::parse(bad, "12345678", None).unwrap_err();
            assert!(e.field("username").is_some(), "{bad} accepted");
        }
        let e = Registration::parse("alice", "short", Some(&"x".repeat(65))).unwrap_err();
        assert!(e.field("password").is_some());
        assert!(e.field("display_name").is_some());
        assert!(e.field("username").is_none());
        assert!(Registration::parse("alice", &"p".repeat(257), None).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Participant, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
