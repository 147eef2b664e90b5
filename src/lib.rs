//! Callwright: a self-hostable AI calling assistant.
//!
//! One crate, two builds: `ssr` (the server binary, everything under
//! [`server`]) and `hydrate` (the WebAssembly bundle that hydrates the
//! server-rendered pages). [`domain`] and [`ui`] are shared by both.

// The views of the bigger pages are deep static types in the release (non-erased) wasm build.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod domain;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
