//! Loading, empty, error and "not allowed" states.

use crate::domain::AppError;
use leptos::prelude::*;

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_page_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(opts), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        opts.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="py-8 text-center text-slate-500" role="status" aria-live="polite">"Loading…"</p> }
}

#[component]
pub fn Empty(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-slate-600" data-testid="empty">{text}</p> }
}

#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900" role="alert" data-testid="error">
            <p class="font-semibold">{error.title()}</p>
            <p>{error.to_string()}</p>
        </div>
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_page_status(403);
    view! {
        <section class="mx-auto max-w-lg py-12 text-center" data-testid="forbidden">
            <h1 class="text-2xl font-bold">"Admins only"</h1>
            <p class="mt-2 text-slate-700">"This page is for admins. Your account is a participant account."</p>
            <a class="mt-4 inline-block text-indigo-700 underline" href="/">"Back to challenges"</a>
        </section>
    }
}

/// An action's outcome in words: the error, or `ok_text` once it succeeded.
#[component]
pub fn ActionResult<T, V>(
    value: V,
    #[prop(into)] ok_text: String,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    let testid = testid.unwrap_or_else(|| "action-result".into());
    move || {
        value.get().map(|result| match result {
            Ok(_) => view! { <p class="text-sm text-emerald-800" role="status" data-testid=testid.clone()>{ok_text.clone()}</p> }.into_any(),
            Err(AppError::Validation { .. }) => ().into_any(),
            Err(e) => view! { <p class="text-sm text-red-800" role="alert" data-testid=testid.clone()>{e.to_string()}</p> }.into_any(),
        })
    }
}
