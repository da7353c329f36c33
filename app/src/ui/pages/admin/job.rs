//! `/admin/payouts/{id}`: one job's progress, polled every 2 s — processed /
//! failed / total, entries per second, time left — the failed entries with their
//! reasons, and what the ledger says was paid beside the job's own counter.

use super::payouts::{polling, JobButtons};
use crate::api::server_fns::{payout_job, JobAction, JobView};
use crate::domain::coins::format_coins;
use crate::domain::model::JobStatus;
use crate::domain::time::relative;
use crate::ui::components::badge::JobBadge;
use crate::ui::components::feedback::{ActionResult, ErrorBox, Loading};
use crate::ui::components::guard::Guarded;
use crate::ui::components::progress::ProgressBar;
use crate::ui::components::time::LocalTime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn AdminJobPage() -> impl IntoView {
    view! {
        <Title text="Payout job"/>
        <Guarded admin=true>
            <Job/>
        </Guarded>
    }
}

#[component]
fn Job() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let control = ServerAction::<JobAction>::new();
    let tick = polling(POLL_EVERY);
    let job = Resource::new(
        move || (id(), tick.get(), control.version().get()),
        |(id, _, _)| payout_job(id),
    );
    view! {
        <ActionResult value=control.value() ok_text="Done." testid="job-action-result"/>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match job.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(v) => view! { <JobDetails v control/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobDetails(v: JobView, control: ServerAction<JobAction>) -> impl IntoView {
    let j = v.job.clone();
    let remaining = (j.total_entries - j.processed_entries).max(0);
    let eta = (j.status == JobStatus::Running && j.entries_per_sec > 0.0 && remaining > 0)
        .then(|| relative((remaining as f64 / j.entries_per_sec * 1000.0) as i64));
    let agrees = v.ledger_paid_coins == j.paid_coins;
    view! {
        <header class="mb-4">
            <div class="flex items-center gap-3"><JobBadge status=j.status/><span class="text-sm text-slate-600">{j.kind.as_str()}" job"</span></div>
            <h1 class="mt-1 text-2xl font-bold">"Job #"{j.id}" · "<a class="text-indigo-800 underline" href=format!("/admin/challenges/{}", j.challenge_id)>{j.challenge_title.clone()}</a></h1>
            <p class="text-sm text-slate-700">"queued "<LocalTime at=j.created_at/>
                {j.started_at.map(|t| view! { " · started "<LocalTime at=t/> })}
                {j.completed_at.map(|t| view! { " · ended "<LocalTime at=t/> })}</p>
        </header>
        <section class="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <ProgressBar processed=j.processed_entries total=j.total_entries failed=j.failed_entries testid="job-progress"/>
            <dl class="mt-4 grid grid-cols-2 gap-3 text-sm sm:grid-cols-5">
                <div><dt class="text-slate-600">"Processed"</dt><dd class="font-semibold tabular-nums" data-testid="job-processed">{format_coins(j.processed_entries)}</dd></div>
                <div><dt class="text-slate-600">"Failed"</dt><dd class="font-semibold tabular-nums" data-testid="job-failed">{format_coins(j.failed_entries)}</dd></div>
                <div><dt class="text-slate-600">"Total"</dt><dd class="font-semibold tabular-nums">{format_coins(j.total_entries)}</dd></div>
                <div><dt class="text-slate-600">"Per second"</dt><dd class="font-semibold tabular-nums">{format_coins(j.entries_per_sec.round() as i64)}</dd></div>
                <div><dt class="text-slate-600">"Time left"</dt><dd class="font-semibold">{eta.unwrap_or_else(|| "—".into())}</dd></div>
            </dl>
            <p class="mt-3 text-sm" data-testid="ledger-paid">
                "Paid by the job's counter: "<strong class="tabular-nums">{format_coins(j.paid_coins)}</strong>" coins · according to the ledger: "
                <strong class="tabular-nums">{format_coins(v.ledger_paid_coins)}</strong>" coins in "{format_coins(v.ledger_paid_entries)}" entries "
                {if agrees { "✓ they agree" } else { "✗ they differ" }}
            </p>
            {j.error.clone().map(|e| view! { <p class="mt-2 rounded bg-red-50 p-2 text-sm text-red-900" role="alert" data-testid="job-error">{e}</p> })}
            <div class="mt-3"><JobButtons job=j.clone() control/></div>
        </section>
        <section>
            <h2 class="mb-2 text-xl font-semibold">"Failed entries"</h2>
            {if v.failed_entries.is_empty() {
                view! { <p class="text-slate-600" data-testid="no-failed">"None."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                        <table class="min-w-full text-sm" data-testid="failed-entries">
                            <thead class="bg-slate-100 text-left"><tr><th class="px-3 py-2">"Entry"</th><th class="px-3 py-2">"User"</th>
                                <th class="px-3 py-2 text-right">"Coins"</th><th class="px-3 py-2">"Attempts"</th><th class="px-3 py-2">"Reason"</th></tr></thead>
                            <tbody>
                                {v.failed_entries.into_iter().map(|e| view! {
                                    <tr class="border-t border-slate-100" data-testid="failed-entry">
                                        <td class="px-3 py-2">"#"{e.id}</td><td class="px-3 py-2">"user #"{e.user_id}</td>
                                        <td class="px-3 py-2 text-right tabular-nums">{format_coins(e.amount)}</td>
                                        <td class="px-3 py-2 tabular-nums">{e.attempts}</td>
                                        <td class="px-3 py-2" data-testid="failed-reason">{e.error.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
