//! Times in the viewer's own time zone. The server renders UTC; once hydrated the
//! browser rewrites it in local time.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn LocalTime(at: DateTime<Utc>) -> impl IntoView {
    let text = RwSignal::new(at.format("%Y-%m-%d %H:%M UTC").to_string());
    Effect::new(move |_| {
        text.set(
            at.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        );
    });
    view! { <time datetime=at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)>{move || text.get()}</time> }
}
