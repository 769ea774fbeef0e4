//! Fixed-size memories of recent keys: tweet ids already counted, and
//! (entity, author) pairs already counted within the author window.
//!
//! Both are direct-mapped tables of 64-bit fingerprints: constant memory and
//! one probe per lookup. A collision overwrites the older key, so the table
//! forgets early (an author may count twice after heavy traffic) but never
//! invents a match (64-bit fingerprints make false matches negligible).

use serde::{Deserialize, Serialize};

/// Recently seen keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenTable {
    slots: Vec<u64>,
}

impl SeenTable {
    /// A table of `n ≥ 1` slots.
    pub fn new(n: usize) -> Self {
        SeenTable { slots: vec![0; n] }
    }

    /// Whether `fp` was seen; remembers it either way.
    pub fn check_and_insert(&mut self, fp: u64) -> bool {
        let fp = fp | 1; // 0 marks an empty slot
        let i = (fp >> 1) as usize % self.slots.len();
        let seen = self.slots[i] == fp;
        self.slots[i] = fp;
        seen
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it has no slots (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * 8
    }
}

/// Recently seen keys with the time they were last counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentTable {
    keys: Vec<u64>,
    times: Vec<i64>,
}

impl RecentTable {
    /// A table of `n ≥ 1` slots.
    pub fn new(n: usize) -> Self {
        RecentTable {
            keys: vec![0; n],
            times: vec![i64::MIN; n],
        }
    }

    /// Whether `fp` was counted within `window_ms` before `now_ms`; if not,
    /// it is counted now.
    pub fn seen_within(&mut self, fp: u64, now_ms: i64, window_ms: i64) -> bool {
        let fp = fp | 1;
        let i = (fp >> 1) as usize % self.keys.len();
        if self.keys[i] == fp && now_ms.saturating_sub(self.times[i]) < window_ms {
            return true;
        }
        self.keys[i] = fp;
        self.times[i] = now_ms;
        false
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it has no slots.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether both arrays have `n` slots (for restored checkpoints).
    pub fn is_consistent(&self, n: usize) -> bool {
        self.keys.len() == n && self.times.len() == n
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        (self.keys.capacity() + self.times.capacity()) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_str;

    #[test]
    fn seen_table_remembers_and_forgets_on_collision() {
        let mut t = SeenTable::new(1);
        assert!(!t.check_and_insert(hash_str("a")));
        assert!(t.check_and_insert(hash_str("a")));
        assert!(!t.check_and_insert(hash_str("b"))); // evicts "a"
        assert!(!t.check_and_insert(hash_str("a")));
    }

    #[test]
    fn recent_table_counts_once_per_window() {
        let mut t = RecentTable::new(64);
        let k = hash_str("bieber|alice");
        assert!(!t.seen_within(k, 0, 100));
        assert!(t.seen_within(k, 99, 100));
        assert!(!t.seen_within(k, 100, 100)); // window passed: counts again
        assert!(t.seen_within(k, 150, 100));
        assert!(!t.seen_within(hash_str("bieber|bob"), 150, 100));
        // Time going backwards reads as "already counted", never a panic.
        assert!(t.seen_within(k, i64::MIN, 100));
    }
}
