//! Server functions: the UI's calls into the back end. Each is a thin
//! adapter over the same service as its REST twin, served under `/api/fn/`
//! and returning the shared [`ApiError`](crate::domain::error::ApiError).

pub mod accounts;
pub mod calls;
pub mod contacts;
pub mod notifications;
pub mod search;
pub mod settings;
pub mod tasks;
