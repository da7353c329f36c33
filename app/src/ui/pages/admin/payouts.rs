//! `/admin/payouts`: jobs with live progress bars, state tabs with counts,
//! pause / resume / retry / cancel per job, and retry of every failed job.

use crate::api::server_fns::{payout_jobs, JobAction, RetryAllFailed};
use crate::domain::coins::format_coins;
use crate::domain::model::{JobAction as Action, JobStatus, PayoutJob};
use crate::ui::components::badge::JobBadge;
use crate::ui::components::feedback::{ActionResult, Empty, ErrorBox, Loading};
use crate::ui::components::form::SECONDARY_BUTTON_CLASS;
use crate::ui::components::guard::Guarded;
use crate::ui::components::progress::ProgressBar;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn AdminPayoutsPage() -> impl IntoView {
    view! {
        <Title text="Payout jobs"/>
        <Guarded admin=true>
            <Payouts/>
        </Guarded>
    }
}

/// A tick every `every`, once hydrated: pages poll with it.
pub fn polling(every: std::time::Duration) -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(move || tick.update(|n| *n += 1), every);
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    tick
}

#[component]
fn Payouts() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.with(|q| q.get("status")).filter(|s| !s.is_empty()));
    let control = ServerAction::<JobAction>::new();
    let retry_all = ServerAction::<RetryAllFailed>::new();
    let tick = polling(REFRESH_EVERY);
    let jobs = Resource::new(
        move || {
            (
                status.get(),
                tick.get(),
                control.version().get(),
                retry_all.version().get(),
            )
        },
        |(s, _, _, _)| payout_jobs(s),
    );
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Payout jobs"</h1>
            <ActionForm action=retry_all>
                <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="retry-all-failed">"Retry every failed job"</button>
            </ActionForm>
        </div>
        <div class="mb-3 space-y-1">
            <ActionResult value=control.value() ok_text="Done." testid="job-action-result"/>
            <ActionResult value=retry_all.value() ok_text="Failed jobs re-queued." testid="retry-all-result"/>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let current = status.get_untracked();
                match jobs.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok((page, counts)) => view! {
                        <nav class="mb-4 flex flex-wrap gap-1 border-b border-slate-300" role="tablist" aria-label="Job states">
                            <StateTab label="All".into() href="/admin/payouts".into() selected=current.is_none() count=counts.iter().map(|(_, n)| n).sum()/>
                            {JobStatus::ALL.into_iter().map(|s| view! {
                                <StateTab label=s.as_str().to_string() href=format!("/admin/payouts?status={}", s.as_str())
                                    selected=current.as_deref() == Some(s.as_str())
                                    count=counts.iter().find(|(c, _)| *c == s).map(|(_, n)| *n).unwrap_or(0)/>
                            }).collect_view()}
                        </nav>
                        {if page.items.is_empty() {
                            view! { <Empty text="No payout jobs here. Resolving or cancelling a challenge queues one."/> }.into_any()
                        } else {
                            view! { <JobsTable jobs=page.items control/> }.into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StateTab(label: String, href: String, selected: bool, count: i64) -> impl IntoView {
    let class = if selected {
        "-mb-px rounded-t border border-b-white border-slate-300 bg-white px-3 py-2 font-semibold"
    } else {
        "px-3 py-2 text-slate-700"
    };
    view! {
        <a href=href role="tab" aria-selected=selected.to_string() class=class data-testid=format!("jobs-tab-{label}")>
            {label.clone()}" "<span class="ml-1 rounded-full bg-slate-200 px-2 py-0.5 text-xs font-bold tabular-nums">{count}</span>
        </a>
    }
}

#[component]
fn JobsTable(jobs: Vec<PayoutJob>, control: ServerAction<JobAction>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="jobs-table">
                <thead class="bg-slate-100 text-left text-slate-700">
                    <tr><th class="px-3 py-2">"Job"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2 w-1/3">"Progress"</th>
                        <th class="px-3 py-2 text-right">"Per second"</th><th class="px-3 py-2 text-right">"Pool"</th><th class="px-3 py-2">"Control"</th></tr>
                </thead>
                <tbody>
                    {jobs.into_iter().map(|job| view! {
                        <tr class="border-t border-slate-100 align-top" data-testid="job-row" data-job-id=job.id>
                            <td class="px-3 py-2"><a class="font-medium text-indigo-800 underline" href=format!("/admin/payouts/{}", job.id)>"#"{job.id}" "{job.kind.as_str()}</a>
                                <span class="block text-xs text-slate-600">{job.challenge_title.clone()}</span></td>
                            <td class="px-3 py-2"><JobBadge status=job.status/></td>
                            <td class="px-3 py-2"><ProgressBar processed=job.processed_entries total=job.total_entries failed=job.failed_entries/></td>
                            <td class="px-3 py-2 text-right tabular-nums">{format_coins(job.entries_per_sec.round() as i64)}</td>
                            <td class="px-3 py-2 text-right tabular-nums">{format_coins(job.total_pool)}</td>
                            <td class="px-3 py-2"><JobButtons job=job.clone() control/></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The control buttons that apply to the job's state.
#[component]
pub fn JobButtons(job: PayoutJob, control: ServerAction<JobAction>) -> impl IntoView {
    let actions: Vec<Action> = [Action::Pause, Action::Resume, Action::Retry, Action::Cancel]
        .into_iter()
        .filter(|a| a.offered_for(job.status))
        .collect();
    view! {
        <div class="flex flex-wrap gap-1">
            {actions.into_iter().map(|a| view! {
                <ActionForm action=control>
                    <input type="hidden" name="job_id" value=job.id/>
                    <input type="hidden" name="action" value=a.as_str()/>
                    <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid=format!("job-{}", a.as_str())>{a.as_str()}</button>
                </ActionForm>
            }).collect_view()}
        </div>
    }
}
