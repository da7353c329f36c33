//! `/`: browse challenges.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <h1 class="text-2xl font-bold">"Challenges"</h1>
    }
}
