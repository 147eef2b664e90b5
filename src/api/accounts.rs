//! Sign-up, sign-in, sign-out and the current user.

use crate::domain::account::{ApiTokenInfo, User};
use crate::domain::error::ApiError;
use leptos::prelude::*;
use uuid::Uuid;

/// Creates an account and signs in (sets the session cookie).
#[server(prefix = "/api/fn", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, display_name: String) -> Result<User, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let state = sf::state()?;
            sf::same_site(&state)?;
            let ua = sf::header("user-agent");
            let addr = sf::client_addr(&state)?;
            let client = crate::server::accounts::service::Client { addr: &addr, user_agent: ua.as_deref() };
            let signed = crate::server::accounts::service::signup(&state, &client, &email, &password, &display_name).await?;
            sf::set_response_header(
                axum::http::header::SET_COOKIE,
                crate::server::accounts::auth::set_session_cookie(&signed.session_token, &state.public_url),
            );
            Ok(signed.user)
        }
        .await,
    )
}

/// Signs in (sets the session cookie).
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<User, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let state = sf::state()?;
            sf::same_site(&state)?;
            let ua = sf::header("user-agent");
            let addr = sf::client_addr(&state)?;
            let client = crate::server::accounts::service::Client { addr: &addr, user_agent: ua.as_deref() };
            let signed = crate::server::accounts::service::login(&state, &client, &email, &password).await?;
            sf::set_response_header(
                axum::http::header::SET_COOKIE,
                crate::server::accounts::auth::set_session_cookie(&signed.session_token, &state.public_url),
            );
            Ok(signed.user)
        }
        .await,
    )
}

/// Signs out: revokes this session and clears the cookie.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let state = sf::state()?;
            match sf::user().await {
                Ok((_, user)) => crate::server::accounts::service::logout(&state, &user).await?,
                Err(e) if e.code == crate::domain::error::ErrorCode::Unauthorized => {}
                Err(e) => return Err(e),
            }
            sf::set_response_header(
                axum::http::header::SET_COOKIE,
                crate::server::accounts::auth::clear_session_cookie(&state.public_url),
            );
            Ok(())
        }
        .await,
    )
}

/// Signs out every session of the user, this one included, and clears the
/// cookie.
#[server(prefix = "/api/fn", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::accounts::service::logout_everywhere(&state, &user).await?;
            sf::set_response_header(
                axum::http::header::SET_COOKIE,
                crate::server::accounts::auth::clear_session_cookie(&state.public_url),
            );
            Ok(())
        }
        .await,
    )
}

/// The signed-in user, or `None` for a visitor.
#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            match sf::user().await {
                Ok((state, user)) => crate::server::accounts::service::me(&state, &user).await.map(Some),
                Err(e) if e.code == crate::domain::error::ErrorCode::Unauthorized => Ok(None),
                Err(e) => Err(e),
            }
        }
        .await,
    )
}

/// Creates an API token; the secret is in the result, shown once.
#[server(prefix = "/api/fn", endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<CreatedToken, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            let (token, secret) = crate::server::accounts::service::create_token(&state, &user, &name).await?;
            Ok(CreatedToken { token, secret })
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenInfo>, ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::accounts::service::list_tokens(&state, &user).await
        }
        .await,
    )
}

#[server(prefix = "/api/fn", endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: Uuid) -> Result<(), ApiError> {
    use crate::server::http::server_fn as sf;
    sf::respond(
        async {
            let (state, user) = sf::user().await?;
            crate::server::accounts::service::revoke_token(&state, &user, id).await
        }
        .await,
    )
}

/// A new API token and its secret (never retrievable again).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreatedToken {
    pub token: ApiTokenInfo,
    pub secret: String,
}
