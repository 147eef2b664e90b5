//! What every request handler can reach.

use super::ai::Ai;
use super::config::Config;
use super::crypto::Cipher;
use super::db::Db;
use super::journal::Journal;
use super::realtime::Hub;
use super::telephony::Telephony;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// `PUBLIC_URL`, or `http://<bound address>` when it is not set.
    pub public_url: Arc<str>,
    pub db: Db,
    /// Encrypts phone numbers, notes and transcripts at rest.
    pub cipher: Cipher,
    /// The AI helper (rules engine or an OpenAI-compatible model).
    pub ai: Arc<Ai>,
    /// Recent plan previews, reused for the same words.
    pub previews: Arc<crate::server::ai::memo::PlanMemo>,
    /// The phone network (sandbox or Twilio), and the sandbox for rehearsals.
    pub telephony: Arc<Telephony>,
    /// Live events of this process.
    pub hub: Hub,
    /// What live calls write each turn, group-committed.
    pub journal: Journal,
    /// This server process (holder of its live calls).
    pub instance: uuid::Uuid,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
