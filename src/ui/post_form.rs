//! Forms that post to a server function. Without script the browser posts
//! the form itself (the server function answers a form post by sending the
//! reader back); once the page is hydrated, the fields are read here and the
//! action is dispatched in place. This is what `leptos::form::ActionForm`
//! does, without its generic form-decoding machinery in the browser bundle.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

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
    move |ev| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            if let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) {
                ev.prevent_default();
                action.dispatch(read(&|name| data.get(name).as_string().unwrap_or_default()));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &action, &read);
    }
}
