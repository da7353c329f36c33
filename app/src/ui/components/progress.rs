//! A progress bar that states its numbers in words as well.

use crate::domain::coins::format_coins;
use leptos::prelude::*;

#[component]
pub fn ProgressBar(
    processed: i64,
    total: i64,
    failed: i64,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let pct = if total > 0 {
        (processed as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
    } else if processed > 0 {
        100.0
    } else {
        0.0
    };
    let failed_pct = if total > 0 {
        (failed as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let label = format!(
        "{} / {} ({:.0}%)",
        format_coins(processed),
        format_coins(total),
        pct
    );
    view! {
        <div class="w-full">
            <div class="relative h-3 w-full overflow-hidden rounded-full bg-slate-200" role="progressbar"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{pct:.0}") aria-label=label.clone()
                data-testid=testid.unwrap_or("progress-bar") data-progress=format!("{pct:.0}")>
                <div class="absolute inset-y-0 left-0 bg-emerald-600 transition-[width] duration-500" style=format!("width: {pct:.2}%")></div>
                <div class="absolute inset-y-0 bg-red-600" style=format!("left: {:.2}%; width: {failed_pct:.2}%", pct - failed_pct)></div>
            </div>
            <p class="mt-1 text-xs tabular-nums text-slate-700" data-testid="progress-text">{label}
                {(failed > 0).then(|| format!(" · {} failed", format_coins(failed)))}</p>
        </div>
    }
}
