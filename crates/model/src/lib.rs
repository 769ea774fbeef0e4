//! Neural sequence tagger for tweetner: a BiLSTM-CRF network in Burn, the
//! linear-chain CRF it sits on, and the [`Tagger`] trait every model implements.
//!
//! * [`crf`]: CRF training loss (burn, differentiable) and decoding (plain `f32`).
//! * [`bilstm`]: the network, [`BiLstmCrfConfig`], training loss and prediction.
//! * [`batch`]: [`SentenceInput`] → padded [`TaggerBatch`].
//! * [`io`]: save/load as `config.json` + `weights.safetensors`.
//! * [`tagger`]: the [`Tagger`] trait and its output types.

pub mod batch;
pub mod bilstm;
pub mod charenc;
pub mod crf;
pub mod error;
mod fastmath;
pub mod infer;
pub mod io;
pub mod labels;
pub mod lstm;
pub mod predict;
pub mod tagger;
mod util;

pub use batch::{SentenceInput, TaggerBatch};
pub use bilstm::{BiLstmCrf, BiLstmCrfConfig};
pub use charenc::CharEncoderConfig;
pub use crf::{Crf, CrfScores, Lattice};
pub use error::ModelError;
pub use infer::FastBiLstmCrf;
pub use predict::{PredictedSpan, Prediction};
pub use tagger::{SpanScore, TaggedSentence, Tagger};

/// Burn types users of this crate need (device, tensors), re-exported so they
/// need no direct burn dependency.
pub use burn;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod testutil;
