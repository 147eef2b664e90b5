//! Recent plan previews per user: the composer asking again for the same
//! words (after a pause, from another tab, after a re-render) is answered
//! from here, without the engine (a model call, with a model configured).
//! A preview is a preview: a contact or setting changed in the last
//! [`TTL`] may not show in it; creating the task always plans afresh.

use super::PlanOutcome;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a preview is reused.
pub const TTL: Duration = Duration::from_secs(120);
/// How many previews are kept, across users (the oldest go first).
const CAPACITY: usize = 1000;

type Key = (Uuid, String);

#[derive(Default)]
pub struct PlanMemo(Mutex<Memo>);

#[derive(Default)]
struct Memo {
    kept: HashMap<Key, (Instant, PlanOutcome)>,
    /// Keys in the order they were put (a key put again appears twice).
    order: VecDeque<(Instant, Key)>,
}

impl PlanMemo {
    /// The preview of `instruction` for `user`, if one is fresh.
    pub fn get(&self, user: Uuid, instruction: &str) -> Option<PlanOutcome> {
        self.get_at(user, instruction, Instant::now())
    }

    pub fn put(&self, user: Uuid, instruction: &str, outcome: PlanOutcome) {
        self.put_at(user, instruction, outcome, Instant::now());
    }

    fn get_at(&self, user: Uuid, instruction: &str, now: Instant) -> Option<PlanOutcome> {
        let memo = self.0.lock().expect("plan memo");
        let (at, outcome) = memo.kept.get(&(user, instruction.to_owned()))?;
        (now.duration_since(*at) < TTL).then(|| outcome.clone())
    }

    fn put_at(&self, user: Uuid, instruction: &str, outcome: PlanOutcome, now: Instant) {
        let mut memo = self.0.lock().expect("plan memo");
        let key = (user, instruction.to_owned());
        // The stale, then (when full) the oldest, make room.
        while let Some((at, _)) = memo.order.front()
            && (now.duration_since(*at) >= TTL || memo.kept.len() >= CAPACITY)
        {
            let Some((at, old)) = memo.order.pop_front() else { break };
            // Only the entry put then: the key may have been put again since.
            if memo.kept.get(&old).is_some_and(|(put, _)| *put == at) {
                memo.kept.remove(&old);
            }
        }
        memo.order.push_back((now, key.clone()));
        memo.kept.insert(key, (now, outcome));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().expect("plan memo").kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::RiskAssessment;
    use crate::server::ai::rules::planner::{PlanContext, plan};

    fn outcome(title: &str) -> PlanOutcome {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
        let planned = plan("Call 415-555-0101 and order a pizza", &PlanContext { today, region: "US", contacts: &[] });
        PlanOutcome {
            title: title.into(),
            plan: planned.plan,
            contact_id: None,
            risk: RiskAssessment::from_concerns(Vec::new()),
            engine: "rules",
            fallback_reason: None,
            usage: None,
        }
    }

    #[test]
    fn the_same_words_of_the_same_user_are_answered_until_they_go_stale() {
        let memo = PlanMemo::default();
        let (ada, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let t0 = Instant::now();
        memo.put_at(ada, "Call the dentist", outcome("Dentist"), t0);
        assert_eq!(memo.get_at(ada, "Call the dentist", t0 + TTL / 2).map(|o| o.title), Some("Dentist".into()));
        assert!(memo.get_at(bob, "Call the dentist", t0).is_none(), "another user's preview is not theirs");
        assert!(memo.get_at(ada, "Call the dentist!", t0).is_none(), "other words, another plan");
        assert!(memo.get_at(ada, "Call the dentist", t0 + TTL).is_none(), "stale");
        // Put again, it is fresh again, and the first put's expiry does not drop it.
        memo.put_at(ada, "Call the dentist", outcome("Again"), t0 + TTL / 2);
        memo.put_at(bob, "Call the vet", outcome("Vet"), t0 + TTL + Duration::from_secs(1));
        assert_eq!(
            memo.get_at(ada, "Call the dentist", t0 + TTL + Duration::from_secs(1)).map(|o| o.title),
            Some("Again".into())
        );
    }

    #[test]
    fn it_keeps_at_most_its_capacity() {
        let memo = PlanMemo::default();
        let t0 = Instant::now();
        for i in 0..CAPACITY + 50 {
            memo.put_at(Uuid::from_u128(i as u128), "Call the dentist", outcome("x"), t0);
        }
        assert_eq!(memo.len(), CAPACITY);
        assert!(memo.get_at(Uuid::from_u128(0), "Call the dentist", t0).is_none(), "the oldest went first");
        assert!(memo.get_at(Uuid::from_u128((CAPACITY + 49) as u128), "Call the dentist", t0).is_some());
    }
}
