//! Progressive forms: without script the browser submits the form itself
//! (a GET to a page, or a POST to a server function, which answers a form
//! post by sending the reader back); once the page is hydrated, the fields are
//! read here and the page navigates or dispatches the action in place. This
//! is what `leptos::form::ActionForm` and `leptos_router::components::Form` do,
//! without their generic form-decoding machinery in the browser bundle.

use super::browser::Fields;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A submit handler that, once the page is hydrated, keeps the browser from
/// submitting the form and hands its fields to `then` (`None` for a field
/// the form does not have). Without script the browser submits as usual.
pub fn on_submit_with_fields(then: impl Fn(Fields<'_>) + 'static) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    move |ev| super::browser::take_submitted_fields(ev, &then)
}

/// A submit handler that reads the form's fields with `read` (a field that
/// is absent reads as "") and dispatches `action` with them.
pub fn dispatch_on_submit<S>(
    action: ServerAction<S>,
    read: impl Fn(&dyn Fn(&str) -> String) -> S + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    on_submit_with_fields(move |field| {
        action.dispatch(read(&|name| field(name).unwrap_or_default()));
    })
}
