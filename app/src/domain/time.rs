//! Times are stored as Unix milliseconds (one representation on both databases,
//! compared against the injected clock's "now") and shown as RFC 3339 or as a countdown.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

pub const MS_PER_SEC: i64 = 1000;
pub const MS_PER_MIN: i64 = 60 * MS_PER_SEC;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MIN;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

pub fn datetime_from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

pub fn rfc3339(ms: i64) -> String {
    datetime_from_ms(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// "in 9 min 12 s", "in 2 d 3 h", "5 min ago": the two largest units, as people read them.
pub fn relative(remaining_ms: i64) -> String {
    let abs_secs = remaining_ms.unsigned_abs() / 1000;
    let (d, h, m, s) = (
        abs_secs / 86_400,
        abs_secs / 3600 % 24,
        abs_secs / 60 % 60,
        abs_secs % 60,
    );
    let text = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    };
    if remaining_ms >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// Whole minutes left, rounded to the nearest minute, for warning texts.
pub fn minutes_left(remaining_ms: i64) -> i64 {
    (remaining_ms.max(0) + MS_PER_MIN / 2) / MS_PER_MIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let ms = parse_rfc3339_ms("2026-11-28T15:00:00Z").unwrap();
        assert_eq!(rfc3339(ms), "2026-11-28T15:00:00Z");
        assert_eq!(parse_rfc3339_ms("2026-11-28T16:00:00+01:00"), Some(ms));
        assert_eq!(parse_rfc3339_ms("tomorrow"), None);
    }

    #[test]
    fn relative_shows_two_units() {
        assert_eq!(relative(9 * MS_PER_MIN + 12_000), "in 9 min 12 s");
        assert_eq!(relative(2 * MS_PER_DAY + 3 * MS_PER_HOUR + 5), "in 2 d 3 h");
        assert_eq!(relative(-5 * MS_PER_MIN), "5 min 0 s ago");
        assert_eq!(relative(999), "in 0 s");
        assert_eq!(relative(MS_PER_HOUR), "in 1 h 0 min");
    }

    #[test]
    fn minutes_left_rounds() {
        assert_eq!(minutes_left(9 * MS_PER_MIN + 40_000), 10);
        assert_eq!(minutes_left(59 * MS_PER_MIN + 10_000), 59);
        assert_eq!(minutes_left(-5), 0);
    }
}
