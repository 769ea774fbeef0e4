//! CRF inference on plain `f32` slices: Viterbi, forward–backward, token and
//! span marginals.
//!
//! This is the inference hot path, so it works on flat row-major slices
//! (`emissions[t * L + y]`) with no tensor machinery or autodiff graph. The
//! scores it uses already include the BIO constraint mask (see
//! [`crate::labels::constraint_masks`]), so decoding can never produce an
//! invalid move.

/// Numerically stable `log(sum(exp(xs)))`; `-inf` for an empty or all `-inf` input.
pub fn log_sum_exp(xs: impl Iterator<Item = f32> + Clone) -> f32 {
    let m = xs.clone().fold(f32::NEG_INFINITY, f32::max);
    if m == f32::NEG_INFINITY {
        return m;
    }
    m + xs.map(|x| (x - m).exp()).sum::<f32>().ln()
}

/// Effective CRF scores (learned parameters plus constraint mask) as plain vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct CrfScores {
    /// Number of labels `L`.
    pub num_labels: usize,
    /// `[L * L]`, row-major `prev × next`.
    pub transitions: Vec<f32>,
    /// `[L]` score of starting a sequence with each label.
    pub start: Vec<f32>,
    /// `[L]` score of ending a sequence with each label.
    pub end: Vec<f32>,
}

/// Forward/backward tables of one sequence, in log space.
///
/// `alpha[t*L+y]` is the log-sum of all prefixes ending in `y` at `t`
/// (including `t`'s emission); `beta[t*L+y]` the log-sum of all suffixes after
/// `t` given `y` at `t` (excluding `t`'s emission, including the end score).
#[derive(Debug, Clone)]
pub struct Lattice {
    /// Sequence length `T`.
    pub len: usize,
    /// Number of labels `L`.
    pub num_labels: usize,
    /// `[T * L]` forward table.
    pub alpha: Vec<f32>,
    /// `[T * L]` backward table.
    pub beta: Vec<f32>,
    /// Log partition function `log Z`.
    pub log_z: f32,
    /// `[T * L]` copy of the emissions, needed for span marginals.
    pub emissions: Vec<f32>,
}

impl CrfScores {
    fn trans(&self, prev: usize, next: usize) -> f32 {
        self.transitions[prev * self.num_labels + next]
    }

    /// The same CRF with `bias[y]` added to label `y`'s emission at every
    /// token. A path holding `y` at a token entered it there through exactly one
    /// start or transition score, so the bias folds into those and decoding
    /// costs nothing extra. Forbidden moves stay forbidden.
    pub fn with_label_bias(&self, bias: &[f32]) -> CrfScores {
        let l = self.num_labels;
        assert_eq!(bias.len(), l, "one bias per label");
        let add = |x: f32, b: f32| {
            if crate::labels::is_forbidden(x) {
                x
            } else {
                x + b
            }
        };
        CrfScores {
            num_labels: l,
            transitions: (0..l * l)
                .map(|k| add(self.transitions[k], bias[k % l]))
                .collect(),
            start: self
                .start
                .iter()
                .zip(bias)
                .map(|(&x, &b)| add(x, b))
                .collect(),
            end: self.end.clone(),
        }
    }

    fn check(&self, emissions: &[f32]) -> usize {
        let l = self.num_labels;
        assert!(
            l > 0 && emissions.len().is_multiple_of(l),
            "emissions length must be a multiple of L"
        );
        emissions.len() / l
    }

    /// Unnormalised score of a label path.
    pub fn path_score(&self, emissions: &[f32], path: &[usize]) -> f32 {
        let l = self.num_labels;
        let Some((&first, _)) = path.split_first() else {
            return 0.0;
        };
        let mut s = self.start[first] + emissions[first];
        for t in 1..path.len() {
            s += self.trans(path[t - 1], path[t]) + emissions[t * l + path[t]];
        }
        s + self.end[path[path.len() - 1]]
    }

    /// Best label path and its score. Empty emissions give an empty path with score 0.
    pub fn viterbi(&self, emissions: &[f32]) -> (Vec<usize>, f32) {
        let t_len = self.check(emissions);
        let l = self.num_labels;
        if t_len == 0 {
            return (Vec::new(), 0.0);
        }
        let mut delta: Vec<f32> = (0..l).map(|y| self.start[y] + emissions[y]).collect();
        let mut next = vec![0.0f32; l];
        let mut back = vec![0usize; t_len * l];
        for t in 1..t_len {
            for j in 0..l {
                let mut best = f32::NEG_INFINITY;
                let mut arg = 0;
                for (i, &d) in delta.iter().enumerate() {
                    let s = d + self.trans(i, j);
                    if s > best {
                        best = s;
                        arg = i;
                    }
                }
                next[j] = best + emissions[t * l + j];
                back[t * l + j] = arg;
            }
            std::mem::swap(&mut delta, &mut next);
        }
        let (mut last, mut best) = (0, f32::NEG_INFINITY);
        for (y, &d) in delta.iter().enumerate() {
            let s = d + self.end[y];
            if s > best {
                best = s;
                last = y;
            }
        }
        let mut path = vec![0usize; t_len];
        path[t_len - 1] = last;
        for t in (1..t_len).rev() {
            path[t - 1] = back[t * l + path[t]];
        }
        (path, best)
    }

    /// Log partition function `log Z` by the forward algorithm alone.
    pub fn log_partition(&self, emissions: &[f32]) -> f32 {
        let t_len = self.check(emissions);
        if t_len == 0 {
            return 0.0;
        }
        let alpha = self.forward_table(emissions, t_len);
        let last = &alpha[(t_len - 1) * self.num_labels..];
        log_sum_exp(last.iter().zip(&self.end).map(|(a, e)| a + e))
    }

    fn forward_table(&self, emissions: &[f32], t_len: usize) -> Vec<f32> {
        let l = self.num_labels;
        let mut alpha = vec![0.0f32; t_len * l];
        for y in 0..l {
            alpha[y] = self.start[y] + emissions[y];
        }
        for t in 1..t_len {
            let (done, rest) = alpha.split_at_mut(t * l);
            let prev = &done[(t - 1) * l..];
            for j in 0..l {
                let lse = log_sum_exp((0..l).map(|i| prev[i] + self.trans(i, j)));
                rest[j] = lse + emissions[t * l + j];
            }
        }
        alpha
    }

    /// Forward–backward tables for marginals.
    pub fn lattice(&self, emissions: &[f32]) -> Lattice {
        let t_len = self.check(emissions);
        let l = self.num_labels;
        if t_len == 0 {
            return Lattice {
                len: 0,
                num_labels: l,
                alpha: Vec::new(),
                beta: Vec::new(),
                log_z: 0.0,
                emissions: Vec::new(),
            };
        }
        let alpha = self.forward_table(emissions, t_len);
        let mut beta = vec![0.0f32; t_len * l];
        beta[(t_len - 1) * l..].copy_from_slice(&self.end);
        for t in (0..t_len - 1).rev() {
            let (head, tail) = beta.split_at_mut((t + 1) * l);
            let next_beta = &tail[..l];
            let em = &emissions[(t + 1) * l..(t + 2) * l];
            for i in 0..l {
                head[t * l + i] =
                    log_sum_exp((0..l).map(|j| self.trans(i, j) + em[j] + next_beta[j]));
            }
        }
        let last = &alpha[(t_len - 1) * l..];
        let log_z = log_sum_exp(last.iter().zip(&self.end).map(|(a, e)| a + e));
        Lattice {
            len: t_len,
            num_labels: l,
            alpha,
            beta,
            log_z,
            emissions: emissions.to_vec(),
        }
    }

    /// `[L * L]` expected number of each transition `prev × next` over the
    /// sentence of `lat` (made by [`CrfScores::lattice`] on these scores):
    /// the pairwise marginals summed over positions.
    pub fn transition_marginals(&self, lat: &Lattice) -> Vec<f32> {
        let l = self.num_labels;
        let mut out = vec![0.0f32; l * l];
        for t in 0..lat.len.saturating_sub(1) {
            let alpha = &lat.alpha[t * l..(t + 1) * l];
            let em = &lat.emissions[(t + 1) * l..(t + 2) * l];
            let beta = &lat.beta[(t + 1) * l..(t + 2) * l];
            for (i, a) in alpha.iter().enumerate() {
                for j in 0..l {
                    out[i * l + j] += (a + self.trans(i, j) + em[j] + beta[j] - lat.log_z).exp();
                }
            }
        }
        out
    }

    /// Log probability that tokens `start..=end` carry exactly
    /// `begin_label inside_label … inside_label` and that the entity ends at
    /// `end` (the next token, if any, is not `inside_label`).
    ///
    /// `inside_label = None` means the type has no inside label, so only
    /// single-token spans are possible. Returns `-inf` for an out-of-range or
    /// impossible span.
    pub fn span_log_prob(
        &self,
        lattice: &Lattice,
        start: usize,
        end: usize,
        begin_label: usize,
        inside_label: Option<usize>,
    ) -> f32 {
        let l = self.num_labels;
        if start > end || end >= lattice.len || begin_label >= l {
            return f32::NEG_INFINITY;
        }
        let inside_label = match inside_label {
            Some(i) if i < l => i,
            Some(_) => return f32::NEG_INFINITY,
            None if start == end => l, // matches no label in the tail filter below
            None => return f32::NEG_INFINITY,
        };
        let em = &lattice.emissions;
        let mut score = lattice.alpha[start * l + begin_label];
        let mut prev = begin_label;
        for k in start + 1..=end {
            score += self.trans(prev, inside_label) + em[k * l + inside_label];
            prev = inside_label;
        }
        let tail = if end + 1 == lattice.len {
            self.end[prev]
        } else {
            let t = end + 1;
            log_sum_exp(
                (0..l)
                    .filter(|&y| y != inside_label)
                    .map(|y| self.trans(prev, y) + em[t * l + y] + lattice.beta[t * l + y]),
            )
        };
        score + tail - lattice.log_z
    }
}

impl Lattice {
    /// `[T * L]` log marginal probability of each label at each token.
    pub fn log_marginals(&self) -> Vec<f32> {
        self.alpha
            .iter()
            .zip(&self.beta)
            .map(|(a, b)| a + b - self.log_z)
            .collect()
    }

    /// Per-token marginal probabilities, one `[L]` vector per token.
    pub fn marginals(&self) -> Vec<Vec<f32>> {
        let lm = self.log_marginals();
        if self.num_labels == 0 {
            return Vec::new();
        }
        lm.chunks(self.num_labels)
            .map(|row| row.iter().map(|x| x.exp()).collect())
            .collect()
    }
}
