//! The bell in the header: a live unread count over Server-Sent Events, and a
//! toast when a high-priority notification (the 10-minute warning) arrives.

use crate::domain::model::Notification;
#[cfg(feature = "hydrate")]
use crate::domain::model::Priority;
use leptos::prelude::*;

/// A notification just pushed to this page (the toast shows the latest urgent one).
#[derive(Clone, Copy)]
pub struct Live {
    pub unread: RwSignal<i64>,
    pub toast: RwSignal<Option<Notification>>,
    pub received: RwSignal<u64>,
}

#[component]
pub fn Bell(unread: i64) -> impl IntoView {
    let Some(live) = use_context::<Live>() else {
        return ().into_any();
    };
    live.unread.set(unread);
    subscribe(live);
    let count = move || live.unread.get();
    let class = move || {
        if count() > 0 {
            "ml-1 rounded-full bg-amber-400 px-1.5 text-xs font-bold text-slate-900 tabular-nums"
        } else {
            "ml-1 rounded-full bg-indigo-700 px-1.5 text-xs tabular-nums"
        }
    };
    view! {
        <a href="/notifications" class="relative rounded px-2 py-1 text-slate-100 hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-white"
            data-testid="bell" aria-label="Notifications">
            <span aria-hidden="true">"🔔"</span>
            <span class=class data-testid="bell-count">{count}</span>
            <span class="sr-only">" unread"</span>
        </a>
        <Toast toast=live.toast/>
    }
    .into_any()
}

/// Live notification state for the whole page (the bell, the toast, the inbox).
pub fn provide_live() {
    provide_context(Live {
        unread: RwSignal::new(0),
        toast: RwSignal::new(None),
        received: RwSignal::new(0),
    });
}

#[component]
fn Toast(toast: RwSignal<Option<Notification>>) -> impl IntoView {
    move || {
        toast.get().map(|n| {
            let href = n.challenge_id.map(|id| format!("/challenges/{id}")).unwrap_or_else(|| "/notifications".into());
            view! {
                <div class="fixed bottom-4 right-4 z-50 max-w-sm rounded-lg bg-amber-100 p-4 text-slate-900 shadow-lg ring-2 ring-amber-500"
                    role="alert" data-testid="toast">
                    <p class="font-bold">{n.title.clone()}</p>
                    <p class="text-sm">{n.body.clone()}</p>
                    <div class="mt-2 flex gap-3 text-sm">
                        <a class="text-indigo-800 underline" href=href>"Open"</a>
                        <button class="underline" on:click=move |_| toast.set(None) data-testid="toast-close">"Dismiss"</button>
                    </div>
                </div>
            }
        })
    }
}

/// Opens the event stream once hydrated; the browser reconnects on its own and
/// sends Last-Event-ID, so the server replays what was missed.
#[cfg(feature = "hydrate")]
fn subscribe(live: Live) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new("/api/v1/events") else {
            return;
        };
        let on_notification = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let Ok(n) = serde_json::from_str::<Notification>(&text) else {
                    return;
                };
                if n.read_at.is_none() {
                    live.unread.update(|c| *c += 1);
                }
                live.received.update(|c| *c += 1);
                if n.priority == Priority::High {
                    live.toast.set(Some(n));
                }
            },
        );
        let _ = source.add_event_listener_with_callback(
            "notification",
            on_notification.as_ref().unchecked_ref(),
        );
        let source = send_wrapper::SendWrapper::new(source);
        let on_notification = send_wrapper::SendWrapper::new(on_notification);
        on_cleanup(move || {
            source.close();
            drop(on_notification);
        });
    });
}

#[cfg(not(feature = "hydrate"))]
fn subscribe(_live: Live) {}
