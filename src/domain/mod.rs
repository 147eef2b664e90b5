//! Pure domain types shared by the server and the browser build.
//!
//! Nothing here touches the network, the database or the clock.

pub mod account;
pub mod calendar;
pub mod contact;
pub mod enums;
pub mod error;
pub mod events;
pub mod insights;
pub mod money;
pub mod notification;
pub mod phone;
pub mod plan;
pub mod schedule;
pub mod search;
pub mod session;
pub mod settings;
pub mod task;
pub mod timestamp;
pub mod url;
pub mod usage;
