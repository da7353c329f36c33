//! A real server on a random port over a fresh database, and HTTP clients that
//! behave like browsers (cookie jar, same-origin `Origin` header).
#![allow(dead_code)]

use app::config::Config;
use app::engine::clock::{ManualClock, SharedClock, SystemClock};
use app::startup::{build_services, start, Running};
use app::store::testing::TestDb;
use app::store::Backend;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use serde_json::{json, Value};
use std::sync::Arc;

pub mod process;
pub mod sse;

pub const ADMIN_USERNAME: &str = "root_admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestServer {
    pub db: TestDb,
    pub running: Option<Running>,
    pub base: String,
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        TestServer::start_with(backend, Arc::new(SystemClock), |_| {}).await
    }

    pub async fn start_with_clock(backend: Backend, clock: Arc<ManualClock>) -> TestServer {
        TestServer::start_with(backend, clock, |_| {}).await
    }

    pub async fn start_with(
        backend: Backend,
        clock: SharedClock,
        tweak: impl FnOnce(&mut Config),
    ) -> TestServer {
        if std::env::var("RUST_LOG").is_ok() {
            app::telemetry::init_logging("text");
        }
        let db = TestDb::new(backend).await;
        let mut config = Config::for_database(&db.url);
        config.admin_username = Some(ADMIN_USERNAME.into());
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.bind_addr = "127.0.0.1:0".parse().unwrap();
        tweak(&mut config);
        let services = build_services(config, clock).await.expect("services");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = start(services, listener).await.expect("server");
        let base = format!("http://{}", running.addr);
        TestServer {
            db,
            running: Some(running),
            base,
        }
    }

    /// Another instance (its own store, bus and engine) on the same database.
    pub async fn second_instance(&self) -> Instance {
        let mut config = Config::for_database(&self.db.url);
        config.bind_addr = "127.0.0.1:0".parse().unwrap();
        let services = build_services(config, Arc::new(SystemClock))
            .await
            .expect("services");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = start(services, listener).await.expect("server");
        Instance {
            base: format!("http://{}", running.addr),
            running,
        }
    }

    pub fn services(&self) -> &app::service::Services {
        &self.running.as_ref().expect("running").services
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with a cookie jar whose writes carry our Origin, like a browser on our pages.
    pub fn browser(&self) -> Client {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(&self.base).unwrap());
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .default_headers(headers)
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// A client with no cookie jar and no Origin header.
    pub fn bare(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
        }
    }

    pub async fn admin(&self) -> Client {
        let c = self.browser();
        c.login(ADMIN_USERNAME, ADMIN_PASSWORD).await;
        c
    }

    /// A registered, signed-in participant with `coins` credited by the admin.
    pub async fn participant(&self, name: &str, coins: i64) -> (Client, Value) {
        let c = self.browser();
        let (status, user) = c
            .post(
                "/api/v1/auth/register",
                json!({"username": name, "password": "password-123"}),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        c.login(name, "password-123").await;
        if coins > 0 {
            let admin = self.admin().await;
            let (status, body) = admin
                .post(
                    &format!("/api/v1/admin/users/{}/credit", user["id"]),
                    json!({"amount": coins}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        let (_, me) = c.get("/api/v1/me").await;
        (c, me)
    }

    pub async fn assert_ledger_ok(&self) {
        let check = self.db.store.ledger_check().await.unwrap();
        assert!(check.ok, "{check:?}");
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

pub struct Instance {
    pub base: String,
    running: Running,
}

impl Instance {
    pub async fn stop(self) {
        self.running.stop().await;
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn login(&self, username: &str, password: &str) {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .json(&body)
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn post_empty(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .delete(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (u16, Value, Option<String>) {
        let r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let ct = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (s, v) = decode(r).await;
        (s, v, ct)
    }
}

async fn decode(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// Runs an async test body once per backend, each on a fresh server.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident => $body:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$body(app::store::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$body(app::store::Backend::Postgres).await }
            )*
        }
    };
}
