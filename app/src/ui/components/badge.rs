//! Status badges: the word always, the colour as a second cue.

use crate::domain::challenge::ChallengeStatus;
use crate::domain::model::JobStatus;
use leptos::prelude::*;

fn challenge_colours(status: ChallengeStatus) -> &'static str {
    match status {
        ChallengeStatus::Pending => "bg-amber-100 text-amber-900 ring-amber-300",
        ChallengeStatus::Active => "bg-emerald-100 text-emerald-900 ring-emerald-300",
        ChallengeStatus::PendingAdmin => "bg-violet-100 text-violet-900 ring-violet-300",
        ChallengeStatus::Resolving => "bg-sky-100 text-sky-900 ring-sky-300",
        ChallengeStatus::Completed => "bg-slate-200 text-slate-900 ring-slate-300",
        ChallengeStatus::Cancelled => "bg-red-100 text-red-900 ring-red-300",
    }
}

pub fn job_colours(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "bg-slate-100 text-slate-900 ring-slate-300",
        JobStatus::Running => "bg-sky-100 text-sky-900 ring-sky-300",
        JobStatus::Paused => "bg-amber-100 text-amber-900 ring-amber-300",
        JobStatus::Completed => "bg-emerald-100 text-emerald-900 ring-emerald-300",
        JobStatus::Failed => "bg-red-100 text-red-900 ring-red-300",
        JobStatus::Cancelled => "bg-slate-200 text-slate-800 ring-slate-300",
    }
}

const BADGE: &str =
    "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset";

#[component]
pub fn StatusBadge(status: ChallengeStatus) -> impl IntoView {
    view! {
        <span class=format!("{BADGE} {}", challenge_colours(status)) data-testid="status-badge" data-status=status.as_str()>
            {status.label()}
        </span>
    }
}

#[component]
pub fn JobBadge(status: JobStatus) -> impl IntoView {
    view! {
        <span class=format!("{BADGE} {}", job_colours(status)) data-testid="job-status" data-status=status.as_str()>
            {status.as_str()}
        </span>
    }
}
