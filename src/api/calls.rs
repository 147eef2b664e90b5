//! Live calls.

use crate::domain::error::ApiError;
use crate::domain::plan::CallSummary;
use crate::domain::session::SessionDetail;
use crate::domain::task::CallSessionSummary;
use leptos::prelude::*;
use uuid::Uuid;

/// Starts the task's call, or with `rehearsal` rehearses it on the sandbox
/// (nobody real is called). One server function for both keeps the browser
/// bundle to one client for them. `over_budget`: the user chose to call
/// past this month's budget.
#[server(prefix = "/api/fn", endpoint = "start_call")]
pub async fn start_call(task_id: Uuid, rehearsal: bool, over_budget: bool) -> Result<CallSessionSummary, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            if rehearsal {
                crate::server::calls::rehearse(&state, &user, task_id).await
            } else {
                crate::server::calls::start_call(&state, &user, task_id, over_budget).await
            }
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "get_session")]
pub async fn get_session(id: Uuid) -> Result<SessionDetail, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::calls::detail(&state, &user, id).await
        }
        .await,
    )
}

/// Approves (or rejects) the price the assistant is waiting on.
#[server(prefix = "/api/fn", endpoint = "decide_approval")]
pub async fn decide_approval(id: Uuid, approve: bool) -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::calls::decide(&state, &user, id, approve).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "process_session")]
pub async fn process_session(id: Uuid) -> Result<CallSummary, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::calls::process_for_user(&state, &user, id).await
        }
        .await,
    )
}
