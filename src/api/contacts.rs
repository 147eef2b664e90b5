//! Contacts.

use crate::domain::contact::{Contact, NewContact};
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

/// Creates a contact or, with `id`, replaces that contact's fields with the
/// form's (the contact form always sends all of them). One server function
/// for both keeps the browser bundle to one client for them.
#[server(prefix = "/api/fn", endpoint = "save_contact", input = Json)]
pub async fn save_contact(id: Option<Uuid>, contact: NewContact) -> Result<Contact, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            match id {
                None => crate::server::contacts::create(&state, &user, &contact).await,
                Some(id) => {
                    crate::server::contacts::update(&state, &user, id, &crate::domain::contact::ContactPatch::from(contact)).await
                }
            }
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
