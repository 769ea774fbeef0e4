//! The two significance tests and the per-entity baseline.
//!
//! * [`ln_poisson_tail`]: how surprising `n` events are when `μ` were
//!   expected. A decayed count is not an integer, so the tail is taken through
//!   the regularised incomplete gamma function, which equals the Poisson tail
//!   at integers and interpolates smoothly between them. A decayed count is
//!   less dispersed than a Poisson count over the same mean, so the test is
//!   conservative.
//! * [`EwStats`]: SigniTrend-style exponentially weighted mean and variance,
//!   updated once per tick; it is the entity's own baseline, so an entity
//!   that is always noisy needs a larger jump to count as a burst.

use serde::{Deserialize, Serialize};

/// `ln Γ(x)` for `x > 0`: shift up to `x ≥ 10`, then Stirling's series.
pub fn ln_gamma(x: f64) -> f64 {
    let mut x = x;
    let mut shift = 0.0;
    while x < 10.0 {
        shift -= x.ln();
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Stirling: (x-1/2)ln x - x + ln(2π)/2 + 1/(12x) - 1/(360x³) + 1/(1260x⁵) - 1/(1680x⁷)
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    shift + (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

/// Natural log of `P(X ≥ n)` for `X ~ Poisson(mu)`, for real `n`.
///
/// Never NaN: `n ≤ 0` gives 0 (certain), `mu ≤ 0` with `n > 0` gives −∞.
pub fn ln_poisson_tail(n: f64, mu: f64) -> f64 {
    if n.is_nan() || n <= 0.0 {
        return 0.0;
    }
    if mu.is_nan() || mu <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let a = n;
    let x = mu;
    let ln_front = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Lower incomplete gamma by its series: P(a,x) = front/a · Σ x^k/((a+1)…(a+k)).
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut k = 1.0;
        while k < 1000.0 {
            term *= x / (a + k);
            sum += term;
            if term < sum * 1e-15 {
                break;
            }
            k += 1.0;
        }
        ln_front + sum.ln()
    } else {
        // Upper tail Q(a,x) by its continued fraction (modified Lentz), P = 1 - Q.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        let mut i = 1.0;
        while i < 1000.0 {
            let an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
            i += 1.0;
        }
        let q = (ln_front + h.ln()).exp().clamp(0.0, 1.0);
        (1.0 - q).max(f64::MIN_POSITIVE).ln()
    }
}

/// Exponentially weighted mean and variance of one signal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EwStats {
    /// Current mean.
    pub mean: f64,
    /// Current variance (never negative).
    pub var: f64,
}

impl EwStats {
    /// Starts at `mean` with no variance.
    pub fn starting_at(mean: f64) -> Self {
        EwStats { mean, var: 0.0 }
    }

    /// One update with weight `alpha ∈ (0, 1]` (West's incremental form).
    pub fn update(&mut self, x: f64, alpha: f64) {
        let diff = x - self.mean;
        let incr = alpha * diff;
        self.mean += incr;
        self.var = ((1.0 - alpha) * (self.var + diff * incr)).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_tail(n: u32, mu: f64) -> f64 {
        // 1 - Σ_{k<n} e^{-μ} μ^k / k!
        let mut term = (-mu).exp();
        let mut below = 0.0;
        for k in 0..n {
            below += term;
            term *= mu / f64::from(k + 1);
        }
        1.0 - below
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        for (x, fact) in [(1.0, 1.0), (2.0, 1.0), (5.0, 24.0), (11.0, 3_628_800.0f64)] {
            assert!((ln_gamma(x) - fact.ln()).abs() < 1e-10, "{x}");
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-10);
    }

    #[test]
    fn poisson_tail_matches_the_sum_at_integers() {
        for (n, mu) in [
            (1, 0.5),
            (5, 0.2),
            (10, 3.0),
            (3, 8.0),
            (40, 20.0),
            (2, 2.0),
        ] {
            let want = exact_tail(n, mu);
            let got = ln_poisson_tail(f64::from(n), mu).exp();
            assert!(
                (got - want).abs() <= 1e-9 * want.max(1e-6),
                "n={n} mu={mu}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn poisson_tail_is_monotone_and_never_nan() {
        let mut last = 0.0;
        for i in 1..200 {
            let p = ln_poisson_tail(f64::from(i) * 0.25, 3.0);
            assert!(p <= last + 1e-12 && !p.is_nan());
            last = p;
        }
        assert_eq!(ln_poisson_tail(0.0, 0.0), 0.0);
        assert_eq!(ln_poisson_tail(3.0, 0.0), f64::NEG_INFINITY);
        assert!(!ln_poisson_tail(f64::NAN, 1.0).is_nan());
        assert!(ln_poisson_tail(1e6, 1.0).is_finite());
    }

    #[test]
    fn ew_stats_converge_to_mean_and_variance() {
        let mut s = EwStats::starting_at(0.0);
        for i in 0..5000 {
            s.update(if i % 2 == 0 { 1.0 } else { 3.0 }, 0.01);
        }
        assert!((s.mean - 2.0).abs() < 0.05, "{s:?}");
        assert!((s.var - 1.0).abs() < 0.1, "{s:?}");
    }
}
