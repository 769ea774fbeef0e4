//! Pretrained transformer encoders for tweetner, in Burn (CPU `flex`
//! backend): BERT (all-MiniLM-L6-v2) and MPNet (all-mpnet-base-v2) loaded from
//! plain Hugging Face checkpoint directories, plus the sub-word alignment and
//! sliding windows that turn CoNLL words into encoder inputs and encoder
//! outputs back into one value per word.
//!
//! `scripts/fetch-encoders.sh` puts both checkpoints under
//! `~/.cache/tweetner/encoders/{minilm,mpnet}`. A checkpoint directory needs
//! `config.json`, `tokenizer.json` and `model.safetensors`.
//!
//! ```no_run
//! use tweetner_transformer::{cpu_device, PretrainedEncoder, WindowConfig, Windows};
//!
//! # fn main() -> Result<(), tweetner_transformer::TransformerError> {
//! let device = cpu_device();
//! let dir = std::path::Path::new("/root/.cache/tweetner/encoders/minilm");
//! let model = PretrainedEncoder::load(dir, &device)?;
//! let tweets = vec![vec!["RT", "@user", ":", "Disney", "world", "&lt;", "3"]];
//! let aligned = tweets
//!     .iter()
//!     .map(|t| model.tokenizer.tokenize(t))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let windows = Windows::new(&aligned, &model.tokenizer, &WindowConfig::default())?;
//! let input = model.encoder.input(&windows.input_rows(), &device)?;
//! let hidden = model.encoder.forward(&input); // [windows, T, hidden]
//! let [n, t, h] = hidden.dims();
//! // One state per word, read from the window where the word is most central:
//! let rows: Vec<i64> = windows.word_rows(t)[0].iter().map(|&r| r as i64).collect();
//! let index = tweetner_transformer::burn::tensor::Tensor::from_data(
//!     tweetner_transformer::burn::tensor::TensorData::new(rows.clone(), [rows.len()]),
//!     &device,
//! );
//! let words = hidden.reshape([n * t, h]).select(0, index); // [words, hidden]
//! # let _ = words;
//! # Ok(())
//! # }
//! ```
//!
//! * [`config`]: `config.json` → [`EncoderConfig`].
//! * [`encoder`]: the [`Encoder`] module (embeddings, layers, MPNet's
//!   relative-position bias) and its forward pass.
//! * [`load`]: checkpoint directory → [`Encoder`] (names in [`names`], tensors
//!   via [`weights`]).
//! * [`export`]: the encoder's tensors under HF names, for saving a
//!   fine-tuned checkpoint.
//! * [`input`]: padded, checked [`EncoderInput`] batches.
//! * [`subword`]: words → pieces with word ids ([`SubwordTokenizer`]).
//! * [`head`]: [`TokenClassifier`] (dropout + linear, softmax or CRF loss).
//! * [`predict`]: batched inference and decoding; [`tagger`]: the
//!   [`TransformerTagger`] behind `tweetner_model::Tagger`.
//! * [`modeldir`]: a fine-tuned model as a tweetner model directory that is
//!   also a Hugging Face token-classification checkpoint; [`compact`]: a
//!   copy of one with its large matrices stored in int8, to ship.
//! * [`window`]: long tweets → overlapping windows, labels with
//!   [`IGNORE_INDEX`], outputs back to words ([`Windows`]).

// Unsafe SIMD paths live here, so `unsafe_code = "forbid"` (the workspace lint)
// cannot apply; every other workspace lint does.
#![warn(missing_docs)]

pub mod compact;
pub mod config;
pub mod encoder;
pub mod error;
pub mod export;
pub mod fast;
pub mod head;
pub mod input;
pub mod load;
pub mod modeldir;
pub mod names;
pub mod predict;
pub mod quant;
pub mod subword;
pub mod tagger;
pub mod weights;
pub mod window;

use std::path::Path;

pub use compact::{compact_model_dir, is_compacted, CompactOptions, CompactReport};
pub use config::{Activation, Architecture, EncoderConfig};
pub use encoder::Encoder;
pub use error::TransformerError;
pub use export::{write_safetensors, NamedTensor};
pub use fast::FastClassifier;
pub use head::{HeadKind, HeadSpec, LexiconScores, TokenClassifier};
pub use input::EncoderInput;
pub use load::{load_encoder, load_weights};
pub use modeldir::{
    load_model_dir, read_manifest, save_model_dir, TransformerManifest, KIND_TRANSFORMER,
    LEXICON_FILE,
};
pub use predict::{word_scores, word_scores_fast, Decoder};
pub use quant::{int8_accelerated, QuantLinear};
pub use subword::{AlignedSentence, SubwordTokenizer};
pub use tagger::TransformerTagger;
pub use window::{
    LabelledPiece, Location, PieceLabelling, Window, WindowConfig, Windows, IGNORE_INDEX,
};

/// Burn, re-exported so users need no direct dependency (and get the same version).
pub use burn;

/// The pure-Rust CPU device the encoders run on (see `tweetner_model::cpu_device`).
pub fn cpu_device() -> burn::tensor::Device {
    burn::tensor::Device::flex()
}

/// An encoder together with the tokenizer of its checkpoint.
#[derive(Debug)]
pub struct PretrainedEncoder {
    /// The network.
    pub encoder: Encoder,
    /// Its `tokenizer.json`.
    pub tokenizer: SubwordTokenizer,
}

impl PretrainedEncoder {
    /// Load `dir/{config.json, model.safetensors, tokenizer.json}`.
    pub fn load(dir: &Path, device: &burn::tensor::Device) -> Result<Self, TransformerError> {
        let tokenizer = SubwordTokenizer::from_file(&dir.join(load::TOKENIZER_FILE))?;
        let encoder = load_encoder(dir, device)?;
        Ok(PretrainedEncoder { encoder, tokenizer })
    }
}

#[cfg(test)]
mod align_tests;
#[cfg(test)]
mod encoder_tests;
#[cfg(test)]
mod head_tests;
#[cfg(test)]
mod testutil;
pub mod tiny;
