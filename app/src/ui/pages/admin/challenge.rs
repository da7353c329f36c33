//! `/admin/challenges/{id}`: details, evidence, participants, what each outcome
//! would pay (the engine's own arithmetic), resolve and cancel.

use crate::api::server_fns::{
    admin_challenge, list_evidence, AdminChallengeView, CancelChallenge, ResolveChallenge,
};
use crate::domain::challenge::Outcome;
use crate::domain::coins::format_coins;
use crate::domain::payout::Settlement;
use crate::ui::components::badge::{JobBadge, StatusBadge};
use crate::ui::components::feedback::{ErrorBox, Loading};
use crate::ui::components::form::{
    field_error, form_error, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON_CLASS,
};
use crate::ui::components::guard::Guarded;
use crate::ui::components::time::LocalTime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminChallengePage() -> impl IntoView {
    view! {
        <Title text="Resolve challenge"/>
        <Guarded admin=true>
            <AdminChallenge/>
        </Guarded>
    }
}

#[component]
fn AdminChallenge() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let resolve = ServerAction::<ResolveChallenge>::new();
    let cancel = ServerAction::<CancelChallenge>::new();
    let view_data = Resource::new(
        move || (id(), resolve.version().get(), cancel.version().get()),
        |(id, _, _)| admin_challenge(id),
    );
    let evidence = Resource::new(id, list_evidence);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match view_data.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(v) => view! { <Details v=v.clone() resolve cancel/> }.into_any(),
                }
            })}
        </Suspense>
        <section class="mt-8">
            <h2 class="mb-2 text-xl font-semibold">"Evidence"</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match evidence.await {
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <p class="text-slate-600">"No evidence was submitted."</p> }.into_any(),
                        Ok(page) => view! {
                            <ul class="space-y-2" data-testid="admin-evidence">
                                {page.items.into_iter().map(|e| view! {
                                    <li class="rounded bg-white p-3 ring-1 ring-slate-200">
                                        <p class="text-sm text-slate-600">"@"{e.username}" · "<LocalTime at=e.created_at/></p>
                                        <p class="whitespace-pre-line">{e.text}</p>
                                        {e.url.map(|u| view! { <a class="break-all text-indigo-700 underline" href=u.clone() rel="nofollow noopener noreferrer" target="_blank">{u.clone()}</a> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Details(
    v: AdminChallengeView,
    resolve: ServerAction<ResolveChallenge>,
    cancel: ServerAction<CancelChallenge>,
) -> impl IntoView {
    let c = v.challenge.clone();
    let p = v.preview.clone();
    let can_resolve = c.status == crate::domain::challenge::ChallengeStatus::PendingAdmin;
    let can_cancel = c.status.admin_can_cancel();
    let resolve_value = resolve.value();
    let cancel_value = cancel.value();
    view! {
        <header class="mb-6">
            <div class="flex items-center gap-3"><StatusBadge status=c.status/><span class="text-sm text-slate-600">"#"{c.id}</span></div>
            <h1 class="mt-2 text-2xl font-bold" data-testid="challenge-title">{c.title.clone()}</h1>
            <p class="text-slate-700">"by "{c.creator_name.clone()}" · deadline "<LocalTime at=c.due_at/>
                {c.locked_at.map(|t| view! { " · locked "<LocalTime at=t/> })}</p>
            {(!c.description.is_empty()).then(|| view! { <p class="mt-2 whitespace-pre-line">{c.description.clone()}</p> })}
            {v.job.clone().map(|job| view! {
                <p class="mt-2">"Payout job "<a class="text-indigo-700 underline" href=format!("/admin/payouts/{}", job.id)>"#"{job.id}</a>" "<JobBadge status=job.status/></p>
            })}
        </header>
        <section class="mb-6">
            <h2 class="mb-2 text-xl font-semibold">"What each outcome pays"</h2>
            <p class="mb-2 text-sm text-slate-700">{c.matched_pairs}" matched pairs at "{format_coins(c.amount)}" coins; fee "
                {format!("{:.2}", p.fee_bps as f64 / 100.0)}"% of each pair's pot."</p>
            <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                <table class="min-w-full text-sm" data-testid="preview">
                    <thead class="bg-slate-100 text-left text-slate-700">
                        <tr><th class="px-3 py-2">"Outcome"</th><th class="px-3 py-2 text-right">"Entries paid"</th>
                            <th class="px-3 py-2 text-right">"Each receives"</th><th class="px-3 py-2 text-right">"Pot"</th>
                            <th class="px-3 py-2 text-right">"Payouts"</th><th class="px-3 py-2 text-right">"Fee"</th><th class="px-3 py-2">"Check"</th></tr>
                    </thead>
                    <tbody>
                        <PreviewRow label="YES wins" s=p.yes testid="preview-yes"/>
                        <PreviewRow label="NO wins" s=p.no testid="preview-no"/>
                        <PreviewRow label="Draw (refund pairs)" s=p.draw testid="preview-draw"/>
                        <PreviewRow label="Cancel (refund everyone)" s=p.cancel testid="preview-cancel"/>
                    </tbody>
                </table>
            </div>
        </section>
        {can_resolve.then(|| view! {
            <section class="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <h2 class="mb-2 text-xl font-semibold">"Resolve"</h2>
                <ActionForm action=resolve>
                    <input type="hidden" name="challenge_id" value=c.id/>
                    <label for="resolve-notes" class="block text-sm font-medium">"Notes (optional)"</label>
                    <textarea id="resolve-notes" name="notes" rows="2" maxlength="2000" class=INPUT_CLASS data-testid="resolve-notes"></textarea>
                    <p class="text-sm text-red-800" role="alert">{move || field_error(resolve_value, "notes").get()}</p>
                    <div class="mt-3 flex flex-wrap gap-2">
                        {[Outcome::Yes, Outcome::No, Outcome::Draw].into_iter().map(|o| view! {
                            <button type="submit" name="result" value=o.as_str() class=BUTTON_CLASS data-testid=format!("resolve-{}", o.as_str())>
                                {match o { Outcome::Yes => "YES won", Outcome::No => "NO won", Outcome::Draw => "Draw" }}
                            </button>
                        }).collect_view()}
                    </div>
                    <p class="mt-2 text-sm text-red-800" role="alert" data-testid="resolve-error">{move || form_error(resolve_value).get()}</p>
                </ActionForm>
            </section>
        })}
        {can_cancel.then(|| view! {
            <section class="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <h2 class="mb-2 text-xl font-semibold">"Cancel and refund everyone"</h2>
                <ActionForm action=cancel>
                    <input type="hidden" name="challenge_id" value=c.id/>
                    <label for="cancel-notes" class="block text-sm font-medium">"Reason (optional)"</label>
                    <input id="cancel-notes" name="notes" maxlength="2000" class=INPUT_CLASS data-testid="cancel-notes"/>
                    <button type="submit" class=format!("{SECONDARY_BUTTON_CLASS} mt-3") data-testid="cancel-challenge">"Cancel challenge"</button>
                    <p class="mt-2 text-sm text-red-800" role="alert">{move || form_error(cancel_value).get()}</p>
                </ActionForm>
            </section>
        })}
        <section>
            <h2 class="mb-2 text-xl font-semibold">"Participants"</h2>
            <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                <table class="min-w-full text-sm" data-testid="participants">
                    <thead class="bg-slate-100 text-left text-slate-700"><tr><th class="px-3 py-2">"User"</th><th class="px-3 py-2">"Side"</th><th class="px-3 py-2">"Stake"</th></tr></thead>
                    <tbody>
                        {v.participants.into_iter().map(|(s, name)| view! {
                            <tr class="border-t border-slate-100"><td class="px-3 py-2">"@"{name}</td><td class="px-3 py-2">{s.side.label()}</td>
                                <td class="px-3 py-2">{s.status.as_str()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {v.more_participants.then(|| view! { <p class="mt-1 text-sm text-slate-600">"The first 200 are shown."</p> })}
        </section>
    }
}

#[component]
fn PreviewRow(label: &'static str, s: Settlement, testid: &'static str) -> impl IntoView {
    view! {
        <tr class="border-t border-slate-100" data-testid=testid>
            <td class="px-3 py-2 font-medium">{label}</td>
            <td class="px-3 py-2 text-right tabular-nums">{format_coins(s.entries)}</td>
            <td class="px-3 py-2 text-right tabular-nums">{format_coins(s.amount_per_entry_coins)}</td>
            <td class="px-3 py-2 text-right tabular-nums">{format_coins(s.pot_coins)}</td>
            <td class="px-3 py-2 text-right tabular-nums">{format_coins(s.paid_coins)}</td>
            <td class="px-3 py-2 text-right tabular-nums">{format_coins(s.fee_coins)}</td>
            <td class="px-3 py-2">{if s.balances() { "pot = payouts + fee ✓" } else { "does not balance ✗" }}</td>
        </tr>
    }
}
