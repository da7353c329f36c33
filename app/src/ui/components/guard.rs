//! Pages that need a signed-in user or an admin. The server also enforces this in
//! every server function and REST handler; the guard decides what the page shows.

use super::feedback::{ErrorBox, Forbidden, Loading};
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

#[component]
pub fn Guarded(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=Loading>
            {move || {
                let session = session;
                let next = location.pathname.get_untracked();
                Suspend::new(async move {
                    let Some(session) = session else { return view! { <Loading/> }.into_any() };
                    match session.user.await {
                        Ok(Some(me)) if !admin || me.user.is_admin() => children.with_value(|c| c()).into_any(),
                        Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                        Ok(None) => {
                            let to = format!("/login?next={}", urlencode(&next));
                            view! { <Redirect path=to/> }.into_any()
                        }
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
