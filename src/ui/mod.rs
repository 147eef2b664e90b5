//! Pages and components, rendered on the server and hydrated in the browser.

pub mod auth;
pub mod composer;
pub mod contacts;
pub mod format;
pub mod home;
pub mod layout;
pub mod live;
pub mod not_found;
pub mod notifications;
pub mod post_form;
pub mod session;
pub mod settings;
pub mod task_detail;
pub mod task_list;
pub mod voice;
