//! One module per route. A page imports components and shared plumbing,
//! never another page (`tests/api/layers.rs` holds it to that).

pub mod auth;
pub mod contacts;
pub mod home;
pub mod not_found;
pub mod notifications;
pub mod session;
pub mod settings;
pub mod task_detail;
pub mod task_list;
