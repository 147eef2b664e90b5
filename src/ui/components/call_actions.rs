//! Starting and rehearsing a task's call, from any page that offers it.

use crate::api::calls::StartCall;
use crate::domain::error::ApiError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

/// Starting and rehearsing calls, owned by a page rather than by the
/// component showing the button: live updates rebuild those components,
/// and the page must still follow the call once the server answers.
#[derive(Clone, Copy)]
pub struct CallActions(ServerAction<StartCall>);

impl CallActions {
    /// The actions; once one succeeds, the page moves to the new call.
    pub fn for_page() -> CallActions {
        let action = ServerAction::<StartCall>::new();
        let navigate = use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(session)) = action.value().get() {
                navigate(&format!("/calls/{}", session.id), Default::default());
            }
        });
        CallActions(action)
    }

    pub fn start(self, task_id: Uuid) {
        self.0.dispatch(StartCall { task_id, rehearsal: false, over_budget: false });
    }

    /// Starts the call although this month's budget is spent (the user said so).
    pub fn start_over_budget(self, task_id: Uuid) {
        self.0.dispatch(StartCall { task_id, rehearsal: false, over_budget: true });
    }

    pub fn rehearse(self, task_id: Uuid) {
        self.0.dispatch(StartCall { task_id, rehearsal: true, over_budget: false });
    }

    pub fn pending(self) -> bool {
        self.0.pending().get()
    }

    /// Whether a real (not rehearsed) call is being started.
    pub fn calling(self) -> bool {
        self.0.input().with(|input| input.as_ref().is_some_and(|i| !i.rehearsal))
    }

    pub fn error(self) -> Option<ApiError> {
        self.0.value().get().and_then(Result::err)
    }

    /// Whether the last start was refused because the budget is spent.
    pub fn over_budget(self) -> bool {
        self.error().and_then(|e| e.details).is_some_and(|d| d.get("over_budget").is_some())
    }
}
