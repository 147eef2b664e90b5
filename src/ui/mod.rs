//! Pages and components, rendered on the server and hydrated in the browser.
//!
//! [`pages`] holds one file per route, and no page imports another; what
//! several pages show lives in [`components`]. The rest is shared plumbing:
//! who is reading ([`viewer`]), the live connection ([`live`]), addressed
//! records ([`route`]), forms ([`post_form`]), looks ([`style`]), times
//! ([`time`]), debouncing ([`debounce`]), dictation ([`voice`]), and what
//! only a browser can do ([`browser`]).

pub mod browser;
pub mod components;
pub mod debounce;
pub mod layout;
pub mod live;
pub mod pages;
pub mod post_form;
pub mod route;
pub mod style;
pub mod time;
pub mod viewer;
pub mod voice;
