//! Live countdowns. One clock signal ticks every second in the browser; every
//! countdown on the page derives from it. The server renders the same text at its
//! own "now", so the page reads right before hydration.

use crate::domain::time::relative;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The current time in milliseconds, ticking once a second after hydration.
#[derive(Clone, Copy)]
pub struct Now(pub RwSignal<i64>);

pub fn provide_now() {
    let now = RwSignal::new(Utc::now().timestamp_millis());
    provide_context(Now(now));
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || now.set(Utc::now().timestamp_millis()),
            std::time::Duration::from_secs(1),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
}

pub fn now_ms() -> Signal<i64> {
    match use_context::<Now>() {
        Some(Now(now)) => now.into(),
        None => Signal::derive(|| Utc::now().timestamp_millis()),
    }
}

#[component]
pub fn Countdown(due_at: DateTime<Utc>, #[prop(optional)] closed: bool) -> impl IntoView {
    let now = now_ms();
    let due_ms = due_at.timestamp_millis();
    let text = move || {
        let left = due_ms - now.get();
        if closed || left <= 0 {
            "deadline passed".to_string()
        } else {
            relative(left)
        }
    };
    view! {
        <span class="tabular-nums" data-testid="countdown" aria-live="off"
            title=due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)>{text}</span>
    }
}
