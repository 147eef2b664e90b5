//! Debouncing: the latest of a burst of actions (keystrokes, say), after a
//! pause.

use leptos::prelude::*;

/// Runs the latest scheduled action after a pause (typing, say); a pending
/// one is dropped when the component goes away.
#[derive(Clone, Copy)]
pub struct Debounce(StoredValue<Option<leptos::leptos_dom::helpers::TimeoutHandle>>);

impl Debounce {
    pub fn for_component() -> Debounce {
        let handle = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(h)) = handle.try_get_value() {
                h.clear();
            }
        });
        Debounce(handle)
    }

    /// Replaces whatever was scheduled with `action`, due after `ms`.
    pub fn schedule(self, ms: u64, action: impl FnOnce() + 'static) {
        if let Some(h) = self.0.get_value() {
            h.clear();
        }
        self.0.set_value(set_timeout_with_handle(action, std::time::Duration::from_millis(ms)).ok());
    }
}
