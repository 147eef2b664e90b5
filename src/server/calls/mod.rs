//! Live calls, split by job: [`start`] (a session, its script, the dial),
//! [`progress`] (the session's forward-only state machine, retries),
//! [`transcript`] (what the engine stores as the call goes), [`approvals`]
//! (mid-call decisions), [`process`] (summary and facts after the call),
//! [`recording`] (a call's audio: kept, played to its owner, deleted),
//! [`liveness`] (heartbeats, and recovery of calls lost with their process)
//! and [`repo`] (reading calls back). Work for the network and the engine
//! runs in the system context; the user's own operations under their RLS.

mod approvals;
mod liveness;
mod process;
mod progress;
mod recording;
mod repo;
mod start;
mod transcript;

pub use approvals::{decide, expire_approval, recorded_decision, request_approval};
pub use liveness::{engine_done, heartbeat, heartbeat_interval, run_sweeper, sweep};
pub use process::{process, process_for_user};
pub use progress::{Report, connected, price, record_answer, schedule_retry, set_status};
pub use recording::{delete_recording, forget_recordings, recording, store_recording};
pub use repo::{SESSION_COLUMNS, SessionRow, detail, session_for_sid};
pub use start::{rehearse, start_call, start_queued, unspeakable_language};
pub use transcript::{LiveContext, append_segment, append_segments, live_context, prepare_relay, relay_context};
