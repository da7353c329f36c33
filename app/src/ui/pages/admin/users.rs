//! `/admin/users`: search, credit coins, freeze and unfreeze wallets.

use crate::api::server_fns::{admin_users, AdminCredit, AdminSetFrozen};
use crate::domain::coins::format_coins;
use crate::domain::model::User;
use crate::ui::components::feedback::{ActionResult, Empty, ErrorBox, Loading};
use crate::ui::components::form::{BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON_CLASS};
use crate::ui::components::guard::Guarded;
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="Users"/>
        <Guarded admin=true>
            <UsersContent/>
        </Guarded>
    }
}

#[component]
fn UsersContent() -> impl IntoView {
    let query = move || use_query_map().with(|q| q.get("q")).unwrap_or_default();
    let credit = ServerAction::<AdminCredit>::new();
    let freeze = ServerAction::<AdminSetFrozen>::new();
    let session = use_session();
    let users = Resource::new(
        move || (query(), credit.version().get(), freeze.version().get()),
        |(q, _, _)| admin_users(Some(q), None),
    );
    // The admin's own balance in the header may have changed too.
    Effect::new(move |_| {
        if credit.version().get() > 0 {
            if let Some(s) = session {
                s.bump();
            }
        }
    });
    view! {
        <h1 class="mb-4 text-2xl font-bold">"Users"</h1>
        <form method="get" action="/admin/users" class="mb-4 flex max-w-md gap-2" role="search">
            <label for="user-search" class="sr-only">"Search users"</label>
            <input id="user-search" name="q" value=query class=INPUT_CLASS placeholder="username or name"
                data-testid="user-search"/>
            <button type="submit" class=BUTTON_CLASS>"Search"</button>
        </form>
        <div class="mb-3 space-y-1">
            <ActionResult value=credit.value() ok_text="Credited." testid="credit-result"/>
            <ActionResult value=freeze.value() ok_text="Wallet updated." testid="freeze-result"/>
            {move || credit.value().get().and_then(|r| r.err()).and_then(|e| e.field("amount")).map(|m| view! {
                <p class="text-sm text-red-800" role="alert" data-testid="error-amount">{m}</p>
            })}
        </div>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <Empty text="No users match."/> }.into_any(),
                    Ok(page) => view! {
                        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                            <table class="min-w-full text-sm" data-testid="users-table">
                                <thead class="bg-slate-100 text-left text-slate-700">
                                    <tr><th class="px-3 py-2">"User"</th><th class="px-3 py-2">"Role"</th>
                                        <th class="px-3 py-2 text-right">"Balance"</th><th class="px-3 py-2">"Wallet"</th>
                                        <th class="px-3 py-2">"Credit"</th></tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(|u| view! { <UserRow user=u credit freeze/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserRow(
    user: User,
    credit: ServerAction<AdminCredit>,
    freeze: ServerAction<AdminSetFrozen>,
) -> impl IntoView {
    let row_id = format!("user-row-{}", user.username);
    let freeze_label = if user.frozen { "Unfreeze" } else { "Freeze" };
    view! {
        <tr class="border-t border-slate-100 align-top" data-testid=row_id>
            <td class="px-3 py-2"><span class="font-medium">{user.display_name.clone()}</span>
                <span class="block text-xs text-slate-600">"@"{user.username.clone()}" · #"{user.id}</span></td>
            <td class="px-3 py-2">{user.role.as_str()}</td>
            <td class="px-3 py-2 text-right tabular-nums" data-testid="user-balance">{format_coins(user.balance)}</td>
            <td class="px-3 py-2">
                <span class="mr-2" data-testid="user-frozen">{if user.frozen { "Frozen" } else { "Active" }}</span>
                <ActionForm action=freeze>
                    <input type="hidden" name="user_id" value=user.id/>
                    <input type="hidden" name="frozen" value=(!user.frozen).to_string()/>
                    <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="freeze-toggle">{freeze_label}</button>
                </ActionForm>
            </td>
            <td class="px-3 py-2">
                <ActionForm action=credit>
                    <div class="flex gap-2">
                        <input type="hidden" name="user_id" value=user.id/>
                        <label class="sr-only" for=format!("credit-{}", user.id)>"Coins to credit"</label>
                        <input id=format!("credit-{}", user.id) name="amount" inputmode="numeric" required=true
                            class="w-28 rounded-md border border-slate-400 px-2 py-1" placeholder="coins" data-testid="credit-amount"/>
                        <input type="hidden" name="memo" value=""/>
                        <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="credit-submit">"Credit"</button>
                    </div>
                </ActionForm>
            </td>
        </tr>
    }
}
