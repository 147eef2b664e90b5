//! What more than one page shows.

pub mod badges;
pub mod call_actions;
pub mod composer;
pub mod feedback;
pub mod page_header;
pub mod unread;
pub mod user_menu;
