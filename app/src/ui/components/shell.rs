//! The header on every page: navigation, the signed-in user and their balance.

use crate::api::server_fns::Logout;
use crate::api::server_fns::Me;
use crate::domain::coins::format_coins;
use crate::ui::use_session;
use leptos::prelude::*;

const NAV_LINK: &str = "rounded px-2 py-1 text-slate-100 hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-white";

#[component]
pub fn AppHeader() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="bg-indigo-900 text-white">
            <nav class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6" aria-label="Main">
                <a href="/" class="text-lg font-bold tracking-tight text-white">"Gauntlet"</a>
                <a href="/" class=NAV_LINK>"Challenges"</a>
                <a href="/challenges/new" class=NAV_LINK>"New"</a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let me = match session {
                            Some(s) => s.user.await.ok().flatten(),
                            None => None,
                        };
                        view! { <UserNav me/> }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn UserNav(me: Option<Me>) -> impl IntoView {
    match me {
        None => view! {
            <div class="ml-auto flex items-center gap-3">
                <a href="/login" class=NAV_LINK data-testid="nav-login">"Sign in"</a>
                <a href="/register" class="rounded bg-white px-3 py-1 font-semibold text-indigo-900 hover:bg-indigo-50" data-testid="nav-register">"Register"</a>
            </div>
        }
        .into_any(),
        Some(Me { user, unread }) => {
            let logout = ServerAction::<Logout>::new();
            let admin_links = user.is_admin().then(|| {
                view! {
                    <a href="/admin" class=NAV_LINK data-testid="nav-admin">"Admin"</a>
                    <a href="/admin/payouts" class=NAV_LINK data-testid="nav-admin-payouts">"Payouts"</a>
                    <a href="/admin/users" class=NAV_LINK data-testid="nav-admin-users">"Users"</a>
                    <a href="/admin/analytics" class=NAV_LINK>"Analytics"</a>
                    <a href="/admin/audit" class=NAV_LINK>"Audit"</a>
                }
            });
            view! {
                <a href="/me" class=NAV_LINK data-testid="nav-me">"My account"</a>
                <crate::ui::components::bell::Bell unread/>
                {admin_links}
                <div class="ml-auto flex items-center gap-3">
                    <span class="text-sm text-indigo-100" data-testid="header-user">{user.display_name.clone()}</span>
                    <span class="rounded bg-indigo-800 px-2 py-1 text-sm font-semibold tabular-nums" aria-label="Balance"
                        data-testid="header-balance">{format_coins(user.balance)}" coins"</span>
                    <ActionForm action=logout>
                        <button type="submit" class=NAV_LINK data-testid="logout">"Sign out"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
    }
}
