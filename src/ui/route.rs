//! Pages addressed by a record's id: the id from the route, and the record
//! it names for the signed-in reader.

use super::live::Refresh;
use super::viewer::{AuthVersion, Viewer, when_signed_in};
use crate::domain::error::ApiError;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The route parameter `id` as a UUID (`None` for anything else).
pub fn id_param() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse().ok()))
}

/// The record the route's `id` names, for the signed-in reader: fetched
/// again when who is signed in changes or `refresh` is bumped; "`what` not
/// found" for an id that is not a UUID.
pub fn record_for_id<T, F, Fut>(
    id: Memo<Option<Uuid>>,
    refresh: Refresh,
    what: &'static str,
    fetch: F,
) -> Resource<Result<T, ApiError>>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    F: Fn(Uuid) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let auth = expect_context::<AuthVersion>();
    let viewer = expect_context::<Viewer>();
    Resource::new(
        move || (id.get(), auth.0.get(), refresh.track()),
        move |(id, _, _)| async move {
            match id {
                Some(id) => when_signed_in(viewer, move || fetch(id)).await,
                None => Err(ApiError::not_found(what)),
            }
        },
    )
}
