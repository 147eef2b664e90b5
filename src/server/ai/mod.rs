//! The AI helper: planning, risk detection, call scripts, summaries and
//! approval checks.

pub mod rules;
