//! `/challenges/new`: the creation form. The same rules as the server run in the
//! browser as you type (once hydrated); before that the server's answer shows
//! next to each field.

use crate::api::server_fns::CreateChallenge;
use crate::domain::challenge::{Category, ChallengeDraft, NewChallenge, Side};
use crate::domain::AppError;
use crate::ui::components::form::{form_error, BUTTON_CLASS, INPUT_CLASS};
use crate::ui::components::guard::Guarded;
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;

#[component]
pub fn NewChallengePage() -> impl IntoView {
    view! {
        <Title text="New challenge"/>
        <Guarded>
            <NewChallengeForm/>
        </Guarded>
    }
}

#[component]
fn NewChallengeForm() -> impl IntoView {
    let create = ServerAction::<CreateChallenge>::new();
    let value = create.value();
    let session = use_session();
    let draft = RwSignal::new(ChallengeDraft {
        category: "other".into(),
        side: "yes".into(),
        ..Default::default()
    });
    let touched = RwSignal::new(BTreeSet::<&'static str>::new());
    let tz_offset_min = RwSignal::new(0i32);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        tz_offset_min.set(chrono::Local::now().offset().local_minus_utc() / 60);
        hydrated.set(true);
    });
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(s) = session {
                s.bump();
            }
        }
    });
    let client_errors = Memo::new(move |_| {
        let now = chrono::Utc::now().timestamp_millis();
        match NewChallenge::parse(&draft.get(), tz_offset_min.get(), now) {
            Err(AppError::Validation { errors }) => errors,
            _ => Default::default(),
        }
    });
    // The server's message for a field wins; otherwise the live check, once touched.
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let server = match value.get() {
                Some(Err(e)) => e.field(field),
                _ => None,
            };
            server.or_else(|| {
                touched
                    .with(|t| t.contains(field))
                    .then(|| client_errors.with(|e| e.get(field).cloned()))
                    .flatten()
            })
        })
    };
    let touch = move |field: &'static str| {
        touched.update(|t| {
            t.insert(field);
        })
    };
    macro_rules! bind {
        ($field:ident) => {
            move |ev| {
                let v = event_target_value(&ev);
                draft.update(|d| d.$field = v);
                touch(stringify!($field));
            }
        };
    }
    view! {
        <h1 class="mb-6 text-2xl font-bold">"New challenge"</h1>
        <ActionForm action=create>
            <div class="grid max-w-2xl gap-x-6 sm:grid-cols-2">
                <div class="sm:col-span-2">
                    <Labelled label="Title" field="title" error=error_for("title")>
                        <input id="field-title" name="title" required=true maxlength="120" class=INPUT_CLASS
                            data-testid="field-title" on:input=bind!(title)/>
                    </Labelled>
                </div>
                <div class="sm:col-span-2">
                    <Labelled label="Description (optional)" field="description" error=error_for("description")>
                        <textarea id="field-description" name="description" rows="3" maxlength="5000" class=INPUT_CLASS
                            data-testid="field-description" on:input=bind!(description)></textarea>
                    </Labelled>
                </div>
                <Labelled label="Category" field="category" error=error_for("category")>
                    <select id="field-category" name="category" class=INPUT_CLASS data-testid="field-category" on:change=bind!(category)>
                        {Category::ALL.iter().map(|c| view! {
                            <option value=c.as_str() selected=*c == Category::Other>{c.label()}</option>
                        }).collect_view()}
                    </select>
                </Labelled>
                <Labelled label="Stake per entry (coins)" field="amount" error=error_for("amount")>
                    <input id="field-amount" name="amount" inputmode="numeric" required=true class=INPUT_CLASS
                        data-testid="field-amount" on:input=bind!(amount)/>
                </Labelled>
                <Labelled label=Signal::derive(move || if hydrated.get() { "Deadline (your local time)".to_string() } else { "Deadline (UTC)".to_string() })
                    field="due_at" error=error_for("due_at")>
                    <input id="field-due_at" name="due_at" type="datetime-local" required=true class=INPUT_CLASS
                        data-testid="field-due_at" on:input=bind!(due_at)/>
                    <input type="hidden" name="tz_offset_min" value=move || tz_offset_min.get().to_string()/>
                </Labelled>
                <Labelled label="Challenge a user directly (optional)" field="challenged_username" error=error_for("challenged_username")>
                    <input id="field-challenged_username" name="challenged_username" class=INPUT_CLASS placeholder="username"
                        data-testid="field-challenged_username"
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d.challenged_username = Some(v));
                            touch("challenged_username");
                        }/>
                </Labelled>
                <fieldset class="mb-4 sm:col-span-2">
                    <legend class="text-sm font-medium text-slate-800">"Your side"</legend>
                    <div class="mt-1 flex gap-4">
                        {[Side::Yes, Side::No].into_iter().map(|side| view! {
                            <label class="flex items-center gap-2">
                                <input type="radio" name="side" value=side.as_str() checked=side == Side::Yes
                                    data-testid=format!("field-side-{}", side.as_str()) on:change=bind!(side)/>
                                {side.label()}
                            </label>
                        }).collect_view()}
                    </div>
                    <p class="mt-1 text-sm text-red-800" role="alert" data-testid="error-side">{move || error_for("side").get()}</p>
                </fieldset>
            </div>
            <p class="mb-3 text-sm text-red-800" role="alert" data-testid="form-error">{move || form_error(value).get()}</p>
            <button type="submit" class=BUTTON_CLASS data-testid="create-submit">"Create and stake"</button>
        </ActionForm>
    }
}

#[component]
fn Labelled(
    #[prop(into)] label: Signal<String>,
    field: &'static str,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="mb-4">
            <label for=format!("field-{field}") class="block text-sm font-medium text-slate-800">{move || label.get()}</label>
            {children()}
            <p class="mt-1 min-h-5 text-sm text-red-800" role="alert" data-testid=format!("error-{field}")>
                {move || error.get()}
            </p>
        </div>
    }
}
