//! Circuit breakers for the services a call depends on (Twilio, the
//! model): after several failures in a row the breaker opens and callers
//! are refused at once, with a clear message and when to try again,
//! instead of each waiting out its own timeout; after a pause one trial
//! goes through, and its success closes the breaker again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row that open a breaker.
pub const FAILURES_TO_OPEN: u32 = 5;

#[derive(Debug)]
pub struct Breaker {
    name: &'static str,
    pause: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failures: u32,
    /// While open: until when callers are refused.
    open_until: Option<Instant>,
    /// A trial went out after the pause (when): others wait for its
    /// outcome, or for another pause if it never reports (abandoned).
    trial: Option<Instant>,
}

/// Refused at once: the service failed repeatedly; try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    pub retry_after: Duration,
}

impl Breaker {
    pub fn new(name: &'static str, pause: Duration) -> Breaker {
        Breaker { name, pause, state: Mutex::default() }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the breaker is open and still pausing (a look that takes no
    /// trial: for refusing early, before the work that leads to a call).
    pub fn paused(&self) -> Result<(), Open> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match s.open_until {
            Some(until) if now < until => Err(Open { retry_after: until - now }),
            _ => Ok(()),
        }
    }

    /// Whether a call may go out now.
    pub fn admit(&self) -> Result<(), Open> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Result<(), Open> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match s.open_until {
            None => Ok(()),
            Some(until) if now < until => Err(Open { retry_after: until - now }),
            Some(_) if s.trial.is_some_and(|t| now < t + self.pause) => Err(Open { retry_after: Duration::from_secs(1) }),
            Some(_) => {
                s.trial = Some(now);
                Ok(())
            }
        }
    }

    /// The call went through: the breaker closes.
    pub fn success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.open_until.is_some() {
            tracing::info!(service = self.name, "the service answers again; breaker closed");
        }
        *s = State::default();
    }

    /// The service failed (not the caller's own mistake).
    pub fn failure(&self) {
        self.failure_at(Instant::now());
    }

    fn failure_at(&self, now: Instant) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.failures += 1;
        s.trial = None;
        if s.failures >= FAILURES_TO_OPEN {
            if s.open_until.is_none() {
                tracing::warn!(service = self.name, failures = s.failures, pause = ?self.pause, "the service keeps failing; breaker open");
            }
            s.open_until = Some(now + self.pause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_in_a_row_lets_one_trial_through_and_closes_on_success() {
        let b = Breaker::new("twilio", Duration::from_secs(30));
        let t0 = Instant::now();
        for _ in 0..FAILURES_TO_OPEN - 1 {
            assert!(b.admit_at(t0).is_ok());
            b.failure_at(t0);
        }
        b.success();
        for _ in 0..FAILURES_TO_OPEN - 1 {
            b.failure_at(t0);
        }
        assert!(b.admit_at(t0).is_ok(), "a success in between starts the count again");
        b.failure_at(t0);
        let refused = b.admit_at(t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(20));
        // After the pause: one trial; the others wait for it.
        let later = t0 + Duration::from_secs(31);
        assert!(b.admit_at(later).is_ok());
        assert!(b.admit_at(later).is_err());
        // The trial fails: open again for a full pause.
        b.failure_at(later);
        assert!(b.admit_at(later + Duration::from_secs(29)).is_err());
        let again = later + Duration::from_secs(31);
        assert!(b.admit_at(again).is_ok());
        // A trial that never reports is given up after another pause.
        assert!(b.admit_at(again + Duration::from_secs(29)).is_err());
        assert!(b.admit_at(again + Duration::from_secs(31)).is_ok());
        b.success();
        assert!(b.admit_at(again).is_ok() && b.admit_at(again).is_ok(), "closed");
    }
}
