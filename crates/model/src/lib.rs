//! Neural sequence tagger for tweetner: a BiLSTM-CRF network in Burn, the
//! linear-chain CRF it sits on, and the [`Tagger`] trait every model implements.
//!
//! Training runs through burn (CPU `flex` backend, autodiff); inference for
//! deployment runs through [`FastBiLstmCrf`], a plain-`f32` copy of the same
//! network that is several times faster than burn on CPU. burn's CPU backend
//! uses rayon: set `RAYON_NUM_THREADS` to bound its threads.
//!
//! ```no_run
//! use tweetner_model::burn::optim::{AdamConfig, GradientsParams};
//! use tweetner_model::{cpu_device, BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig, SentenceInput};
//!
//! # fn main() -> Result<(), tweetner_model::ModelError> {
//! let config = BiLstmCrfConfig {
//!     word_vocab_size: 1000, word_dim: 100, freeze_word_embeddings: false,
//!     char_vocab_size: 100, char_dim: 30,
//!     char_encoder: CharEncoderConfig::Cnn { filters: 50, kernel_size: 3 },
//!     max_word_chars: 30, dense_dim: 0, hidden_size: 128, num_layers: 1, dropout: 0.5,
//!     labels: vec!["O".into(), "B-person".into(), "I-person".into()],
//!     bio_constraints: true,
//! };
//! let device = cpu_device().autodiff();
//! let mut model = BiLstmCrf::new(config, &device)?;
//! let mut optim = AdamConfig::new().init();
//! let sentences = vec![SentenceInput { word_ids: vec![5, 6], char_ids: vec![vec![1], vec![2]], dense: vec![vec![], vec![]] }];
//! let gold = vec![vec![1, 2]];
//! let batch = model.batch(&sentences, &device)?;
//! let loss = model.forward_loss(&batch, &gold)?;
//! let grads = GradientsParams::from_grads(loss.backward(), &model);
//! model = optim.step(1e-3, model, grads);
//! model.save(std::path::Path::new("model-dir"))?;
//! let fast = model.to_fast()?; // or FastBiLstmCrf::load(dir)
//! let predictions = fast.predict(&sentences)?;
//! # let _ = predictions;
//! # Ok(())
//! # }
//! ```
//!
//! * [`crf`]: CRF training loss (burn, differentiable) and decoding (plain `f32`).
//! * [`bilstm`]: the network, [`BiLstmCrfConfig`], training loss and prediction.
//! * [`batch`]: [`SentenceInput`] → padded [`TaggerBatch`].
//! * [`io`]: save/load as `config.json` + `weights.safetensors`.
//! * [`tagger`], [`labels`], [`predict`]: re-exported from `tweetner-core`,
//!   where every model kind shares them.

pub mod batch;
pub mod bilstm;
pub mod charenc;
pub mod crf;
mod fast_chars;
mod fast_lstm;
mod first_layer;
pub mod infer;
pub mod io;
pub mod lstm;
mod scratch;
mod util;
pub mod wordtable;

pub use batch::{SentenceInput, TaggerBatch};
pub use bilstm::{BiLstmCrf, BiLstmCrfConfig};
pub use charenc::CharEncoderConfig;
pub use crf::{Crf, CrfScores, CrfTarget, Lattice};
pub use infer::FastBiLstmCrf;
pub use predict::{PredictedSpan, Prediction};
pub use tagger::{SpanScore, StageTimes, TaggedSentence, Tagger};
pub use tweetner_core::ModelError;
pub use tweetner_core::{error, labels, predict, tagger};
pub use wordtable::WordTable;

/// Burn types users of this crate need (device, tensors), re-exported so they
/// need no direct burn dependency.
pub use burn;

/// The pure-Rust CPU device this crate is built for. Prefer it over
/// `Device::default()`, which would pick a GPU backend if another crate in the
/// build enabled one. Call `.autodiff()` on it for training.
pub fn cpu_device() -> burn::tensor::Device {
    burn::tensor::Device::flex()
}

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod testutil;
