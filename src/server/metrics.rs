//! Measurements for `callwright bench`: off unless a benchmark turns them
//! on, so normal serving pays one relaxed atomic load per event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;
use uuid::Uuid;

#[derive(Default)]
pub struct Metrics {
    enabled: AtomicBool,
    /// Engine turn latencies in microseconds: a complete `prompt` in, the
    /// first `text` token of the reply out.
    turns: Mutex<Vec<u32>>,
    /// When each transcript segment was stored and published.
    published: Mutex<HashMap<Uuid, Instant>>,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

impl Metrics {
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    fn on(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    pub fn turn(&self, since: Instant) {
        if self.on() {
            let micros = since.elapsed().as_micros().min(u32::MAX as u128) as u32;
            self.turns.lock().expect("metrics").push(micros);
        }
    }

    pub fn published(&self, segment: Uuid) {
        if self.on() {
            self.published.lock().expect("metrics").insert(segment, Instant::now());
        }
    }

    /// When `segment` was published, if it was recorded.
    pub fn published_at(&self, segment: Uuid) -> Option<Instant> {
        self.published.lock().expect("metrics").get(&segment).copied()
    }

    pub fn take_turns(&self) -> Vec<u32> {
        std::mem::take(&mut *self.turns.lock().expect("metrics"))
    }
}

/// The `p`-th percentile (0..=100) of sorted values.
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Resident memory of a process (`self`, or a pid), in bytes (Linux).
pub fn rss_bytes(process: &str) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{process}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(super::percentile(&v, 50.0), 51);
        assert_eq!(super::percentile(&v, 99.0), 99);
        assert_eq!(super::percentile(&[], 99.0), 0);
    }
}
