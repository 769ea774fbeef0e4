//! Forward exponential decay over several half-lives at once.
//!
//! A decayed count with half-life `h` is `Σ wᵢ · 2^(-(t - tᵢ)/h)`. Decaying
//! every stored count at every step would cost one `exp` per counter per
//! tweet; forward decay instead stores `Σ wᵢ · 2^((tᵢ - L)/h)` for a fixed
//! landmark `L`, so an increment is one multiply by a factor shared by every
//! counter of that half-life, and reading divides by `2^((t - L)/h)`. Because
//! every stored value is scaled by the same factor, comparisons between
//! counters (the heavy-hitter heap, the trend ranking) never need decaying at
//! all. The factor grows without bound, so once it passes `2^RENORM_AT` the
//! owner moves the landmark to now and rescales everything it stores: a huge
//! jump in event time rescales to exactly zero, never to infinity or NaN.

use serde::{Deserialize, Serialize};

/// Past this many half-lives (of the shortest lane) since the landmark, the
/// stored values are rescaled. `2^256 ≈ 1e77` leaves `f64` ample headroom.
const RENORM_AT: f64 = 256.0;

/// The landmark and the half-lives of every lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardDecay {
    half_lives_ms: Vec<f64>,
    landmark_ms: i64,
    min_half_life_ms: f64,
}

impl ForwardDecay {
    /// Lanes with these half-lives (milliseconds, each `> 0`), landmark at 0.
    pub fn new(half_lives_ms: Vec<f64>) -> Self {
        let min_half_life_ms = half_lives_ms.iter().copied().fold(f64::INFINITY, f64::min);
        ForwardDecay {
            half_lives_ms,
            landmark_ms: 0,
            min_half_life_ms,
        }
    }

    /// Number of lanes.
    pub fn lanes(&self) -> usize {
        self.half_lives_ms.len()
    }

    /// Half-life of `lane` in milliseconds.
    pub fn half_life_ms(&self, lane: usize) -> f64 {
        self.half_lives_ms[lane]
    }

    fn elapsed(&self, t_ms: i64) -> f64 {
        t_ms.saturating_sub(self.landmark_ms) as f64
    }

    /// `2^((t - L)/h)`: what a weight of 1 at time `t` is stored as.
    pub fn growth(&self, lane: usize, t_ms: i64) -> f64 {
        (self.elapsed(t_ms) / self.half_lives_ms[lane]).exp2()
    }

    /// [`Self::growth`] for every lane into `out` (`out.len() == lanes()`).
    pub fn growths(&self, t_ms: i64, out: &mut [f64]) {
        let e = self.elapsed(t_ms);
        for (o, h) in out.iter_mut().zip(&self.half_lives_ms) {
            *o = (e / h).exp2();
        }
    }

    /// Whether [`Self::renormalise`] must run before values at `t_ms` are stored.
    pub fn must_renormalise(&self, t_ms: i64) -> bool {
        self.elapsed(t_ms) / self.min_half_life_ms > RENORM_AT
    }

    /// Moves the landmark to `t_ms` and returns, per lane, the factor every
    /// stored value of that lane must be multiplied by (in `[0, 1]`).
    pub fn renormalise(&mut self, t_ms: i64) -> Vec<f64> {
        let e = self.elapsed(t_ms);
        self.landmark_ms = t_ms;
        self.half_lives_ms.iter().map(|h| (-e / h).exp2()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    #[test]
    fn a_count_halves_after_one_half_life() {
        let d = ForwardDecay::new(vec![5.0 * MIN, 20.0 * MIN]);
        let stored = [d.growth(0, 0), d.growth(1, 0)];
        let five = 5 * 60_000;
        assert!((stored[0] / d.growth(0, five) - 0.5).abs() < 1e-12);
        assert!((stored[1] / d.growth(1, five) - 0.5f64.powf(0.25)).abs() < 1e-12);
        assert!((stored[1] / d.growth(1, 4 * five) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn renormalising_preserves_decayed_values() {
        let mut d = ForwardDecay::new(vec![5.0 * MIN]);
        // Three unit weights at 0, 1 and 2 minutes.
        let mut stored: f64 = (0..3).map(|m| d.growth(0, m * 60_000)).sum();
        let t = 10_000 * 60_000; // 2000 half-lives later: must rescale
        assert!(d.must_renormalise(t));
        let before_exact = (0..3)
            .map(|m| 2f64.powf(-((10_000 - m) as f64) / 5.0))
            .sum::<f64>();
        stored *= d.renormalise(t)[0];
        assert!(!d.must_renormalise(t));
        let after = stored / d.growth(0, t);
        assert!(after.is_finite() && after >= 0.0);
        assert!((after - before_exact).abs() <= 1e-300);
    }

    #[test]
    fn huge_jumps_rescale_to_zero_not_nan() {
        let mut d = ForwardDecay::new(vec![5.0 * MIN, 320.0 * MIN]);
        let f = d.renormalise(i64::MAX);
        assert!(f.iter().all(|x| *x == 0.0));
        let g = d.growth(0, i64::MIN);
        assert!(g.is_finite() && g >= 0.0);
    }
}
