//! Configuration: every setting is a command-line flag and an environment variable.

use crate::domain::warning::WarningSchedule;
use clap::Parser;
use std::net::SocketAddr;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "gauntlet",
    version,
    about = "Gauntlet: peer-to-peer challenges that run themselves"
)]
pub struct Config {
    /// `sqlite://path/to/file.db` (the default, created on first start) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/gauntlet.db"
    )]
    pub database_url: String,

    /// Address to serve the pages, the REST API and live events on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:3000")]
    pub bind_addr: SocketAddr,

    /// The admin created (or whose password is reset) at start-up.
    #[arg(long, env = "ADMIN_USERNAME")]
    pub admin_username: Option<String>,

    /// Password for ADMIN_USERNAME; without both, a first start generates one and prints it once.
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Winners paid per batch transaction.
    #[arg(long, env = "PAYOUT_BATCH_SIZE", default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub payout_batch_size: i64,

    /// Concurrent payout workers in this process.
    #[arg(long, env = "PAYOUT_WORKERS", default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=64))]
    pub payout_workers: u16,

    /// How long a worker holds a claimed batch before another instance may take it over.
    #[arg(long, env = "PAYOUT_LEASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3600))]
    pub payout_lease_secs: i64,

    /// Platform fee in basis points of each pair's pot (500 = 5%; at most 50%, so a winner always gains).
    #[arg(long, env = "PLATFORM_FEE_BPS", default_value_t = 500, value_parser = clap::value_parser!(i64).range(0..=5_000))]
    pub platform_fee_bps: i64,

    /// At most one normal-priority warning per user and challenge within this window.
    #[arg(long, env = "NOTIFY_COOLDOWN_SECS", default_value_t = 1800, value_parser = clap::value_parser!(i64).range(0..=86_400))]
    pub notify_cooldown_secs: i64,

    /// Deadline warnings, seconds before due_at: the normal one, then the high-priority one.
    #[arg(long, env = "WARNING_OFFSETS_SECS", default_value = "3600,600", value_parser = WarningSchedule::parse)]
    pub warning_offsets_secs: WarningSchedule,

    /// Mark the session cookie Secure (set this when serving over HTTPS).
    #[arg(long, env = "SESSION_SECURE_COOKIE", default_value_t = false, action = clap::ArgAction::Set)]
    pub session_secure_cookie: bool,

    /// Sign-in attempts allowed per account per minute.
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MIN", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_attempts_per_account_per_min: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_attempts_per_address_per_min: u32,

    /// Seed sample users and challenges (idempotent).
    #[arg(long, env = "GAUNTLET_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Where the compiled site (pkg/, CSS, public files) is served from.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// Database connections per instance.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=512))]
    pub db_max_connections: u32,

    /// `text` or `json` log lines (filter with RUST_LOG).
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// Do not run the scheduler, notifier or payout workers in this instance.
    #[arg(long, env = "GAUNTLET_NO_ENGINE", default_value_t = false)]
    pub no_engine: bool,
}

impl Config {
    /// Defaults for tests and tools: an explicit database, everything else as shipped.
    pub fn for_database(database_url: &str) -> Config {
        let mut config = Config::parse_from(["gauntlet"]);
        config.database_url = database_url.to_string();
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_defaults_and_bad_values_are_refused() {
        let c = Config::try_parse_from([
            "gauntlet",
            "--platform-fee-bps",
            "250",
            "--payout-batch-size",
            "5000",
        ])
        .unwrap();
        assert_eq!((c.platform_fee_bps, c.payout_batch_size), (250, 5000));
        assert_eq!(c.warning_offsets_secs, WarningSchedule::default());
        assert!(Config::try_parse_from(["gauntlet", "--platform-fee-bps", "5001"]).is_err());
        assert!(Config::try_parse_from(["gauntlet", "--payout-batch-size", "0"]).is_err());
        assert!(Config::try_parse_from(["gauntlet", "--warning-offsets-secs", "600"]).is_err());
        assert!(Config::try_parse_from(["gauntlet", "--bind-addr", "nowhere"]).is_err());
    }
}
