//! Understanding what the other side of a call said: pure readers that
//! turn an utterance into typed signals, shared by both engines and by the
//! summariser. Nothing here decides what to do; the engine's policy and
//! guard do.

pub mod hours;
pub mod money;
pub mod reference;
pub mod situation;

#[cfg(test)]
mod fixtures;
