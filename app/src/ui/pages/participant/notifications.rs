//! `/notifications`: the inbox — newest first, mark one or all read.

use crate::api::server_fns::{list_notifications, MarkAllRead, MarkRead};
use crate::ui::components::bell::Live;
use crate::ui::components::feedback::{Empty, ErrorBox, Loading};
use crate::ui::components::form::SECONDARY_BUTTON_CLASS;
use crate::ui::components::guard::Guarded;
use crate::ui::components::time::LocalTime;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications"/>
        <Guarded>
            <Inbox/>
        </Guarded>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let mark = ServerAction::<MarkRead>::new();
    let mark_all = ServerAction::<MarkAllRead>::new();
    let live = use_context::<Live>();
    let received = move || live.map(|l| l.received.get()).unwrap_or(0);
    let items = Resource::new(
        move || (mark.version().get(), mark_all.version().get(), received()),
        |_| list_notifications(None),
    );
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Notifications"</h1>
            <ActionForm action=mark_all>
                <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="mark-all-read">"Mark all read"</button>
            </ActionForm>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match items.await {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(page) => {
                        if let Some(l) = live {
                            l.unread.set(page.items.iter().filter(|n| n.read_at.is_none()).count() as i64);
                        }
                        if page.items.is_empty() {
                            view! { <Empty text="Nothing yet. You will hear when you are matched, when deadlines approach and when challenges settle."/> }.into_any()
                        } else {
                            view! {
                                <ul class="space-y-2" data-testid="inbox">
                                    {page.items.into_iter().map(|n| {
                                        let unread = n.read_at.is_none();
                                        let class = if unread { "rounded-lg bg-white p-3 shadow-sm ring-2 ring-indigo-300" } else { "rounded-lg bg-white p-3 ring-1 ring-slate-200 opacity-80" };
                                        view! {
                                            <li class=class data-testid="inbox-item" data-kind=n.kind.clone() data-unread=unread.to_string()>
                                                <div class="flex flex-wrap items-start justify-between gap-2">
                                                    <div>
                                                        <p class="font-semibold">{if unread { "● " } else { "" }}{n.title.clone()}
                                                            {(n.priority == crate::domain::model::Priority::High).then(|| view! { <span class="ml-2 rounded bg-amber-200 px-1 text-xs">"urgent"</span> })}</p>
                                                        <p class="text-sm">{n.body.clone()}</p>
                                                        <p class="text-xs text-slate-600"><LocalTime at=n.created_at/>
                                                            {n.challenge_id.map(|id| view! { " · "<a class="underline" href=format!("/challenges/{id}")>"challenge #"{id}</a> })}</p>
                                                    </div>
                                                    {unread.then(|| view! {
                                                        <ActionForm action=mark>
                                                            <input type="hidden" name="id" value=n.id/>
                                                            <button type="submit" class=SECONDARY_BUTTON_CLASS data-testid="mark-read">"Mark read"</button>
                                                        </ActionForm>
                                                    })}
                                                </div>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                }
            })}
        </Transition>
    }
}
