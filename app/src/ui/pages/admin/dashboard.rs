//! `/admin`: challenges by state, in tabs with counts. The Awaiting tab is the
//! admin's queue: oldest deadline first, with how long each has waited; its badge
//! and list refresh live as the scheduler locks challenges.

use crate::api::server_fns::{admin_challenge_list, admin_counts};
use crate::domain::challenge::ChallengeStatus;
use crate::domain::coins::format_coins;
use crate::domain::model::Challenge;
use crate::domain::time::relative;
use crate::ui::components::countdown::{now_ms, Countdown};
use crate::ui::components::feedback::{Empty, ErrorBox, Loading};
use crate::ui::components::guard::Guarded;
use crate::ui::components::time::LocalTime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub const TABS: [(ChallengeStatus, &str); 5] = [
    (ChallengeStatus::Active, "Active"),
    (ChallengeStatus::PendingAdmin, "Awaiting"),
    (ChallengeStatus::Resolving, "Resolving"),
    (ChallengeStatus::Completed, "Completed"),
    (ChallengeStatus::Cancelled, "Cancelled"),
];
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn AdminDashboardPage() -> impl IntoView {
    view! {
        <Title text="Admin"/>
        <Guarded admin=true>
            <Dashboard/>
        </Guarded>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        query
            .with(|q| q.get("tab"))
            .and_then(|t| ChallengeStatus::parse(&t))
            .unwrap_or(ChallengeStatus::PendingAdmin)
    });
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || tick.update(|n| *n += 1), REFRESH_EVERY);
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    let counts = Resource::new(move || tick.get(), |_| admin_counts());
    let list = Resource::new(
        move || (tab.get(), tick.get()),
        |(t, _)| admin_challenge_list(t.as_str().to_string(), None),
    );
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Admin dashboard"</h1>
            <nav class="flex gap-3 text-sm">
                <a class="text-indigo-700 underline" href="/admin/payouts">"Payout jobs"</a>
                <a class="text-indigo-700 underline" href="/admin/analytics">"Analytics"</a>
                <a class="text-indigo-700 underline" href="/admin/users">"Users"</a>
                <a class="text-indigo-700 underline" href="/admin/audit">"Audit log"</a>
            </nav>
        </div>
        <nav class="mb-4 flex flex-wrap gap-1 border-b border-slate-300" role="tablist" aria-label="Challenge states">
            {TABS.into_iter().map(|(status, label)| {
                let selected = move || tab.get() == status;
                view! {
                    <a href=format!("/admin?tab={}", status.as_str()) role="tab" aria-selected=move || selected().to_string()
                        data-testid=format!("tab-{}", status.as_str())
                        class=move || if selected() { "-mb-px rounded-t border border-b-white border-slate-300 bg-white px-3 py-2 font-semibold" }
                                       else { "px-3 py-2 text-slate-700 hover:text-slate-900" }>
                        {label}" "
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let n = counts.await.ok().and_then(|c| c.iter().find(|(s, _)| *s == status).map(|(_, n)| *n)).unwrap_or(0);
                                let badge = if status == ChallengeStatus::PendingAdmin && n > 0 { "bg-violet-700 text-white" } else { "bg-slate-200 text-slate-800" };
                                view! {
                                    <span class=format!("ml-1 rounded-full px-2 py-0.5 text-xs font-bold tabular-nums {badge}")
                                        data-testid=format!("count-{}", status.as_str())>{n}</span>
                                }
                            })}
                        </Transition>
                    </a>
                }
            }).collect_view()}
        </nav>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let t = tab.get_untracked();
                match list.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <Empty text=if t == ChallengeStatus::PendingAdmin { "Nothing awaits a result. The scheduler adds challenges here the moment their deadline passes." } else { "No challenges in this state." }/>
                    }.into_any(),
                    Ok(page) => view! { <ChallengeTable rows=page.items awaiting=t == ChallengeStatus::PendingAdmin/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChallengeTable(rows: Vec<Challenge>, awaiting: bool) -> impl IntoView {
    let now = now_ms();
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="admin-challenges">
                <thead class="bg-slate-100 text-left text-slate-700">
                    <tr><th class="px-3 py-2">"Challenge"</th><th class="px-3 py-2 text-right">"Pairs"</th>
                        <th class="px-3 py-2 text-right">"Pool"</th><th class="px-3 py-2">"Deadline"</th>
                        <th class="px-3 py-2">{if awaiting { "Waiting for" } else { "Status" }}</th></tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|c| {
                        let locked_ms = c.locked_at.map(|t| t.timestamp_millis());
                        view! {
                            <tr class="border-t border-slate-100" data-testid="admin-challenge-row" data-challenge-id=c.id>
                                <td class="px-3 py-2"><a class="font-medium text-indigo-800 underline" href=format!("/admin/challenges/{}", c.id)>{c.title.clone()}</a>
                                    <span class="block text-xs text-slate-600">"#"{c.id}" · "{c.category.label()}" · "{format_coins(c.amount)}" per stake"</span></td>
                                <td class="px-3 py-2 text-right tabular-nums">{c.matched_pairs}</td>
                                <td class="px-3 py-2 text-right tabular-nums">{format_coins(c.pool)}</td>
                                <td class="px-3 py-2 whitespace-nowrap"><LocalTime at=c.due_at/></td>
                                <td class="px-3 py-2 whitespace-nowrap">
                                    {if awaiting {
                                        view! { <span class="tabular-nums" data-testid="waited">{move || locked_ms.map(|l| relative(l - now.get()).replace(" ago", "")).unwrap_or_default()}</span> }.into_any()
                                    } else if c.status.accepts_stakes() {
                                        view! { <Countdown due_at=c.due_at/> }.into_any()
                                    } else {
                                        view! { <span>{c.status.label()}</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
