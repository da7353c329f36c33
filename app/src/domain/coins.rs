//! Coins are whole integers; these helpers keep every display of them consistent.

/// Largest stake per entry (SPEC §3).
pub const MAX_STAKE_COINS: i64 = 1_000_000;
/// Largest single admin credit: keeps sums of many credits far from i64 overflow.
pub const MAX_CREDIT_COINS: i64 = 1_000_000_000_000;

/// "1,234,567" — digit grouping for people.
pub fn format_coins(coins: i64) -> String {
    let digits = coins.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if coins < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits_by_thousands() {
        assert_eq!(format_coins(0), "0");
        assert_eq!(format_coins(999), "999");
        assert_eq!(format_coins(1000), "1,000");
        assert_eq!(format_coins(1_234_567), "1,234,567");
        assert_eq!(format_coins(-1_000_000), "-1,000,000");
        assert_eq!(format_coins(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
