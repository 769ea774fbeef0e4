//! Differentiable CRF negative log-likelihood (burn tensor ops).
//!
//! The log partition function is the batched forward algorithm in log space.
//! Padding is handled by a `[B, T]` 0/1 mask: at a padded step the forward
//! variable is carried over unchanged, so padded steps cannot alter the result.
//! The gold path score is computed from label counts built on the CPU (one-hot
//! emissions, transition/start/end counts), which keeps it to four
//! multiply-and-sum ops regardless of sequence length. Soft targets (a
//! teacher's label probabilities) only change the counts into expected ones.

use burn::tensor::{Device, Tensor};

use super::Crf;
use super::CrfScores;
use crate::error::ModelError;
use crate::labels::repair_bio_indices;
use crate::util::{float_tensor, log_sum_exp_dim};

impl Crf {
    /// Log partition function per sequence, `[B]`.
    ///
    /// `emissions`: `[B, T, L]`; `mask`: `[B, T]` with 1 on real tokens, 0 on
    /// padding (real tokens must form a prefix). Sequences with no real token
    /// get 0 (the empty sequence has exactly one path, of score 0).
    pub fn log_partition(&self, emissions: Tensor<3>, mask: Tensor<2>) -> Tensor<1> {
        let [b, t, l] = emissions.dims();
        let (trans, start, end) = self.effective();
        if t == 0 {
            return Tensor::zeros([b], &emissions.device());
        }
        let trans3: Tensor<3> = trans.unsqueeze_dim(0); // [1, L, L]
        let steps: Vec<Tensor<2>> = emissions
            .chunk(t, 1)
            .into_iter()
            .map(|e| e.reshape([b, l]))
            .collect();
        let masks: Vec<Tensor<2>> = mask.clone().chunk(t, 1); // each [B, 1]
        let mut alpha = steps[0].clone() + start.unsqueeze_dim::<2>(0); // [B, L]
        for (step, m) in steps.into_iter().zip(masks).skip(1) {
            // scores[b, i, j] = alpha[b, i] + trans[i, j]
            let scores = alpha.clone().unsqueeze_dim::<3>(2) + trans3.clone();
            let next = log_sum_exp_dim(scores, 1).reshape([b, l]) + step;
            // Carry alpha over unchanged where the step is padding.
            alpha = next * m.clone() + alpha * (m.neg() + 1.0);
        }
        let fin = alpha + end.unsqueeze_dim::<2>(0);
        let log_z = log_sum_exp_dim(fin, 1).reshape([b]);
        // Empty sequences: the first step above is padding, so zero them.
        let nonempty = mask.narrow(1, 0, 1).reshape([b]);
        log_z * nonempty
    }

    /// Total (summed over the batch) score of the gold paths.
    ///
    /// `tags[b]` must have exactly as many entries as sequence `b` has real
    /// tokens. Tags are first repaired to valid BIO (see
    /// [`repair_bio_indices`]), because a gold path through a forbidden
    /// transition would add the constant penalty to the loss.
    pub fn gold_score(
        &self,
        emissions: Tensor<3>,
        tags: &[Vec<usize>],
    ) -> Result<Tensor<1>, ModelError> {
        let targets: Vec<CrfTarget<'_>> = tags.iter().map(|t| CrfTarget::hard(t)).collect();
        self.target_score(emissions, &targets)
    }

    /// Total (summed over the batch) expected path score under each
    /// sentence's [`CrfTarget`]: the gold path's score for a hard target.
    ///
    /// A soft target stands for the distribution over allowed paths
    /// proportional to the product of its rows (see `add_soft`). `logZ` minus
    /// this is the cross-entropy of the CRF against that distribution, whose
    /// gradient on the emissions is the model's marginals minus the target's.
    pub fn target_score(
        &self,
        emissions: Tensor<3>,
        targets: &[CrfTarget<'_>],
    ) -> Result<Tensor<1>, ModelError> {
        let [b, t, l] = emissions.dims();
        let device: Device = emissions.device();
        if targets.len() != b {
            return Err(ModelError::Shape(format!(
                "{} tag sequences for a batch of {b}",
                targets.len()
            )));
        }
        let mut c = Counts::new(b * t * l, l);
        for (bi, target) in targets.iter().enumerate() {
            let seq = target.path;
            if seq.len() > t {
                return Err(ModelError::Shape(format!(
                    "sequence {bi} has {} tags but the batch has {t} steps",
                    seq.len()
                )));
            }
            if let Some(&bad) = seq.iter().find(|&&y| y >= l) {
                return Err(ModelError::Index(format!(
                    "tag {bad} in sequence {bi} but the CRF has {l} labels"
                )));
            }
            let offset = bi * t * l;
            let weight = match target.soft {
                Some((probs, w)) => {
                    if probs.len() != seq.len() * l {
                        return Err(ModelError::Shape(format!(
                            "sequence {bi}: {} soft-label values for {} tokens of {l} labels",
                            probs.len(),
                            seq.len()
                        )));
                    }
                    if !(0.0..=1.0).contains(&w) {
                        return Err(ModelError::Config(format!(
                            "soft-label weight {w} is outside [0, 1]"
                        )));
                    }
                    self.add_soft(&mut c, offset, probs, w);
                    1.0 - w
                }
                None => 1.0,
            };
            let seq = repair_bio_indices(&self.bio_tags, seq);
            c.add_path(offset, &seq, weight);
        }
        let (trans, start, end) = self.effective();
        let em = (emissions * float_tensor(c.emissions, [b, t, l], &device)).sum();
        let tr = (trans * float_tensor(c.transitions, [l, l], &device)).sum();
        let st = (start * float_tensor(c.start, [l], &device)).sum();
        let en = (end * float_tensor(c.end, [l], &device)).sum();
        Ok(em + tr + st + en)
    }

    /// Adds `weight` times the expected counts of the soft target `probs`
    /// (`[T * L]`) whose first token's emission cell is at `offset`.
    ///
    /// The target is the distribution over paths the CRF allows that is
    /// proportional to `∏ q_t(y_t)`: its unary and pairwise marginals (one
    /// forward–backward pass on the CPU) are the counts. Taking the rows as
    /// independent instead would put mass on forbidden moves, and
    /// renormalising that away per step gives counts no distribution over
    /// paths has, against which the loss has no lower bound (a first try
    /// did this: its training loss kept falling while dev F1 fell).
    fn add_soft(&self, c: &mut Counts, offset: usize, probs: &[f32], weight: f32) {
        let l = self.num_labels();
        if probs.is_empty() {
            return;
        }
        let scores = CrfScores {
            num_labels: l,
            transitions: self.trans_mask.clone(),
            start: self.start_mask.clone(),
            end: vec![0.0; l],
        };
        let log_q: Vec<f32> = probs.iter().map(|&p| p.max(MIN_PROB).ln()).collect();
        let lat = scores.lattice(&log_q);
        let unary: Vec<f32> = lat.log_marginals().iter().map(|x| x.exp()).collect();
        for (k, &p) in unary.iter().enumerate() {
            c.emissions[offset + k] += weight * p;
        }
        for (acc, &p) in c.start.iter_mut().zip(&unary[..l]) {
            *acc += weight * p;
        }
        for (acc, &p) in c.end.iter_mut().zip(&unary[unary.len() - l..]) {
            *acc += weight * p;
        }
        for (acc, p) in c
            .transitions
            .iter_mut()
            .zip(scores.transition_marginals(&lat))
        {
            *acc += weight * p;
        }
    }

    /// Mean negative log-likelihood of the gold paths over the batch, `[1]`.
    ///
    /// The lengths implied by `tags` must agree with `mask`; this is checked
    /// by the caller that built both from the same sentences.
    pub fn nll(
        &self,
        emissions: Tensor<3>,
        mask: Tensor<2>,
        tags: &[Vec<usize>],
    ) -> Result<Tensor<1>, ModelError> {
        let targets: Vec<CrfTarget<'_>> = tags.iter().map(|t| CrfTarget::hard(t)).collect();
        self.target_loss(emissions, mask, &targets)
    }

    /// Mean cross-entropy of the CRF against `targets` over the batch, `[1]`:
    /// [`Crf::nll`] when every target is hard.
    pub fn target_loss(
        &self,
        emissions: Tensor<3>,
        mask: Tensor<2>,
        targets: &[CrfTarget<'_>],
    ) -> Result<Tensor<1>, ModelError> {
        let [b, _, _] = emissions.dims();
        let log_z = self.log_partition(emissions.clone(), mask).sum();
        let expected = self.target_score(emissions, targets)?;
        Ok((log_z - expected) / (b.max(1) as f32))
    }
}

/// What one sentence is trained towards: its tag path, optionally mixed with
/// a teacher's per-token label probabilities.
#[derive(Debug, Clone, Copy)]
pub struct CrfTarget<'a> {
    /// Label index of each real token.
    pub path: &'a [usize],
    /// The teacher's `[T * L]` probabilities (rows summing to 1) and their
    /// weight in `[0, 1]`; the path gets `1 - weight`.
    pub soft: Option<(&'a [f32], f32)>,
}

impl<'a> CrfTarget<'a> {
    /// The path alone.
    pub fn hard(path: &'a [usize]) -> Self {
        CrfTarget { path, soft: None }
    }
}

/// Floor of a soft-label probability before its logarithm: labels a row
/// leaves out are then as good as impossible without being `-inf`.
const MIN_PROB: f32 = 1e-12;

/// Expected emission, transition, start and end counts of a batch's targets.
struct Counts {
    emissions: Vec<f32>,
    transitions: Vec<f32>,
    start: Vec<f32>,
    end: Vec<f32>,
}

impl Counts {
    fn new(cells: usize, l: usize) -> Self {
        Counts {
            emissions: vec![0.0; cells],
            transitions: vec![0.0; l * l],
            start: vec![0.0; l],
            end: vec![0.0; l],
        }
    }

    /// Adds `weight` times the counts of one path whose first token's
    /// emission cell is at `offset`.
    fn add_path(&mut self, offset: usize, seq: &[usize], weight: f32) {
        let (Some(&first), Some(&last)) = (seq.first(), seq.last()) else {
            return;
        };
        if weight == 0.0 {
            return;
        }
        let l = self.start.len();
        self.start[first] += weight;
        self.end[last] += weight;
        for (ti, &y) in seq.iter().enumerate() {
            self.emissions[offset + ti * l + y] += weight;
        }
        for w in seq.windows(2) {
            self.transitions[w[0] * l + w[1]] += weight;
        }
    }
}
