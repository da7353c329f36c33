//! One module per page.

pub mod admin;
pub mod participant;

use crate::ui::components::feedback::set_page_status;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <section class="py-12 text-center" data-testid="not-found">
            <h1 class="text-2xl font-bold">"Page not found"</h1>
            <p class="mt-2"><a class="text-indigo-700 underline" href="/">"Browse challenges"</a></p>
        </section>
    }
}
