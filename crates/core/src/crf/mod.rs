//! Linear-chain CRF decoding on plain `f32` slices (no tensors, no autodiff):
//! what every model's inference path shares. Training the CRF is the model
//! crates' business.
//!
//! * [`decode`]: log-space Viterbi, forward–backward and marginals.
//! * [`scaled`]: the same in probability space, several times faster.
//! * [`probs`]: the best valid path through label probabilities without a CRF.

pub mod decode;
pub mod probs;
pub mod scaled;

pub use decode::{log_sum_exp, CrfScores, Lattice};
pub use probs::{ProbDecoder, PROB_FLOOR};
pub use scaled::ScaledCrf;
