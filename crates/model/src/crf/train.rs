//! Differentiable CRF negative log-likelihood (burn tensor ops).
//!
//! The log partition function is the batched forward algorithm in log space.
//! Padding is handled by a `[B, T]` 0/1 mask: at a padded step the forward
//! variable is carried over unchanged, so padded steps cannot alter the result.
//! The gold path score is computed from label counts built on the CPU (one-hot
//! emissions, transition/start/end counts), which keeps it to four
//! multiply-and-sum ops regardless of sequence length.

use burn::tensor::{Device, Tensor};

use super::Crf;
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
        let [b, t, l] = emissions.dims();
        let device: Device = emissions.device();
        if tags.len() != b {
            return Err(ModelError::Shape(format!(
                "{} tag sequences for a batch of {b}",
                tags.len()
            )));
        }
        let mut onehot = vec![0.0f32; b * t * l];
        let mut trans_counts = vec![0.0f32; l * l];
        let mut start_counts = vec![0.0f32; l];
        let mut end_counts = vec![0.0f32; l];
        for (bi, seq) in tags.iter().enumerate() {
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
            let seq = repair_bio_indices(&self.bio_tags, seq);
            let (Some(&first), Some(&last)) = (seq.first(), seq.last()) else {
                continue;
            };
            start_counts[first] += 1.0;
            end_counts[last] += 1.0;
            for (ti, &y) in seq.iter().enumerate() {
                onehot[(bi * t + ti) * l + y] = 1.0;
            }
            for w in seq.windows(2) {
                trans_counts[w[0] * l + w[1]] += 1.0;
            }
        }
        let (trans, start, end) = self.effective();
        let em = (emissions * float_tensor(onehot, [b, t, l], &device)).sum();
        let tr = (trans * float_tensor(trans_counts, [l, l], &device)).sum();
        let st = (start * float_tensor(start_counts, [l], &device)).sum();
        let en = (end * float_tensor(end_counts, [l], &device)).sum();
        Ok(em + tr + st + en)
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
        let [b, _, _] = emissions.dims();
        let log_z = self.log_partition(emissions.clone(), mask).sum();
        let gold = self.gold_score(emissions, tags)?;
        Ok((log_z - gold) / (b.max(1) as f32))
    }
}
