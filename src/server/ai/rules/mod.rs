//! The built-in offline engine: deterministic, sub-millisecond, no network.

pub mod dates;
pub mod evidence;
pub mod kind;
pub mod money;
pub mod phones;
pub mod planner;
pub mod risk;
pub mod script;
pub mod summarize;
pub mod text;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod robustness;
