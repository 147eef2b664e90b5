//! Who the user is: accounts, password hashing, browser sessions, API
//! tokens, and the authentication of every request.

pub mod auth;
mod password;
pub mod service;

pub use auth::{AuthVia, CurrentUser};
