//! Event-time ordering with bounded lateness.
//!
//! Tweets arrive roughly, not exactly, in time order. Each one is held until
//! the watermark (newest time seen minus the allowed lateness) passes it,
//! then released in `(time, id, arrival)` order, so a stream reordered within
//! the lateness is applied exactly as the sorted stream would be. Anything
//! older than what was already released is late: the caller counts and
//! drops it. A full buffer releases its oldest early rather than grow.

use crate::event::TweetObservation;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    seq: u64,
    obs: TweetObservation,
}

impl Ord for Pending {
    // Reversed, so the std max-heap pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.obs.time_ms, &other.obs.id, other.seq).cmp(&(
            self.obs.time_ms,
            &self.obs.id,
            self.seq,
        ))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why [`Reorder::push`] refused an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Late;

/// The reorder buffer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reorder {
    lateness_ms: i64,
    max_pending: usize,
    heap: BinaryHeap<Pending>,
    seq: u64,
    max_seen: Option<i64>,
    /// Everything before this time has been released.
    frontier: Option<i64>,
    bytes: usize,
}

fn obs_bytes(o: &TweetObservation) -> usize {
    std::mem::size_of::<Pending>()
        + o.id.capacity()
        + o.author.as_ref().map_or(0, String::capacity)
        + o.original_id.as_ref().map_or(0, String::capacity)
        + o.entities
            .iter()
            .map(|(a, b)| a.capacity() + b.capacity() + 48)
            .sum::<usize>()
}

impl Reorder {
    /// An empty buffer.
    pub fn new(lateness_ms: i64, max_pending: usize) -> Self {
        Reorder {
            lateness_ms,
            max_pending,
            heap: BinaryHeap::new(),
            seq: 0,
            max_seen: None,
            frontier: None,
            bytes: 0,
        }
    }

    /// Newest time seen.
    pub fn max_seen(&self) -> Option<i64> {
        self.max_seen
    }

    /// Observations held.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Holds `obs`, or refuses it as late.
    ///
    /// # Errors
    /// [`Late`] when `obs` is older than what was already released.
    pub fn push(&mut self, obs: TweetObservation) -> Result<(), Late> {
        if self.frontier.is_some_and(|f| obs.time_ms < f) {
            return Err(Late);
        }
        self.max_seen = Some(self.max_seen.map_or(obs.time_ms, |m| m.max(obs.time_ms)));
        self.bytes += obs_bytes(&obs);
        self.heap.push(Pending { seq: self.seq, obs });
        self.seq += 1;
        Ok(())
    }

    fn pop(&mut self) -> Option<TweetObservation> {
        let p = self.heap.pop()?;
        self.bytes = self.bytes.saturating_sub(obs_bytes(&p.obs));
        Some(p.obs)
    }

    /// Releases, oldest first, what the watermark passed, plus what overflows
    /// the buffer (the count of those is returned alongside).
    pub fn release(&mut self, out: &mut Vec<TweetObservation>) -> u64 {
        let mut forced = 0;
        while self.heap.len() > self.max_pending {
            if let Some(o) = self.pop() {
                self.frontier = Some(self.frontier.map_or(o.time_ms, |f| f.max(o.time_ms)));
                out.push(o);
                forced += 1;
            }
        }
        let Some(max) = self.max_seen else {
            return forced;
        };
        let watermark = max.saturating_sub(self.lateness_ms);
        while self.heap.peek().is_some_and(|p| p.obs.time_ms < watermark) {
            if let Some(o) = self.pop() {
                out.push(o);
            }
        }
        if self.frontier.is_none_or(|f| f < watermark) {
            self.frontier = Some(watermark);
        }
        forced
    }

    /// Releases everything; later input older than the newest released is late.
    pub fn drain(&mut self, out: &mut Vec<TweetObservation>) {
        while let Some(o) = self.pop() {
            self.frontier = Some(self.frontier.map_or(o.time_ms, |f| f.max(o.time_ms)));
            out.push(o);
        }
    }

    /// Estimated bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.bytes + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(t: i64, id: &str) -> TweetObservation {
        TweetObservation {
            time_ms: t,
            id: id.into(),
            author: None,
            is_retweet: false,
            original_id: None,
            entities: vec![],
        }
    }

    fn ids(v: &[TweetObservation]) -> Vec<&str> {
        v.iter().map(|o| o.id.as_str()).collect()
    }

    #[test]
    fn releases_in_time_order_once_the_watermark_passes() {
        let mut r = Reorder::new(100, 1000);
        let mut out = vec![];
        for (t, id) in [(50, "b"), (10, "a"), (120, "d"), (60, "c")] {
            r.push(obs(t, id)).unwrap();
            r.release(&mut out);
        }
        assert_eq!(ids(&out), ["a"]); // watermark 20
        r.push(obs(200, "e")).unwrap();
        r.release(&mut out); // watermark 100
        assert_eq!(ids(&out), ["a", "b", "c"]);
        assert_eq!(r.push(obs(99, "late")), Err(Late));
        r.push(obs(100, "ok")).unwrap();
        r.drain(&mut out);
        assert_eq!(ids(&out), ["a", "b", "c", "ok", "d", "e"]);
        assert_eq!(r.push(obs(150, "x")), Err(Late));
        assert!(r.is_empty());
    }

    #[test]
    fn ties_break_by_id_whatever_the_arrival_order() {
        let mut a = Reorder::new(10, 100);
        let mut b = Reorder::new(10, 100);
        for id in ["x", "y", "z"] {
            a.push(obs(5, id)).unwrap();
        }
        for id in ["z", "x", "y"] {
            b.push(obs(5, id)).unwrap();
        }
        let (mut oa, mut ob) = (vec![], vec![]);
        a.drain(&mut oa);
        b.drain(&mut ob);
        assert_eq!(ids(&oa), ids(&ob));
    }

    #[test]
    fn a_full_buffer_releases_early_and_huge_jumps_do_not_overflow() {
        let mut r = Reorder::new(i64::MAX, 2);
        let mut out = vec![];
        for t in [i64::MIN, 0, i64::MAX] {
            r.push(obs(t, "a")).unwrap();
        }
        assert_eq!(r.release(&mut out), 1);
        assert_eq!(out[0].time_ms, i64::MIN);
        assert_eq!(r.len(), 2);
    }
}
