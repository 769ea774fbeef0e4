//! Linear-chain CRF: learnable transition/start/end scores on top of per-token
//! emissions, with BIO constraints folded in as a constant additive mask.
//!
//! * [`train`]: differentiable negative log-likelihood as burn tensor ops.
//! * [`decode`], [`scaled`]: Viterbi, forward–backward and marginals on plain
//!   `f32` slices, from `tweetner-core` (every CRF head decodes with them).

pub mod train;
pub use train::CrfTarget;
pub use tweetner_core::crf::{decode, scaled};

#[cfg(test)]
mod soft_tests;
#[cfg(test)]
mod tests;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::ModelError;
use crate::labels::{constraint_masks, BioTag};
use crate::util::tensor_to_vec;
pub use decode::{log_sum_exp, CrfScores, Lattice};

/// CRF parameters. The constraint masks are not parameters: they are derived
/// from the label list and re-applied whenever scores are used.
#[derive(Module, Debug)]
pub struct Crf {
    /// `[L, L]` transition scores, `prev × next`.
    pub transitions: Param<Tensor<2>>,
    /// `[L]` start scores.
    pub start: Param<Tensor<1>>,
    /// `[L]` end scores.
    pub end: Param<Tensor<1>>,
    /// `[L * L]` additive BIO mask on transitions.
    #[module(skip)]
    trans_mask: Vec<f32>,
    /// `[L]` additive BIO mask on start scores.
    #[module(skip)]
    start_mask: Vec<f32>,
    /// Parsed labels used to repair gold paths (all [`BioTag::Other`] when unconstrained).
    #[module(skip)]
    bio_tags: Vec<BioTag>,
}

impl Crf {
    /// A CRF over `labels` with all scores zero (the NLL is convex in them,
    /// so no random initialisation is needed). Labels that parse as BIO get
    /// the corresponding constraints; `constrained = false` disables them.
    pub fn new(labels: &[String], constrained: bool, device: &Device) -> Self {
        let l = labels.len();
        let (trans_mask, start_mask, bio_tags) = if constrained {
            let (t, s) = constraint_masks(labels);
            (t, s, labels.iter().map(|x| BioTag::parse(x)).collect())
        } else {
            (vec![0.0; l * l], vec![0.0; l], vec![BioTag::Other; l])
        };
        Crf {
            transitions: Param::from_tensor(Tensor::zeros([l, l], device)),
            start: Param::from_tensor(Tensor::zeros([l], device)),
            end: Param::from_tensor(Tensor::zeros([l], device)),
            trans_mask,
            start_mask,
            bio_tags,
        }
    }

    /// Number of labels `L`.
    pub fn num_labels(&self) -> usize {
        self.start_mask.len()
    }

    /// Overwrite the learnable scores (tests, or weights from elsewhere).
    pub fn set_scores(
        mut self,
        transitions: Vec<f32>,
        start: Vec<f32>,
        end: Vec<f32>,
    ) -> Result<Self, ModelError> {
        let l = self.num_labels();
        if transitions.len() != l * l || start.len() != l || end.len() != l {
            return Err(ModelError::Shape(format!(
                "CRF scores for {l} labels need {} transitions, {l} start, {l} end; got {}, {}, {}",
                l * l,
                transitions.len(),
                start.len(),
                end.len()
            )));
        }
        let device = self.transitions.lazy_device();
        self.transitions = Param::from_data(TensorData::new(transitions, [l, l]), &device);
        self.start = Param::from_data(TensorData::new(start, [l]), &device);
        self.end = Param::from_data(TensorData::new(end, [l]), &device);
        Ok(self)
    }

    /// Effective (masked) transition and start scores as tensors on `device`.
    fn effective(&self) -> (Tensor<2>, Tensor<1>, Tensor<1>) {
        let l = self.num_labels();
        let trans = self.transitions.val();
        let device = trans.device();
        let tm = Tensor::<2>::from_data(TensorData::new(self.trans_mask.clone(), [l, l]), &device);
        let sm = Tensor::<1>::from_data(TensorData::new(self.start_mask.clone(), [l]), &device);
        (trans + tm, self.start.val() + sm, self.end.val())
    }

    /// Effective scores copied out as plain vectors for [`decode`].
    pub fn scores(&self) -> Result<CrfScores, ModelError> {
        let l = self.num_labels();
        let (trans, start, end) = self.effective();
        Ok(CrfScores {
            num_labels: l,
            transitions: tensor_to_vec(trans)?,
            start: tensor_to_vec(start)?,
            end: tensor_to_vec(end)?,
        })
    }
}
