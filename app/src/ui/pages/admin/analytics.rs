//! `/admin/analytics`: payouts per day, fees, winners paid, jobs by status and
//! throughput — SVG charts drawn on the server, readable without JavaScript.

use crate::api::server_fns::admin_analytics;
use crate::domain::coins::format_coins;
use crate::domain::model::{Analytics, DayTotals};
use crate::ui::components::feedback::{ErrorBox, Loading};
use crate::ui::components::guard::Guarded;
use leptos::prelude::*;
use leptos_meta::Title;

const CHART_W: f64 = 720.0;
const CHART_H: f64 = 180.0;

#[component]
pub fn AdminAnalyticsPage() -> impl IntoView {
    view! {
        <Title text="Analytics"/>
        <Guarded admin=true>
            <AnalyticsContent/>
        </Guarded>
    }
}

#[component]
fn AnalyticsContent() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_analytics());
    view! {
        <h1 class="mb-4 text-2xl font-bold">"Payout analytics"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(a) => view! { <Dashboard a/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(a: Analytics) -> impl IntoView {
    let days = a.payouts_per_day.clone();
    view! {
        <section class="mb-6 grid gap-4 sm:grid-cols-4" aria-label="Totals">
            <Stat label="Paid to winners" value=format!("{} coins", format_coins(a.paid_total)) testid="stat-paid"/>
            <Stat label="Platform fees" value=format!("{} coins", format_coins(a.fees_total)) testid="stat-fees"/>
            <Stat label="Winners paid" value=format_coins(a.winners_paid) testid="stat-winners"/>
            <Stat label="Throughput" value=format!("{} / s", format_coins(a.throughput_per_sec.round() as i64)) testid="stat-throughput"/>
        </section>
        <section class="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <h2 class="mb-2 font-semibold">"Coins paid per day (last 30 days)"</h2>
            <BarChart days=days.clone() value=|d: &DayTotals| d.paid label="coins paid" testid="chart-paid"/>
        </section>
        <section class="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <h2 class="mb-2 font-semibold">"Fees per day"</h2>
            <BarChart days=days.clone() value=|d: &DayTotals| d.fees label="coins of fees" testid="chart-fees"/>
        </section>
        <section class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <h2 class="mb-2 font-semibold">"Jobs by status"</h2>
            <ul class="grid grid-cols-2 gap-2 sm:grid-cols-6" data-testid="jobs-by-status">
                {a.jobs_by_status.into_iter().map(|(status, n)| view! {
                    <li class="rounded bg-slate-100 p-2 text-center"><span class="block text-xs uppercase text-slate-600">{status}</span>
                        <span class="text-lg font-semibold tabular-nums">{n}</span></li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Stat(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <p class="text-sm text-slate-600">{label}</p>
            <p class="text-xl font-semibold tabular-nums" data-testid=testid>{value}</p>
        </div>
    }
}

/// Bars per day with a text alternative: the table of the same numbers.
#[component]
fn BarChart(
    days: Vec<DayTotals>,
    value: fn(&DayTotals) -> i64,
    label: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let max = days.iter().map(value).max().unwrap_or(0).max(1) as f64;
    let slot = CHART_W / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let v = value(d);
            let h = (v as f64 / max * (CHART_H - 20.0)).max(if v > 0 { 1.0 } else { 0.0 });
            let x = i as f64 * slot + 2.0;
            let title = format!("{}: {} {label}", d.day, format_coins(v));
            view! {
                <rect x=format!("{x:.1}") y=format!("{:.1}", CHART_H - 16.0 - h) width=format!("{:.1}", (slot - 4.0).max(1.0))
                    height=format!("{h:.1}") fill="#4338ca"><title>{title}</title></rect>
            }
        })
        .collect_view();
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    let total: i64 = days.iter().map(value).sum();
    let description = format!(
        "{label} per day, {first} to {last}: {} in all, at most {} in a day",
        format_coins(total),
        format_coins(max as i64)
    );
    view! {
        <svg viewBox=format!("0 0 {CHART_W} {CHART_H}") class="h-auto w-full" role="img" data-testid=testid
            aria-label=description>
            <line x1="0" y1=format!("{}", CHART_H - 16.0) x2=format!("{CHART_W}") y2=format!("{}", CHART_H - 16.0) stroke="#94a3b8"/>
            {bars}
            <text x="0" y=format!("{}", CHART_H - 2.0) font-size="11" fill="#334155">{first}</text>
            <text x=format!("{CHART_W}") y=format!("{}", CHART_H - 2.0) font-size="11" fill="#334155" text-anchor="end">{last}</text>
            <text x="0" y="11" font-size="11" fill="#334155">{format!("max {}", format_coins(max as i64))}</text>
        </svg>
    }
}
