//! Labelled inputs that show the server's message for their field.

use crate::domain::AppError;
use leptos::prelude::*;

pub const INPUT_CLASS: &str =
    "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 \
     focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600";
pub const BUTTON_CLASS: &str = "inline-flex items-center justify-center rounded-md bg-indigo-700 px-4 py-2 font-semibold \
     text-white hover:bg-indigo-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600 \
     focus-visible:ring-offset-2 disabled:opacity-60";
pub const SECONDARY_BUTTON_CLASS: &str =
    "inline-flex items-center justify-center rounded-md border border-slate-400 \
     bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 focus:outline-none \
     focus-visible:ring-2 focus-visible:ring-indigo-600";

/// The message a failed action left for `field`.
pub fn field_error<T, V>(value: V, field: &'static str) -> Signal<Option<String>>
where
    V: Get<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(e)) => e.field(field),
        _ => None,
    })
}

/// A general (not per-field) error of a failed action.
pub fn form_error<T, V>(value: V) -> Signal<Option<String>>
where
    V: Get<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(AppError::Validation { .. })) | Some(Ok(_)) | None => None,
        Some(Err(e)) => Some(e.to_string()),
    })
}

#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] autocomplete: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let testid = format!("field-{name}");
    let error_testid = format!("error-{name}");
    let described = error_id.clone();
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <input id=id type=kind name=name value=value required=required autocomplete=autocomplete
                class=INPUT_CLASS data-testid=testid
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described/>
            {hint.map(|h| view! { <p class="mt-1 text-xs text-slate-600">{h}</p> })}
            <p id=error_id class="mt-1 text-sm text-red-800" data-testid=error_testid role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}
