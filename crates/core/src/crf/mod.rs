//! Linear-chain CRF decoding on plain `f32` slices (no tensors, no autodiff):
//! what every model's inference path shares. Training the CRF is the model
//! crates' business.
//!
//! * [`decode`]: log-space Viterbi, forward–backward and marginals.
//! * [`scaled`]: the same in probability space, several times faster.

pub mod decode;
pub mod scaled;

pub use decode::{log_sum_exp, CrfScores, Lattice};
pub use scaled::ScaledCrf;
