//! Space-saving heavy hitters over decayed counts.
//!
//! A fixed number of entries, each with a count that never underestimates
//! the item's true (decayed) count; the entry with the smallest count sits at
//! the root of an indexed min-heap so eviction is `O(log capacity)`. Counts
//! are forward-decayed values (see [`crate::decay`]), so decay never reorders
//! the heap.
//!
//! Two ways in:
//! * [`SpaceSaving::offer`] is the classic algorithm: an unseen item always
//!   replaces the minimum and inherits its count as error, so for every entry
//!   `true ≤ count ≤ true + error` and `error ≤ min count`.
//! * [`SpaceSaving::admit`] is what the detector uses: the item comes with an
//!   estimate that never underestimates (from the count-min sketch) and only
//!   takes a place when that estimate beats the minimum. Tail items then do
//!   not churn the table (each eviction throws away a per-entity baseline),
//!   and an entry's count still never underestimates.

use crate::hash::BuildFingerprint;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One tracked item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry<T> {
    /// The item's fingerprint.
    pub fp: u64,
    /// Overestimate of the item's (forward-decayed) count.
    pub count: f64,
    /// How much of `count` may predate the item's arrival in the table.
    pub error: f64,
    /// The caller's per-item state.
    pub item: T,
}

/// The table. Serialised with its heap order, so a restored table evicts
/// exactly as the original would, ties included.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceSaving<T> {
    capacity: usize,
    entries: Vec<Entry<T>>,
    /// Entry indices in min-heap order of `count`.
    heap: Vec<u32>,
    #[serde(skip)]
    pos: Vec<u32>,
    #[serde(skip)]
    index: HashMap<u64, u32, BuildFingerprint>,
}

/// What [`SpaceSaving::admit`] did.
#[derive(Debug, PartialEq)]
pub enum Admission<T> {
    /// The item took entry `index` (and, if full, pushed this one out).
    Admitted {
        /// Entry index now holding the item.
        index: usize,
        /// The evicted item, if the table was full.
        evicted: Option<Entry<T>>,
    },
    /// The estimate did not beat the minimum; the item stays in the tail.
    Rejected,
}

impl<T> SpaceSaving<T> {
    /// An empty table of `capacity ≥ 1` entries.
    pub fn new(capacity: usize) -> Self {
        SpaceSaving {
            capacity,
            entries: Vec::new(),
            heap: Vec::new(),
            pos: Vec::new(),
            index: HashMap::with_hasher(BuildFingerprint),
        }
    }

    /// Rebuilds the lookup structures after deserialisation; `false` if the
    /// stored heap is not a permutation in heap order.
    pub fn rebuild(&mut self) -> bool {
        let n = self.entries.len();
        if n > self.capacity || self.heap.len() != n {
            return false;
        }
        self.pos = vec![u32::MAX; n];
        for (h, &e) in self.heap.iter().enumerate() {
            match self.pos.get_mut(e as usize) {
                Some(p) if *p == u32::MAX => *p = h as u32,
                _ => return false,
            }
        }
        for h in 1..n {
            if self.count_at(h) < self.count_at((h - 1) / 2) {
                return false;
            }
        }
        self.index = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.fp, i as u32))
            .collect();
        self.index.len() == n
    }

    /// Capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entries, in storage order (stable: an index names one entry until it is evicted).
    pub fn entries(&self) -> &[Entry<T>] {
        &self.entries
    }

    /// Mutable entries; changing `count` here would break the heap, so only
    /// `item` should be touched (use [`Self::add`] for counts).
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().map(|e| &mut e.item)
    }

    /// The entry index of `fp`, if tracked.
    pub fn get(&self, fp: u64) -> Option<usize> {
        self.index.get(&fp).map(|&i| i as usize)
    }

    /// Entry `i`.
    pub fn entry(&self, i: usize) -> &Entry<T> {
        &self.entries[i]
    }

    /// The item of entry `i`, mutably.
    pub fn item_mut(&mut self, i: usize) -> &mut T {
        &mut self.entries[i].item
    }

    /// The smallest count, or 0 while the table has free entries.
    pub fn min_count(&self) -> f64 {
        if self.entries.len() < self.capacity {
            0.0
        } else {
            self.count_at(0)
        }
    }

    fn count_at(&self, h: usize) -> f64 {
        self.entries[self.heap[h] as usize].count
    }

    /// Adds `w ≥ 0` to entry `i`.
    pub fn add(&mut self, i: usize, w: f64) {
        self.entries[i].count += w;
        self.sift_down(self.pos[i] as usize);
    }

    /// Classic space-saving step: counts `w` for `fp`, creating its entry
    /// (from `make`) if needed. Returns the entry index.
    pub fn offer(&mut self, fp: u64, w: f64, make: impl FnOnce() -> T) -> usize {
        if let Some(i) = self.get(fp) {
            self.add(i, w);
            return i;
        }
        let min = self.min_count();
        self.place(fp, min + w, min, make()).0
    }

    /// Sketch-filtered admission: `fp` (not tracked) with estimate `est`
    /// (never below its true count) enters if there is room or `est` beats
    /// the minimum.
    pub fn admit(&mut self, fp: u64, est: f64, make: impl FnOnce() -> T) -> Admission<T> {
        debug_assert!(self.get(fp).is_none());
        if self.entries.len() >= self.capacity && est <= self.min_count() {
            return Admission::Rejected;
        }
        let (index, evicted) = self.place(fp, est, est, make());
        Admission::Admitted { index, evicted }
    }

    fn place(&mut self, fp: u64, count: f64, error: f64, item: T) -> (usize, Option<Entry<T>>) {
        let entry = Entry {
            fp,
            count,
            error,
            item,
        };
        if self.entries.len() < self.capacity {
            let i = self.entries.len();
            self.entries.push(entry);
            self.heap.push(i as u32);
            self.pos.push(i as u32);
            self.index.insert(fp, i as u32);
            self.sift_up(i);
            return (i, None);
        }
        let i = self.heap[0] as usize;
        let old = std::mem::replace(&mut self.entries[i], entry);
        self.index.remove(&old.fp);
        self.index.insert(fp, i as u32);
        self.sift_down(0);
        (i, Some(old))
    }

    /// Multiplies every count and error by `factor ≥ 0` (order is preserved).
    pub fn scale(&mut self, factor: f64) {
        for e in &mut self.entries {
            e.count *= factor;
            e.error *= factor;
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a] as usize] = a as u32;
        self.pos[self.heap[b] as usize] = b as u32;
    }

    fn sift_up(&mut self, mut h: usize) {
        while h > 0 {
            let parent = (h - 1) / 2;
            if self.count_at(h) < self.count_at(parent) {
                self.swap(h, parent);
                h = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut h: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * h + 1, 2 * h + 2);
            let mut m = h;
            if l < n && self.count_at(l) < self.count_at(m) {
                m = l;
            }
            if r < n && self.count_at(r) < self.count_at(m) {
                m = r;
            }
            if m == h {
                break;
            }
            self.swap(h, m);
            h = m;
        }
    }

    /// Bytes held by the table itself (not by what the items own).
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry<T>>()
            + (self.heap.capacity() + self.pos.capacity()) * 4
            + self.index.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_str;
    use std::collections::HashMap;
    use tweetner_core::rng::SplitMix64;

    fn zipf_stream(n: usize, seed: u64) -> Vec<u64> {
        let mut r = SplitMix64::new(seed);
        (0..n)
            .map(|_| {
                // P(rank k) ∝ 1/k over 5000 ranks, by inversion of a continuous approximation.
                let k = (5000f64.powf(r.unit())) as u64;
                hash_str(&format!("item{k}"))
            })
            .collect()
    }

    #[test]
    fn classic_counts_overestimate_by_at_most_the_minimum() {
        let mut ss: SpaceSaving<()> = SpaceSaving::new(100);
        let mut truth: HashMap<u64, f64> = HashMap::new();
        for fp in zipf_stream(50_000, 1) {
            ss.offer(fp, 1.0, || ());
            *truth.entry(fp).or_default() += 1.0;
        }
        let min = ss.min_count();
        assert!(min > 0.0);
        let total: f64 = truth.values().sum();
        for e in ss.entries() {
            let t = truth[&e.fp];
            assert!(e.count >= t, "underestimate");
            assert!(e.count - t <= e.error + 1e-9, "error bound");
            assert!(e.error <= min + 1e-9, "error above min");
        }
        // Every item more frequent than total/capacity must be tracked.
        for (fp, t) in &truth {
            if *t > total / 100.0 {
                assert!(ss.get(*fp).is_some(), "heavy item lost");
            }
        }
        assert!(ss.rebuild());
    }

    #[test]
    fn admission_keeps_out_items_below_the_minimum() {
        let mut ss: SpaceSaving<u8> = SpaceSaving::new(2);
        assert!(matches!(
            ss.admit(1, 5.0, || 1),
            Admission::Admitted { evicted: None, .. }
        ));
        assert!(matches!(
            ss.admit(2, 3.0, || 2),
            Admission::Admitted { evicted: None, .. }
        ));
        assert_eq!(ss.admit(3, 3.0, || 3), Admission::Rejected);
        match ss.admit(4, 4.0, || 4) {
            Admission::Admitted {
                evicted: Some(e),
                index,
            } => {
                assert_eq!(e.fp, 2);
                assert_eq!(ss.entry(index).item, 4);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ss.get(2), None);
        assert_eq!(ss.min_count(), 4.0);
        let i = ss.get(4).unwrap();
        ss.add(i, 10.0);
        assert_eq!(ss.min_count(), 5.0);
    }

    #[test]
    fn serde_roundtrip_keeps_heap_order() {
        let mut ss: SpaceSaving<()> = SpaceSaving::new(50);
        for fp in zipf_stream(5_000, 2) {
            ss.offer(fp, 1.0, || ());
        }
        let json = serde_json::to_string(&ss).unwrap();
        let mut back: SpaceSaving<()> = serde_json::from_str(&json).unwrap();
        assert!(back.rebuild());
        for fp in zipf_stream(5_000, 3) {
            ss.offer(fp, 1.0, || ());
            back.offer(fp, 1.0, || ());
        }
        assert_eq!(ss.entries(), back.entries());
        let mut broken: SpaceSaving<()> = serde_json::from_str(&json).unwrap();
        let top = (0..broken.heap.len())
            .max_by(|&a, &b| {
                let ca = broken.entries[broken.heap[a] as usize].count;
                ca.total_cmp(&broken.entries[broken.heap[b] as usize].count)
            })
            .unwrap();
        broken.heap.swap(0, top);
        assert!(!broken.rebuild());
    }
}
