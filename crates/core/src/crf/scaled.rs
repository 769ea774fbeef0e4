//! Forward–backward in probability space with per-step normalisation.
//!
//! The log-space [`Lattice`](super::Lattice) calls `exp`/`ln` for every
//! `(t, prev, next)` triple; here transitions are exponentiated once per
//! model and each step is an `L × L` matrix–vector product, with one `exp` per
//! emission. Scaling each forward vector to sum to one (and reusing the same
//! factors backwards) keeps the numbers in range; if an extreme input still
//! underflows a step to zero, [`ScaledCrf::lattice`] returns `None` and the
//! caller falls back to the exact log-space tables.

use super::CrfScores;

/// A CRF with exponentiated scores, built once per model.
#[derive(Debug, Clone)]
pub struct ScaledCrf {
    num_labels: usize,
    /// `[L * L]` `exp(transitions)`, row-major `prev × next`.
    exp_trans: Vec<f32>,
    exp_start: Vec<f32>,
    exp_end: Vec<f32>,
}

/// Scaled forward/backward tables of one sequence.
///
/// With `c_t` the scale of step `t`, `alpha[t]` sums to one and
/// `alpha[t][y] * beta[t][y]` is the marginal probability of `y` at `t`.
#[derive(Debug, Clone)]
pub struct ScaledLattice {
    len: usize,
    num_labels: usize,
    alpha: Vec<f32>,
    beta: Vec<f32>,
    /// `[T * L]` `exp(emission - max_t)`.
    psi: Vec<f32>,
    /// Per-step scale factors.
    scale: Vec<f32>,
    /// `sum_y alpha[T-1][y] * exp_end[y]`.
    z_end: f32,
    /// Log partition function.
    pub log_z: f32,
}

impl ScaledCrf {
    /// Exponentiate the (already constraint-masked) scores.
    pub fn new(scores: &CrfScores) -> Self {
        let exp = |v: &[f32]| v.iter().map(|x| x.exp()).collect::<Vec<f32>>();
        ScaledCrf {
            num_labels: scores.num_labels,
            exp_trans: exp(&scores.transitions),
            exp_start: exp(&scores.start),
            exp_end: exp(&scores.end),
        }
    }

    /// Forward–backward over `[T * L]` emissions; `None` if a step underflows
    /// (or overflows) so that the result would not be trustworthy.
    pub fn lattice(&self, emissions: &[f32]) -> Option<ScaledLattice> {
        let l = self.num_labels;
        if l == 0 || !emissions.len().is_multiple_of(l) {
            return None;
        }
        let t_len = emissions.len() / l;
        let mut psi = vec![0.0f32; t_len * l];
        let mut log_z = 0.0f32;
        for (row, out) in emissions.chunks(l).zip(psi.chunks_mut(l)) {
            let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for (o, &e) in out.iter_mut().zip(row) {
                *o = (e - m).exp();
            }
            log_z += m;
        }
        let mut alpha = vec![0.0f32; t_len * l];
        let mut scale = vec![0.0f32; t_len];
        for t in 0..t_len {
            let (done, rest) = alpha.split_at_mut(t * l);
            let cur = &mut rest[..l];
            if t == 0 {
                for (y, a) in cur.iter_mut().enumerate() {
                    *a = self.exp_start[y];
                }
            } else {
                let prev = &done[(t - 1) * l..];
                cur.fill(0.0);
                for (i, &p) in prev.iter().enumerate() {
                    if p == 0.0 {
                        continue;
                    }
                    let row = &self.exp_trans[i * l..(i + 1) * l];
                    for (a, &w) in cur.iter_mut().zip(row) {
                        *a += p * w;
                    }
                }
            }
            let mut sum = 0.0f32;
            for (a, &s) in cur.iter_mut().zip(&psi[t * l..(t + 1) * l]) {
                *a *= s;
                sum += *a;
            }
            if !(sum > 0.0 && sum.is_finite()) {
                return None;
            }
            let inv = 1.0 / sum;
            cur.iter_mut().for_each(|a| *a *= inv);
            scale[t] = sum;
            log_z += sum.ln();
        }
        if t_len == 0 {
            return Some(ScaledLattice {
                len: 0,
                num_labels: l,
                alpha,
                beta: Vec::new(),
                psi,
                scale,
                z_end: 1.0,
                log_z: 0.0,
            });
        }
        let last = &alpha[(t_len - 1) * l..];
        let z_end: f32 = last.iter().zip(&self.exp_end).map(|(a, e)| a * e).sum();
        if !(z_end > 0.0 && z_end.is_finite()) {
            return None;
        }
        log_z += z_end.ln();
        let mut beta = vec![0.0f32; t_len * l];
        for (b, &e) in beta[(t_len - 1) * l..].iter_mut().zip(&self.exp_end) {
            *b = e / z_end;
        }
        let mut tmp = vec![0.0f32; l];
        for t in (0..t_len - 1).rev() {
            let inv = 1.0 / scale[t + 1];
            let (head, tail) = beta.split_at_mut((t + 1) * l);
            for ((v, &b), &s) in tmp
                .iter_mut()
                .zip(&tail[..l])
                .zip(&psi[(t + 1) * l..(t + 2) * l])
            {
                *v = b * s * inv;
            }
            for (i, out) in head[t * l..].iter_mut().enumerate() {
                let row = &self.exp_trans[i * l..(i + 1) * l];
                *out = row.iter().zip(&tmp).map(|(w, v)| w * v).sum();
            }
        }
        Some(ScaledLattice {
            len: t_len,
            num_labels: l,
            alpha,
            beta,
            psi,
            scale,
            z_end,
            log_z,
        })
    }

    /// Probability that `start..=end` is exactly `begin inside … inside`
    /// (see [`CrfScores::span_log_prob`]); `inside = None` allows only
    /// single-token spans.
    pub fn span_prob(
        &self,
        lat: &ScaledLattice,
        start: usize,
        end: usize,
        begin: usize,
        inside: Option<usize>,
    ) -> f32 {
        let l = self.num_labels;
        if start > end || end >= lat.len || begin >= l || inside.is_some_and(|i| i >= l) {
            return 0.0;
        }
        if inside.is_none() && end > start {
            return 0.0;
        }
        let mut p = lat.alpha[start * l + begin];
        let mut prev = begin;
        if let Some(ins) = inside {
            for k in start + 1..=end {
                p *= self.exp_trans[prev * l + ins] * lat.psi[k * l + ins] / lat.scale[k];
                prev = ins;
            }
        }
        let tail = if end + 1 == lat.len {
            self.exp_end[prev] / lat.z_end
        } else {
            let t = end + 1;
            let row = &self.exp_trans[prev * l..(prev + 1) * l];
            (0..l)
                .filter(|&y| Some(y) != inside)
                .map(|y| row[y] * lat.psi[t * l + y] * lat.beta[t * l + y])
                .sum::<f32>()
                / lat.scale[t]
        };
        p * tail
    }
}

impl ScaledLattice {
    /// Per-token marginal probabilities, one `[L]` vector per token.
    pub fn marginals(&self) -> Vec<Vec<f32>> {
        let l = self.num_labels;
        (0..self.len)
            .map(|t| {
                let a = &self.alpha[t * l..(t + 1) * l];
                let b = &self.beta[t * l..(t + 1) * l];
                a.iter().zip(b).map(|(x, y)| x * y).collect()
            })
            .collect()
    }
}
