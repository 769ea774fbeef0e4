//! Count-min sketch for the long tail, one decayed counter per lane.
//!
//! Every mention of every entity goes into the sketch, heavy or not, so
//! when an entity climbs into the heavy-hitter table it starts from an
//! estimate of its whole recent history instead of from zero (a burst of a
//! tail entity is then measured against what it really had). The sketch has
//! a fixed `depth × width` size whatever the number of distinct entities;
//! each cell holds one forward-decayed value per lane.
//!
//! Updates are *conservative* (a cell is only raised as far as the new
//! estimate needs): this keeps the one-sided guarantee — an estimate is never
//! below the true count — while cutting the overestimate from collisions.

use crate::hash::mix;
use serde::{Deserialize, Serialize};

/// Most rows a sketch may have.
pub const MAX_DEPTH: usize = 8;

/// A count-min sketch with `lanes` values per cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountMin {
    width: usize,
    depth: usize,
    lanes: usize,
    /// `[(row · width + column) · lanes + lane]`.
    cells: Vec<f64>,
}

impl CountMin {
    /// An empty sketch; the caller validates `width ≥ 1`, `1 ≤ depth ≤ MAX_DEPTH`,
    /// `lanes ≥ 1`.
    pub fn new(width: usize, depth: usize, lanes: usize) -> Self {
        CountMin {
            width,
            depth,
            lanes,
            cells: vec![0.0; width * depth * lanes],
        }
    }

    /// Whether the stored shape is self-consistent (for restored checkpoints).
    pub fn is_consistent(&self, width: usize, depth: usize, lanes: usize) -> bool {
        self.width == width
            && self.depth == depth
            && self.lanes == lanes
            && self.cells.len() == width * depth * lanes
            && self.cells.iter().all(|c| c.is_finite() && *c >= 0.0)
    }

    /// Cell base offsets of `fp` in each row (double hashing: `h1 + i·h2`).
    fn offsets(&self, fp: u64) -> [usize; MAX_DEPTH] {
        let h1 = fp;
        let h2 = mix(fp ^ 0x5851_f42d_4c95_7f2d) | 1;
        let mut out = [0usize; MAX_DEPTH];
        for (row, o) in out.iter_mut().enumerate().take(self.depth) {
            let col = (h1.wrapping_add((row as u64).wrapping_mul(h2)) % self.width as u64) as usize;
            *o = (row * self.width + col) * self.lanes;
        }
        out
    }

    /// Per-lane estimates of `fp` into `out` (`out.len() == lanes`).
    pub fn estimate(&self, fp: u64, out: &mut [f64]) {
        let offs = self.offsets(fp);
        out.fill(f64::INFINITY);
        for &o in &offs[..self.depth] {
            for (lane, e) in out.iter_mut().enumerate() {
                *e = e.min(self.cells[o + lane]);
            }
        }
    }

    /// Adds `w[lane]` to `fp` conservatively and leaves the new estimates in `est`.
    pub fn add(&mut self, fp: u64, w: &[f64], est: &mut [f64]) {
        self.estimate(fp, est);
        for (e, wi) in est.iter_mut().zip(w) {
            *e += wi;
        }
        let offs = self.offsets(fp);
        for &o in &offs[..self.depth] {
            for (lane, e) in est.iter().enumerate() {
                let c = &mut self.cells[o + lane];
                if *c < *e {
                    *c = *e;
                }
            }
        }
    }

    /// Multiplies every value of each lane by `factors[lane]` (forward-decay rescale).
    pub fn scale(&mut self, factors: &[f64]) {
        for cell in self.cells.chunks_exact_mut(self.lanes) {
            for (c, f) in cell.iter_mut().zip(factors) {
                *c *= f;
            }
        }
    }

    /// Bytes held by the cells.
    pub fn memory_bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<f64>() + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_str;
    use std::collections::HashMap;

    #[test]
    fn never_underestimates_and_is_tight_for_few_keys() {
        let mut cm = CountMin::new(64, 4, 2);
        let mut truth: HashMap<u64, f64> = HashMap::new();
        let mut est = [0.0; 2];
        let mut r = tweetner_core::rng::SplitMix64::new(3);
        // 2000 keys into 64 columns: many collisions, still never below truth.
        for _ in 0..20_000 {
            let k = hash_str(&format!("k{}", r.below(2000)));
            let w = 1.0 + r.unit();
            cm.add(k, &[w, 2.0 * w], &mut est);
            *truth.entry(k).or_default() += w;
        }
        for (k, t) in &truth {
            cm.estimate(*k, &mut est);
            assert!(est[0] >= *t - 1e-9, "lane 0 underestimates");
            assert!(est[1] >= 2.0 * *t - 1e-9, "lane 1 underestimates");
        }
        let mut small = CountMin::new(1024, 4, 1);
        let mut e1 = [0.0];
        small.add(hash_str("a"), &[3.0], &mut e1);
        small.add(hash_str("b"), &[1.0], &mut e1);
        small.estimate(hash_str("a"), &mut e1);
        assert_eq!(e1[0], 3.0);
        small.estimate(hash_str("never"), &mut e1);
        assert_eq!(e1[0], 0.0);
    }

    #[test]
    fn scaling_rescales_each_lane() {
        let mut cm = CountMin::new(16, 2, 2);
        let mut est = [0.0; 2];
        cm.add(7, &[4.0, 4.0], &mut est);
        cm.scale(&[0.5, 0.25]);
        cm.estimate(7, &mut est);
        assert_eq!(est, [2.0, 1.0]);
        assert!(cm.is_consistent(16, 2, 2));
        assert!(!cm.is_consistent(16, 3, 2));
    }
}
