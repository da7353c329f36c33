//! The deadline warning schedule of SPEC §5, decided without IO so the notifier
//! and its tests share one rule.

use super::time::minutes_left;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The first offset (default 1 hour): normal priority.
    Deadline1h,
    /// The last offset (default 10 minutes): high priority, exempt from the cooldown.
    Deadline10m,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Deadline1h => "deadline_1h",
            WarningKind::Deadline10m => "deadline_10m",
        }
    }

    pub fn is_high_priority(self) -> bool {
        matches!(self, WarningKind::Deadline10m)
    }
}

/// Offsets before the deadline, largest first: `[(kind, offset_ms)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningSchedule {
    pub normal_offset_ms: i64,
    pub urgent_offset_ms: i64,
}

impl WarningSchedule {
    /// From `WARNING_OFFSETS_SECS` ("3600,600"): exactly two positive offsets.
    pub fn parse(text: &str) -> Result<Self, String> {
        let secs: Vec<i64> = text
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("`{p}` is not a number of seconds"))
            })
            .collect::<Result<_, _>>()?;
        match secs.as_slice() {
            [a, b] if *a > 0 && *b > 0 && a != b => Ok(WarningSchedule {
                normal_offset_ms: (*a).max(*b) * 1000,
                urgent_offset_ms: (*a).min(*b) * 1000,
            }),
            _ => Err("give two different positive offsets in seconds, e.g. 3600,600".into()),
        }
    }

    pub fn offset_ms(&self, kind: WarningKind) -> i64 {
        match kind {
            WarningKind::Deadline1h => self.normal_offset_ms,
            WarningKind::Deadline10m => self.urgent_offset_ms,
        }
    }

    /// The warning a participant should receive at `now_ms`, if any: the most urgent one
    /// whose moment has come, so a stale 1-hour warning is skipped once the
    /// 10-minute one applies.
    pub fn due_warning(&self, due_at_ms: i64, now_ms: i64) -> Option<WarningKind> {
        let left = due_at_ms - now_ms;
        if left <= 0 {
            None
        } else if left <= self.urgent_offset_ms {
            Some(WarningKind::Deadline10m)
        } else if left <= self.normal_offset_ms {
            Some(WarningKind::Deadline1h)
        } else {
            None
        }
    }

    /// When the next warning for a deadline falls due, seen from `now_ms`.
    pub fn next_moment_ms(&self, due_at_ms: i64, now_ms: i64) -> Option<i64> {
        [self.normal_offset_ms, self.urgent_offset_ms]
            .into_iter()
            .map(|off| due_at_ms - off)
            .find(|at| *at > now_ms)
    }
}

impl Default for WarningSchedule {
    fn default() -> Self {
        WarningSchedule {
            normal_offset_ms: 3_600_000,
            urgent_offset_ms: 600_000,
        }
    }
}

/// "Ends in 9 minutes" — always the real time left, not the nominal offset.
pub fn warning_text(title: &str, due_at_ms: i64, now_ms: i64) -> (String, String) {
    let minutes = minutes_left(due_at_ms - now_ms);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    (
        format!("Ends in {minutes} {unit}"),
        format!("“{title}” closes in {minutes} {unit}. Add your evidence before the deadline."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    const MIN: i64 = 60_000;

    #[test]
    fn parses_the_offsets() {
        assert_eq!(
            WarningSchedule::parse("3600,600").unwrap(),
            WarningSchedule::default()
        );
        assert_eq!(
            WarningSchedule::parse(" 600 , 3600 ").unwrap(),
            WarningSchedule::default()
        );
        for bad in ["", "3600", "a,b", "0,600", "600,600", "1,2,3"] {
            assert!(WarningSchedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_most_urgent_warning_that_applies_wins() {
        let s = WarningSchedule::default();
        let due = 1000 * MIN;
        assert_eq!(s.due_warning(due, due - 61 * MIN), None);
        assert_eq!(
            s.due_warning(due, due - 60 * MIN),
            Some(WarningKind::Deadline1h)
        );
        assert_eq!(
            s.due_warning(due, due - 11 * MIN),
            Some(WarningKind::Deadline1h)
        );
        // joined 8 minutes before: only the 10-minute warning
        assert_eq!(
            s.due_warning(due, due - 8 * MIN),
            Some(WarningKind::Deadline10m)
        );
        assert_eq!(s.due_warning(due, due), None);
    }

    #[test]
    fn next_moment_walks_the_offsets() {
        let s = WarningSchedule::default();
        let due = 1000 * MIN;
        assert_eq!(s.next_moment_ms(due, due - 120 * MIN), Some(due - 60 * MIN));
        assert_eq!(s.next_moment_ms(due, due - 60 * MIN), Some(due - 10 * MIN));
        assert_eq!(s.next_moment_ms(due, due - 5 * MIN), None);
    }

    #[test]
    fn the_text_states_the_real_time_left() {
        let (title, body) = warning_text("Run", 100 * MIN, 100 * MIN - 8 * MIN - 10_000);
        assert_eq!(title, "Ends in 8 minutes");
        assert!(body.contains("“Run” closes in 8 minutes"));
        assert_eq!(warning_text("x", MIN, 0).0, "Ends in 1 minute");
    }
}
