//! `/`: browse challenges — filters, status badges, live countdowns, pages.

use crate::api::server_fns::list_challenges;
use crate::domain::challenge::{Category, ChallengeStatus};
use crate::domain::coins::format_coins;
use crate::domain::model::Challenge;
use crate::ui::components::badge::StatusBadge;
use crate::ui::components::countdown::Countdown;
use crate::ui::components::feedback::{Empty, ErrorBox, Loading};
use crate::ui::components::form::{BUTTON_CLASS, SECONDARY_BUTTON_CLASS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Debug, Clone, PartialEq, Default)]
struct Filters {
    status: String,
    category: String,
    mine: bool,
    cursor: Option<String>,
}

impl Filters {
    fn href(&self, cursor: Option<&str>) -> String {
        let mut parts = Vec::new();
        if !self.status.is_empty() {
            parts.push(format!("status={}", self.status));
        }
        if !self.category.is_empty() {
            parts.push(format!("category={}", self.category));
        }
        if self.mine {
            parts.push("mine=true".to_string());
        }
        if let Some(c) = cursor {
            parts.push(format!("cursor={c}"));
        }
        if parts.is_empty() {
            "/".to_string()
        } else {
            format!("/?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| Filters {
            status: q.get("status").unwrap_or_default(),
            category: q.get("category").unwrap_or_default(),
            mine: q.get("mine").is_some_and(|m| m == "true" || m == "on"),
            cursor: q.get("cursor").filter(|c| !c.is_empty()),
        })
    });
    let challenges = Resource::new(
        move || filters.get(),
        |f| {
            let opt = |s: String| (!s.is_empty()).then_some(s);
            list_challenges(opt(f.status), opt(f.category), Some(f.mine), f.cursor)
        },
    );
    view! {
        <Title text="Challenges"/>
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Challenges"</h1>
            <a href="/challenges/new" class=BUTTON_CLASS data-testid="new-challenge">"New challenge"</a>
        </div>
        <FilterForm filters/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let f = filters.get_untracked();
                match challenges.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <Empty text="No challenges match. Create the first one!"/>
                    }.into_any(),
                    Ok(page) => {
                        let next = page.next_cursor.as_deref().map(|c| f.href(Some(c)));
                        let first = f.cursor.is_some().then(|| f.href(None));
                        view! {
                            <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="challenge-list">
                                {page.items.into_iter().map(|c| view! { <ChallengeCard challenge=c/> }).collect_view()}
                            </ul>
                            <nav class="mt-6 flex gap-3" aria-label="Pages">
                                {first.map(|href| view! { <a class=SECONDARY_BUTTON_CLASS href=href data-testid="page-first">"First page"</a> })}
                                {next.map(|href| view! { <a class=SECONDARY_BUTTON_CLASS href=href data-testid="page-next">"Next page"</a> })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn FilterForm(filters: Memo<Filters>) -> impl IntoView {
    let f = filters.get_untracked();
    let select = "mt-1 block rounded-md border border-slate-400 bg-white px-2 py-1.5";
    view! {
        <form method="get" action="/" class="mb-6 flex flex-wrap items-end gap-3 rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200"
            data-testid="filters">
            <div>
                <label for="filter-status" class="block text-sm font-medium">"Status"</label>
                <select id="filter-status" name="status" class=select data-testid="filter-status">
                    <option value="" selected=f.status.is_empty()>"Any"</option>
                    {ChallengeStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=f.status == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-category" class="block text-sm font-medium">"Category"</label>
                <select id="filter-category" name="category" class=select data-testid="filter-category">
                    <option value="" selected=f.category.is_empty()>"Any"</option>
                    {Category::ALL.iter().map(|c| view! {
                        <option value=c.as_str() selected=f.category == c.as_str()>{c.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <label class="flex items-center gap-2 pb-2 text-sm">
                <input type="checkbox" name="mine" value="true" checked=f.mine data-testid="filter-mine"/>"Only mine"
            </label>
            <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="filter-submit">"Filter"</button>
        </form>
    }
}

#[component]
pub fn ChallengeCard(challenge: Challenge) -> impl IntoView {
    let closed = !challenge.status.accepts_stakes();
    let href = format!("/challenges/{}", challenge.id);
    view! {
        <li class="flex flex-col rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid="challenge-card"
            data-challenge-id=challenge.id>
            <div class="mb-2 flex items-center justify-between gap-2">
                <StatusBadge status=challenge.status/>
                <span class="text-xs uppercase tracking-wide text-slate-600">{challenge.category.label()}</span>
            </div>
            <a href=href class="text-lg font-semibold text-indigo-800 hover:underline">{challenge.title.clone()}</a>
            <p class="text-sm text-slate-600">"by "{challenge.creator_name.clone()}
                {challenge.challenged_name.clone().map(|n| format!(" · 1-v-1 with {n}"))}</p>
            <dl class="mt-3 grid grid-cols-3 gap-2 text-sm">
                <div><dt class="text-slate-600">"Stake"</dt><dd class="font-semibold tabular-nums">{format_coins(challenge.amount)}</dd></div>
                <div><dt class="text-slate-600">"Pairs"</dt><dd class="font-semibold tabular-nums">{challenge.matched_pairs}</dd></div>
                <div><dt class="text-slate-600">"Pool"</dt><dd class="font-semibold tabular-nums">{format_coins(challenge.pool)}</dd></div>
            </dl>
            <p class="mt-3 text-sm text-slate-700">"Deadline "<Countdown due_at=challenge.due_at closed/></p>
        </li>
    }
}
