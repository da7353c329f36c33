//! Sign in and registration. Both forms post to server functions, so they work
//! before the WASM loads; once hydrated they submit in place.

use crate::api::server_fns::{Login, Register};
use crate::ui::components::form::{field_error, form_error, Field, BUTTON_CLASS, INPUT_CLASS};
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let value = login.value();
    let next = move || {
        use_query_map()
            .with(|q| q.get("next"))
            .unwrap_or_else(|| "/".to_string())
    };
    let session = use_session();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(s) = session {
                s.bump();
            }
        }
    });
    let show_password = RwSignal::new(false);
    view! {
        <Title text="Sign in"/>
        <section class="mx-auto max-w-sm">
            <h1 class="mb-6 text-2xl font-bold">"Sign in"</h1>
            <ActionForm action=login>
                <input type="hidden" name="next" value=next/>
                <Field label="Username" name="username" error=field_error(value, "username") required=true autocomplete="username"/>
                <div class="mb-4">
                    <label for="field-password" class="block text-sm font-medium text-slate-800">"Password"</label>
                    <div class="flex gap-2">
                        <input id="field-password" name="password" required=true autocomplete="current-password"
                            type=move || if show_password.get() { "text" } else { "password" }
                            class=INPUT_CLASS data-testid="field-password"/>
                        <button type="button" class="mt-1 rounded-md border border-slate-400 px-2 text-sm"
                            data-testid="toggle-password" aria-pressed=move || show_password.get().to_string()
                            on:click=move |_| show_password.update(|s| *s = !*s)>
                            {move || if show_password.get() { "Hide" } else { "Show" }}
                        </button>
                    </div>
                    <p class="mt-1 text-sm text-red-800" data-testid="error-password" role="alert">
                        {move || field_error(value, "password").get().unwrap_or_default()}
                    </p>
                </div>
                <p class="mb-3 text-sm text-red-800" role="alert" data-testid="form-error">{move || form_error(value).get()}</p>
                <button type="submit" class=BUTTON_CLASS data-testid="login-submit">"Sign in"</button>
            </ActionForm>
            <p class="mt-6 text-sm">"New here? " <a class="text-indigo-700 underline" href="/register">"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let value = register.value();
    let session = use_session();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(s) = session {
                s.bump();
            }
        }
    });
    view! {
        <Title text="Register"/>
        <section class="mx-auto max-w-sm">
            <h1 class="mb-6 text-2xl font-bold">"Create an account"</h1>
            <ActionForm action=register>
                <Field label="Username" name="username" error=field_error(value, "username") required=true
                    autocomplete="username" hint="3–32 characters: a–z, 0–9 and _"/>
                <Field label="Display name (optional)" name="display_name" error=field_error(value, "display_name")/>
                <Field label="Password" name="password" kind="password" error=field_error(value, "password")
                    required=true autocomplete="new-password" hint="At least 8 characters"/>
                <p class="mb-3 text-sm text-red-800" role="alert" data-testid="form-error">{move || form_error(value).get()}</p>
                <button type="submit" class=BUTTON_CLASS data-testid="register-submit">"Register"</button>
            </ActionForm>
            <p class="mt-6 text-sm">"Already registered? " <a class="text-indigo-700 underline" href="/login">"Sign in"</a></p>
        </section>
    }
}
