//! `/admin/audit`: every admin action and automatic transition, newest first.

use crate::api::server_fns::admin_audit;
use crate::ui::components::feedback::{Empty, ErrorBox, Loading};
use crate::ui::components::guard::Guarded;
use crate::ui::components::time::LocalTime;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <Guarded admin=true>
            <AuditContent/>
        </Guarded>
    }
}

#[component]
fn AuditContent() -> impl IntoView {
    let entries = Resource::new(|| (), |_| admin_audit(None));
    view! {
        <h1 class="mb-4 text-2xl font-bold">"Audit log"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <Empty text="Nothing has happened yet."/> }.into_any(),
                    Ok(page) => view! {
                        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                            <table class="min-w-full text-sm" data-testid="audit-table">
                                <thead class="bg-slate-100 text-left text-slate-700">
                                    <tr><th class="px-3 py-2">"When"</th><th class="px-3 py-2">"Actor"</th>
                                        <th class="px-3 py-2">"Action"</th><th class="px-3 py-2">"Target"</th><th class="px-3 py-2">"Detail"</th></tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(|e| view! {
                                        <tr class="border-t border-slate-100" data-testid="audit-row">
                                            <td class="px-3 py-2 whitespace-nowrap"><LocalTime at=e.at/></td>
                                            <td class="px-3 py-2">{e.actor_id.map(|id| format!("user #{id}")).unwrap_or_else(|| "system".into())}</td>
                                            <td class="px-3 py-2 font-mono">{e.action}</td>
                                            <td class="px-3 py-2 font-mono">{e.target}</td>
                                            <td class="px-3 py-2">{e.detail}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
