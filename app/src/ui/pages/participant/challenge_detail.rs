//! `/challenges/{id}`: both sides, pairs, pool, a live countdown, join, withdraw,
//! evidence and the result. Polls while open so a join elsewhere shows up here.

use crate::api::server_fns::{
    get_challenge, list_evidence, AddEvidence, JoinChallenge, WithdrawStake,
};
use crate::domain::challenge::{Outcome, Side, StakeStatus};
use crate::domain::coins::format_coins;
use crate::domain::model::{Challenge, Evidence, User};
use crate::ui::components::badge::StatusBadge;
use crate::ui::components::countdown::Countdown;
use crate::ui::components::feedback::{set_page_status, ActionResult, Empty, ErrorBox, Loading};
use crate::ui::components::form::{field_error, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON_CLASS};
use crate::ui::components::time::LocalTime;
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// How often an open challenge page refreshes its counts.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn ChallengePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let join = ServerAction::<JoinChallenge>::new();
    let withdraw = ServerAction::<WithdrawStake>::new();
    let evidence_action = ServerAction::<AddEvidence>::new();
    let poll = RwSignal::new(0u64);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || poll.update(|n| *n += 1), POLL_EVERY);
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    let session = use_session();
    Effect::new(move |_| {
        if join.version().get() + withdraw.version().get() > 0 {
            if let Some(s) = session {
                s.bump();
            }
        }
    });
    let challenge = Resource::new(
        move || {
            (
                id(),
                join.version().get(),
                withdraw.version().get(),
                poll.get(),
            )
        },
        |(id, _, _, _)| get_challenge(id),
    );
    let evidence = Resource::new(
        move || (id(), evidence_action.version().get()),
        |(id, _)| list_evidence(id),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let user = match session { Some(s) => s.signed_in().await, None => None };
                match challenge.await {
                    Err(error) => {
                        if error.status() == 404 { set_page_status(404); }
                        view! { <ErrorBox error/> }.into_any()
                    }
                    Ok(c) => view! {
                        <Title text=c.title.clone()/>
                        <ChallengeView challenge=c.clone() user=user.clone() join withdraw/>
                        <EvidenceSection challenge=c user evidence action=evidence_action/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChallengeView(
    challenge: Challenge,
    user: Option<User>,
    join: ServerAction<JoinChallenge>,
    withdraw: ServerAction<WithdrawStake>,
) -> impl IntoView {
    let c = challenge;
    let open = c.status.accepts_stakes();
    let live_stake = c
        .my_stake
        .clone()
        .filter(|s| s.status != StakeStatus::Cancelled);
    view! {
        <article class="space-y-6">
            <header>
                <div class="flex flex-wrap items-center gap-3">
                    <StatusBadge status=c.status/>
                    <span class="text-sm uppercase tracking-wide text-slate-600">{c.category.label()}</span>
                    <span class="text-sm text-slate-600">"#"{c.id}</span>
                </div>
                <h1 class="mt-2 text-3xl font-bold" data-testid="challenge-title">{c.title.clone()}</h1>
                <p class="text-slate-600">"by "{c.creator_name.clone()}
                    {c.challenged_name.clone().map(|n| format!(" · direct challenge to {n}"))}</p>
                {(!c.description.is_empty()).then(|| view! { <p class="mt-3 whitespace-pre-line">{c.description.clone()}</p> })}
            </header>
            <section class="grid gap-4 sm:grid-cols-4" aria-label="Numbers">
                <Stat label="Stake per entry" value=format_coins(c.amount) testid="stat-amount"/>
                <Stat label="Matched pairs" value=c.matched_pairs.to_string() testid="stat-pairs"/>
                <Stat label="Pool" value=format!("{} coins", format_coins(c.pool)) testid="stat-pool"/>
                <div class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                    <p class="text-sm text-slate-600">"Deadline"</p>
                    <p class="font-semibold"><Countdown due_at=c.due_at closed=!open/></p>
                    <p class="text-xs text-slate-600"><LocalTime at=c.due_at/></p>
                </div>
            </section>
            <section class="grid gap-4 sm:grid-cols-2" aria-label="Sides">
                <SideCard side=Side::Yes waiting=c.yes_waiting pairs=c.matched_pairs/>
                <SideCard side=Side::No waiting=c.no_waiting pairs=c.matched_pairs/>
            </section>
            {c.result.map(|r| view! { <ResultBanner outcome=r notes=c.admin_notes.clone()/> })}
            <section class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-label="Your stake">
                {match (&user, live_stake.clone()) {
                    (None, _) => view! {
                        <p><a class="text-indigo-700 underline" href=format!("/login?next=/challenges/{}", c.id)>"Sign in"</a>" to take a side."</p>
                    }.into_any(),
                    (Some(_), Some(stake)) => {
                        let waiting = stake.status == StakeStatus::Waiting;
                        view! {
                            <p data-testid="my-stake">"You stake "<strong>{stake.side.label()}</strong>" — "
                                {if waiting { "waiting for an opponent" } else { "matched" }}</p>
                            {(waiting && open).then(|| view! {
                                <ActionForm action=withdraw>
                                    <input type="hidden" name="challenge_id" value=c.id/>
                                    <button type="submit" class=format!("{SECONDARY_BUTTON_CLASS} mt-2") data-testid="withdraw">"Withdraw and refund"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                    (Some(_), None) if open => view! { <JoinButtons challenge=c.clone() join/> }.into_any(),
                    (Some(_), None) => view! { <p class="text-slate-700">"This challenge no longer takes stakes."</p> }.into_any(),
                }}
                <div class="mt-2">
                    <ActionResult value=join.value() ok_text="Your stake is placed." testid="join-result"/>
                    <ActionResult value=withdraw.value() ok_text="Withdrawn: the coins are back in your wallet." testid="withdraw-result"/>
                </div>
            </section>
        </article>
    }
}

#[component]
fn Stat(#[prop(into)] label: String, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <p class="text-sm text-slate-600">{label}</p>
            <p class="text-xl font-semibold tabular-nums" data-testid=testid>{value}</p>
        </div>
    }
}

#[component]
fn SideCard(side: Side, waiting: i64, pairs: i64) -> impl IntoView {
    let colour = match side {
        Side::Yes => "border-emerald-600",
        Side::No => "border-rose-600",
    };
    view! {
        <div class=format!("rounded-lg border-l-4 bg-white p-4 shadow-sm ring-1 ring-slate-200 {colour}")
            data-testid=format!("side-{}", side.as_str())>
            <h2 class="text-lg font-bold">{side.label()}</h2>
            <p><span class="tabular-nums" data-testid=format!("waiting-{}", side.as_str())>{waiting}</span>" waiting · "
                <span class="tabular-nums">{pairs}</span>" matched"</p>
        </div>
    }
}

#[component]
fn ResultBanner(outcome: Outcome, notes: Option<String>) -> impl IntoView {
    let text = match outcome {
        Outcome::Yes => "Result: YES won",
        Outcome::No => "Result: NO won",
        Outcome::Draw => "Result: draw — every stake refunded",
    };
    view! {
        <section class="rounded-lg bg-indigo-50 p-4 ring-1 ring-indigo-200" data-testid="result">
            <p class="font-semibold">{text}</p>
            {notes.map(|n| view! { <p class="mt-1 text-sm text-slate-700">{n}</p> })}
        </section>
    }
}

#[component]
fn JoinButtons(challenge: Challenge, join: ServerAction<JoinChallenge>) -> impl IntoView {
    let sides: Vec<Side> = match challenge.challenged_id {
        // a direct challenge is taken on the side opposite the creator's; the server checks too
        Some(_) => vec![if challenge.yes_waiting > 0 {
            Side::No
        } else {
            Side::Yes
        }],
        None => vec![Side::Yes, Side::No],
    };
    view! {
        <p class="mb-2">"Stake "<strong>{format_coins(challenge.amount)}" coins"</strong>" on a side:"</p>
        <div class="flex flex-wrap gap-3">
            {sides.into_iter().map(|side| view! {
                <ActionForm action=join>
                    <input type="hidden" name="challenge_id" value=challenge.id/>
                    <input type="hidden" name="side" value=side.as_str()/>
                    <button type="submit" class=BUTTON_CLASS data-testid=format!("join-{}", side.as_str())>
                        "Join "{side.label()}
                    </button>
                </ActionForm>
            }).collect_view()}
        </div>
    }
}

#[component]
fn EvidenceSection(
    challenge: Challenge,
    user: Option<User>,
    evidence: Resource<Result<crate::domain::model::Page<Evidence>, crate::domain::AppError>>,
    action: ServerAction<AddEvidence>,
) -> impl IntoView {
    let value = action.value();
    let may_add = user.is_some()
        && challenge.status.accepts_evidence()
        && (challenge
            .my_stake
            .as_ref()
            .is_some_and(|s| s.status != StakeStatus::Cancelled)
            || user.as_ref().is_some_and(|u| u.id == challenge.creator_id));
    view! {
        <section class="mt-8" aria-label="Evidence">
            <h2 class="mb-3 text-xl font-semibold">"Evidence"</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match evidence.await {
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <Empty text="No evidence yet."/> }.into_any(),
                        Ok(page) => view! {
                            <ul class="space-y-3" data-testid="evidence-list">
                                {page.items.into_iter().map(|e| view! {
                                    <li class="rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200" data-testid="evidence-item">
                                        <p class="text-sm text-slate-600">"@"{e.username}" · "<LocalTime at=e.created_at/></p>
                                        <p class="whitespace-pre-line">{e.text}</p>
                                        {e.url.map(|u| view! {
                                            <a class="break-all text-indigo-700 underline" href=u.clone() rel="nofollow noopener noreferrer" target="_blank">{u.clone()}</a>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
            {may_add.then(|| view! {
                <ActionForm action>
                    <input type="hidden" name="challenge_id" value=challenge.id/>
                    <div class="mt-4 max-w-xl">
                        <label for="field-text" class="block text-sm font-medium">"What happened"</label>
                        <textarea id="field-text" name="text" rows="3" required=true maxlength="2000" class=INPUT_CLASS data-testid="evidence-text"></textarea>
                        <p class="text-sm text-red-800" role="alert" data-testid="error-text">{move || field_error(value, "text").get()}</p>
                        <label for="field-url" class="mt-2 block text-sm font-medium">"Link (optional, http or https)"</label>
                        <input id="field-url" name="url" type="url" class=INPUT_CLASS data-testid="evidence-url"/>
                        <p class="text-sm text-red-800" role="alert" data-testid="error-url">{move || field_error(value, "url").get()}</p>
                        <button type="submit" class=format!("{BUTTON_CLASS} mt-2") data-testid="evidence-submit">"Add evidence"</button>
                        <ActionResult value ok_text="Evidence added." testid="evidence-result"/>
                    </div>
                </ActionForm>
            })}
        </section>
    }
}
