//! The detector's burst test applied to one count series (mentions per
//! bucket), for series that arrive already counted: NAB's `realTweets`
//! volumes (`examples/nab.rs`), or a per-entity count exported elsewhere.
//!
//! It is the test of [`crate::TrendDetector`] without the parts that need
//! tweets (authors, shares of all traffic, aliases): per bucket, the count is
//! decayed at each half-life of [`TrendConfig::half_lives_min`], each decayed
//! count is compared with its own exponentially weighted mean and variance
//! (half-life `baseline_half_life_min`, updated after the bucket is scored so
//! a bucket is never part of its own baseline), and a window bursts when the
//! z-score and the Poisson tail agree. Where the detector answers yes or no,
//! this gives a graded score so a benchmark can sweep a threshold:
//! `s = max over windows of min(z / z_threshold, ln p / ln max_p_value)`,
//! which is at least 1 exactly where the detector's two tests both pass, and
//! [`SeriesScorer::push`] reports `s / (1 + s)` in `[0, 1)`.
//!
//! Only a burst's rise is reported: a bucket scores 0 unless its `s` beats
//! every `s` of the previous `cooldown_min`, as the detector fires once per
//! burst rather than on every bucket of it.

use crate::config::TrendConfig;
use crate::stats::{ln_poisson_tail, EwStats};
use std::collections::VecDeque;

/// Expected counts below this are raised to it in the Poisson test, as in
/// the detector: a series that was silent is not infinitely surprised.
const MU_FLOOR: f64 = 1e-3;

/// Streaming burst scores of one count series.
#[derive(Debug, Clone)]
pub struct SeriesScorer {
    decay: Vec<f64>,
    counts: Vec<f64>,
    base: Vec<EwStats>,
    alpha: f64,
    z_threshold: f64,
    ln_p_max: f64,
    warmup: usize,
    seen: usize,
    recent: VecDeque<f64>,
    cooldown: usize,
}

impl SeriesScorer {
    /// A scorer for buckets of `bucket_min` minutes with `config`'s
    /// half-lives, baseline, thresholds, warm-up and cool-down.
    ///
    /// # Panics
    /// Never for a config that validates; `bucket_min` must be positive
    /// (checked: a zero bucket is treated as one minute).
    pub fn new(config: &TrendConfig, bucket_min: f64) -> Self {
        let bucket = bucket_min.max(1.0);
        let buckets = |min: u32| (f64::from(min) / bucket).ceil() as usize;
        SeriesScorer {
            decay: config
                .half_lives_min
                .iter()
                .map(|&h| (-bucket / f64::from(h)).exp2())
                .collect(),
            counts: vec![0.0; config.half_lives_min.len()],
            base: vec![EwStats::default(); config.half_lives_min.len()],
            alpha: 1.0 - (-bucket / f64::from(config.baseline_half_life_min)).exp2(),
            z_threshold: config.z_threshold,
            ln_p_max: config.max_p_value.ln(),
            warmup: buckets(config.warmup_min),
            seen: 0,
            recent: VecDeque::new(),
            cooldown: buckets(config.cooldown_min),
        }
    }

    /// The raw agreement score `s` of the next bucket (see the module docs),
    /// then the baselines learn it. Negative counts count as 0.
    pub fn strength(&mut self, count: f64) -> f64 {
        let x = if count.is_finite() {
            count.max(0.0)
        } else {
            0.0
        };
        let mut best = f64::NEG_INFINITY;
        for ((c, d), b) in self.counts.iter_mut().zip(&self.decay).zip(&mut self.base) {
            *c = *c * d + x;
            let mu = b.mean;
            let z = (*c - mu) / (mu + b.var + 1.0).sqrt();
            let lnp = ln_poisson_tail(*c, mu.max(MU_FLOOR));
            best = best.max((z / self.z_threshold).min(lnp / self.ln_p_max));
            if self.seen == 0 {
                *b = EwStats::starting_at(*c);
            } else {
                b.update(*c, self.alpha);
            }
        }
        self.seen += 1;
        best
    }

    /// The reported score of the next bucket, in `[0, 1)`: 0 during the
    /// warm-up and unless the bucket's strength beats the cool-down's.
    pub fn push(&mut self, count: f64) -> f64 {
        let s = self.strength(count);
        let beaten = self.recent.iter().all(|&r| s > r);
        self.recent.push_back(s);
        if self.recent.len() > self.cooldown {
            self.recent.pop_front();
        }
        if self.seen <= self.warmup || !beaten || s <= 0.0 {
            0.0
        } else {
            s / (1.0 + s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scorer() -> SeriesScorer {
        SeriesScorer::new(&TrendConfig::default(), 5.0)
    }

    #[test]
    fn a_steady_series_never_scores_and_a_jump_does() {
        let mut s = scorer();
        let mut r = tweetner_core::rng::SplitMix64::new(7);
        let mut max_quiet = 0.0f64;
        for _ in 0..2000 {
            // Counts around 50 with Poisson-like noise.
            let x = 50.0 + (r.unit() - 0.5) * 14.0;
            max_quiet = max_quiet.max(s.push(x.round()));
        }
        assert!(max_quiet < 0.5, "a steady series scored {max_quiet}");
        let jump = s.push(150.0);
        assert!(jump > 0.5, "tripling the count scored only {jump}");
    }

    #[test]
    fn only_the_rise_of_a_burst_is_reported() {
        let mut s = scorer();
        for _ in 0..500 {
            s.push(10.0);
        }
        let scores: Vec<f64> = (0..6).map(|_| s.push(100.0)).collect();
        assert!(scores[0] > 0.5, "{scores:?}");
        // Later buckets of the same burst report only if they are stronger
        // still; a plateau does not repeat the alarm.
        let repeats = scores[1..].iter().filter(|&&x| x > 0.0).count();
        assert!(repeats <= 3, "{scores:?}");
        let after: Vec<f64> = (0..6).map(|_| s.push(100.0)).collect();
        assert!(after.iter().all(|&x| x == 0.0), "{after:?}");
    }

    #[test]
    fn nothing_during_the_warm_up_and_bad_counts_are_zero() {
        let mut s = scorer();
        // warmup_min 60 over 5-minute buckets: 12 buckets.
        for i in 0..12 {
            let x = if i == 11 { 1000.0 } else { 1.0 };
            assert_eq!(s.push(x), 0.0);
        }
        assert!(s.push(f64::NAN).is_finite());
        assert!(s.push(-5.0).is_finite());
    }
}
