//! Contacts.

use crate::domain::contact::{Contact, ContactPatch, NewContact};
use crate::domain::error::ApiError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[server(prefix = "/api/fn", endpoint = "list_contacts")]
pub async fn list_contacts(q: Option<String>) -> Result<Vec<Contact>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::contacts::list(&state, &user, q.as_deref(), None).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "create_contact", input = Json)]
pub async fn create_contact(contact: NewContact) -> Result<Contact, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::contacts::create(&state, &user, &contact).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "update_contact", input = Json)]
pub async fn update_contact(id: Uuid, patch: ContactPatch) -> Result<Contact, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::contacts::update(&state, &user, id, &patch).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "delete_contact")]
pub async fn delete_contact(id: Uuid) -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::contacts::delete(&state, &user, id).await
        }
        .await,
    )
}
