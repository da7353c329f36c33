//! The Gauntlet server: pages, REST API, live events and the background engine in
//! one process.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    let config = app::config::Config::parse();
    app::telemetry::init_logging(&config.log_format);
    match app::startup::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "Gauntlet could not start");
            eprintln!("gauntlet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser bundle is built from lib.rs; this binary needs `--features ssr`.
}
