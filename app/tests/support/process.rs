//! The real server binary (the release build of the test command; `GAUNTLET_BIN`)
//! run as a child process on a test database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn server_binary() -> String {
    std::env::var("GAUNTLET_BIN").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
        format!("{target}/release/gauntlet")
    })
}

pub struct ServerProcess {
    pub child: Child,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts the server on a random port with `env` on top of the test defaults.
    pub fn spawn(db_url: &str, log: &Path, env: &[(&str, &str)]) -> ServerProcess {
        let bin = server_binary();
        assert!(
            Path::new(&bin).exists(),
            "the server binary {bin} must be built first (cargo leptos build --release)"
        );
        let file = std::fs::File::create(log).expect("log file");
        let mut command = Command::new(bin);
        command
            .env("DATABASE_URL", db_url)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn,app=info")
            .stdout(Stdio::from(file.try_clone().expect("log")))
            .stderr(Stdio::from(file));
        for (key, value) in env {
            command.env(key, value);
        }
        ServerProcess {
            child: command.spawn().expect("start the server"),
            log: log.to_path_buf(),
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The address it printed once listening.
    pub async fn base_url(&self) -> String {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(at) = text.find("http://127.0.0.1:") {
                let url: String = text[at..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                return url.trim_end_matches('/').to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start: {text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown work of any kind.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
