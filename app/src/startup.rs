//! Builds the application once, for `main` and for tests alike: config → database →
//! migrations → services → engine tasks → router.

use crate::api::extract::BODY_LIMIT_BYTES;
use crate::api::session::resolve_caller;
use crate::config::Config;
use crate::domain::AppError;
use crate::engine::clock::{SharedClock, SystemClock};
use crate::service::Services;
use crate::store::{PoolSettings, Store};
use crate::ui::{shell, App};
use axum::extract::{DefaultBodyLimit, FromRef, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::set_header::SetResponseHeaderLayer;

/// The router's state: the services and what Leptos needs to render.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Services {
        state.services.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// Connects the database (applying migrations), creates the admin and, with `--demo`,
/// the sample data.
pub async fn build_services(config: Config, clock: SharedClock) -> Result<Services, AppError> {
    let settings = PoolSettings {
        max_connections: config.db_max_connections,
        ..PoolSettings::default()
    };
    let store = Store::connect(&config.database_url, &settings).await?;
    let demo = config.demo;
    let services = Services::new(store, clock, config);
    services.bootstrap_admin().await?;
    if demo {
        services.seed_demo().await?;
    }
    Ok(services)
}

/// For everything but pages (which carry a per-response nonce, see `ui::shell`).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

pub fn router(services: Services) -> Router {
    crate::telemetry::install_metrics();
    let leptos_options = LeptosOptions::builder()
        .output_name("gauntlet")
        .site_root(services.config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(services.config.bind_addr)
        .build();
    let state = AppState {
        services: services.clone(),
        leptos_options: leptos_options.clone(),
    };
    let routes = generate_route_list(App);
    let context_services = services.clone();
    let shell_options = leptos_options.clone();
    Router::new()
        .merge(crate::api::rest::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_services.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(services, resolve_caller))
        .layer(middleware::from_fn(reject_oversized_bodies))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(crate::telemetry::count_requests))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // the WASM bundle and pages travel gzipped; event streams are never buffered
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            AppError::internal("the request handler panicked").into_response()
        }))
        .with_state(state)
}

/// A declared body over the limit is refused before it is read, as problem+json.
async fn reject_oversized_bodies(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT_BYTES) {
        // The unread body stays on the wire: the connection cannot be reused.
        let mut response = AppError::PayloadTooLarge.into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(req).await
}

/// Server functions answer every error with 500; give an `AppError` its own
/// status (401, 409, 422, …) so clients and logs see what happened.
async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with("/api/fn/");
    let response = next.run(req).await;
    if !is_server_fn || response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await else {
        return AppError::internal("unreadable server function error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = axum::http::StatusCode::from_u16(err.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A running instance: its address, services and the handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub services: Services,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    engine: tokio::task::JoinSet<()>,
}

impl Running {
    /// Stops accepting connections, lets background tasks finish their current unit
    /// of work, then closes the database.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        let _ = self.server.await;
        let drain = async { while self.engine.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(30), drain)
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not stop within 30 s");
        }
        self.services.store.close().await;
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn wait(self) {
        self.shutdown.cancelled().await;
        self.stop().await;
    }
}

/// Binds, starts the engine (unless disabled) and serves until shutdown.
pub async fn start(services: Services, listener: TcpListener) -> Result<Running, AppError> {
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let shutdown = services.shutdown.clone();
    let engine = if services.config.no_engine {
        tokio::task::JoinSet::new()
    } else {
        crate::engine::spawn_all(&services.runtime(), &shutdown)
    };
    let app = router(services.clone());
    let stop = shutdown.clone();
    let server = tokio::spawn(async move {
        let serving = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await });
        if let Err(e) = serving.await {
            tracing::error!(error = %e, "server stopped with an error");
        }
    });
    Ok(Running {
        addr,
        services,
        shutdown,
        server,
        engine,
    })
}

/// `main`: run until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), AppError> {
    let bind_addr = config.bind_addr;
    let services = build_services(config, Arc::new(SystemClock)).await?;
    let listener = TcpListener::bind(bind_addr)
        .await
        .map_err(|e| AppError::internal(format!("cannot listen on {bind_addr}: {e}")))?;
    let running = start(services.clone(), listener).await?;
    tracing::info!(addr = %running.addr, database = services.store.backend().name(), "Gauntlet is serving on http://{}", running.addr);
    let token = running.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the current work");
        token.cancel();
    });
    running.wait().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
