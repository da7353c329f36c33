//! `/me`: balance and the ledger history of my wallet.

use crate::api::server_fns::my_transactions;
use crate::domain::coins::format_coins;
use crate::domain::model::{LedgerTx, TxKind};
use crate::ui::components::feedback::{Empty, ErrorBox, Loading};
use crate::ui::components::form::SECONDARY_BUTTON_CLASS;
use crate::ui::components::guard::Guarded;
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MePage() -> impl IntoView {
    view! {
        <Title text="My account"/>
        <Guarded>
            <MeContent/>
        </Guarded>
    }
}

#[component]
fn MeContent() -> impl IntoView {
    let session = use_session();
    let balance = move || {
        session
            .and_then(|s| s.user.get())
            .and_then(|r| r.ok())
            .flatten()
            .map(|me| (me.user.balance, me.user.frozen))
    };
    view! {
        <h1 class="mb-4 text-2xl font-bold">"My account"</h1>
        <section class="mb-8 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-sm font-medium uppercase tracking-wide text-slate-600">"Balance"</h2>
            <p class="text-3xl font-bold tabular-nums" data-testid="me-balance">
                {move || balance().map(|(b, _)| format_coins(b)).unwrap_or_default()}" coins"
            </p>
            {move || balance().filter(|(_, frozen)| *frozen).map(|_| view! {
                <p class="mt-2 rounded bg-amber-100 px-2 py-1 text-sm text-amber-900" data-testid="me-frozen">
                    "Your wallet is frozen: you cannot stake until an admin unfreezes it."
                </p>
            })}
        </section>
        <History/>
    }
}

#[component]
fn History() -> impl IntoView {
    let cursor = RwSignal::new(None::<String>);
    let history = Resource::new(move || cursor.get(), my_transactions);
    view! {
        <section>
            <h2 class="mb-3 text-xl font-semibold">"Ledger history"</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match history.await {
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                        Ok(page) if page.items.is_empty() && cursor.get_untracked().is_none() => {
                            view! { <Empty text="No movements yet. Coins arrive when an admin credits you."/> }.into_any()
                        }
                        Ok(page) => {
                            let next = page.next_cursor.clone();
                            view! {
                                <HistoryTable rows=page.items/>
                                {next.map(|n| view! {
                                    <button class=format!("{SECONDARY_BUTTON_CLASS} mt-3") data-testid="history-more"
                                        on:click=move |_| cursor.set(Some(n.clone()))>"Older movements"</button>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

fn kind_label(kind: TxKind) -> &'static str {
    match kind {
        TxKind::Credit => "Credit",
        TxKind::Stake => "Stake",
        TxKind::Refund => "Refund",
        TxKind::Payout => "Payout",
        TxKind::Fee => "Fee",
    }
}

#[component]
fn HistoryTable(rows: Vec<LedgerTx>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="history">
                <thead class="bg-slate-100 text-left text-slate-700">
                    <tr><th class="px-3 py-2">"When"</th><th class="px-3 py-2">"Kind"</th>
                        <th class="px-3 py-2">"Challenge"</th><th class="px-3 py-2 text-right">"Coins"</th></tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|tx| {
                        let signed = tx.signed_amount.unwrap_or(tx.amount);
                        let class = if signed >= 0 { "px-3 py-2 text-right tabular-nums text-emerald-800" } else { "px-3 py-2 text-right tabular-nums text-red-800" };
                        let sign = if signed >= 0 { "+" } else { "−" };
                        view! {
                            <tr class="border-t border-slate-100" data-testid="history-row">
                                <td class="px-3 py-2 whitespace-nowrap"><LocalTime at=tx.created_at/></td>
                                <td class="px-3 py-2">{kind_label(tx.kind)}{tx.memo.map(|m| format!(" — {m}"))}</td>
                                <td class="px-3 py-2">{tx.challenge_id.map(|id| view! { <a class="text-indigo-700 underline" href=format!("/challenges/{id}")>{format!("#{id}")}</a> })}</td>
                                <td class=class>{sign}{format_coins(signed.abs())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

pub use crate::ui::components::time::LocalTime;
