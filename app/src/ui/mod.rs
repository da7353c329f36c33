//! The browser UI: server-rendered pages that hydrate into live components.

pub mod components;
pub mod pages;

use crate::api::server_fns::{current_user, Me};
use crate::domain::model::User;
use components::shell::AppHeader;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use pages::{admin, participant};

/// The HTML document around the app (server side only renders this).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The signed-in user, shared by the header and every page; `refresh` refetches it
/// after anything that changes the balance or the session.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<Me>, crate::domain::AppError>>,
    pub refresh: RwSignal<u64>,
}

impl Session {
    /// The signed-in user, once known.
    pub async fn signed_in(&self) -> Option<User> {
        self.user.await.ok().flatten().map(|me| me.user)
    }

    pub fn bump(&self) {
        self.refresh.update(|n| *n += 1);
    }
}

pub fn use_session() -> Option<Session> {
    use_context::<Session>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let refresh = RwSignal::new(0u64);
    let user = Resource::new(move || refresh.get(), |_| current_user());
    provide_context(Session { user, refresh });
    components::countdown::provide_now();
    components::bell::provide_live();

    view! {
        <Stylesheet id="leptos" href="/pkg/gauntlet.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Gauntlet".to_string() } else { format!("{text} · Gauntlet") }/>
        <Router>
            <AppHeader/>
            <main class="mx-auto w-full max-w-6xl px-4 py-6 sm:px-6">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=participant::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=participant::auth::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=participant::auth::RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/challenges/new") view=participant::challenge_new::NewChallengePage ssr=SsrMode::Async/>
                    <Route path=path!("/challenges/:id") view=participant::challenge_detail::ChallengePage ssr=SsrMode::Async/>
                    <Route path=path!("/me") view=participant::me::MePage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=participant::notifications::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=admin::dashboard::AdminDashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/challenges/:id") view=admin::challenge::AdminChallengePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/payouts") view=admin::payouts::AdminPayoutsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/payouts/:id") view=admin::job::AdminJobPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=admin::users::AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/analytics") view=admin::analytics::AdminAnalyticsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=admin::audit::AdminAuditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// Pages allow only our own scripts and the inline boot script carrying this
/// response's nonce (Leptos adds it to every script it writes).
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use leptos::nonce::use_nonce;
    if let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
