//! Load a tweetner model directory into a ready [`Tagger`].
//!
//! This is the inference side of the project: the CLI's `tag`, `eval --model` and
//! `bench`, and the HTTP server, all go through [`load_model`]. It holds no training
//! code; the network runs on plain `f32` ([`tweetner_model::FastBiLstmCrf`]), sentences
//! of similar length are batched together, and results come back in input order.
//!
//! ```no_run
//! use std::path::Path;
//! let tagger = tweetner_tagger::load_model(Path::new("models/default"))?;
//! let out = tagger.tag_batch(&[vec!["I".into(), "love".into(), "Paris".into()]])?;
//! println!("{:?}", out[0].tags);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Model directory format (format version 1)
//!
//! A model directory is self-describing: everything needed to tag is inside it, so it
//! can be copied anywhere and loaded without the training data, lexicon or embeddings.
//!
//! | file | written by | content |
//! |---|---|---|
//! | `tweetner-model.json` | training | [`ModelManifest`]: `format` (1), `kind` (`"bilstm-crf"`), `name`, `tweetner_version`, `network` (the full `BiLstmCrfConfig`, labels included), `weights` (`file`, `precision`: `f32` or `f16-embeddings`), `features` (file names, `FeatureConfig`, vocabulary sizes, dense width) |
//! | `weights.safetensors` | training | all network parameters, burn parameter paths (`word_embedding.weight`, `layers.0.forward.input.weight`, …); with `f16-embeddings` the embedding tables are `F16`, the rest `F32` |
//! | `features.json` | training | word and char vocabularies and the feature settings ([`tweetner_features::FeatureExtractor::save`]) |
//! | `gazetteer.tsv.gz` | training, if gazetteers were used | the compiled gazetteer (entries already canonicalised) |
//! | `labels.json` | training | the BIO labels in output order (must equal `network.labels`) |
//! | `card.json`, `MODEL_CARD.md` | training | [`ModelCard`]: data files with SHA-256, all settings, dev P/R/F1 overall and per type, kept epoch, training time, date, tweetner version |
//! | `train-log.jsonl` | training | one object per epoch: `epoch`, `train_loss`, `dev_precision`, `dev_recall`, `dev_f1`, `lr`, `seconds` |
//! | `learning-curves.png`, `.svg` | training | training loss and dev F1 per epoch |
//! | `train-config.toml` | training | the configuration file the model was trained from |
//!
//! Only the manifest, weights, features (and gazetteer) and labels are needed to load;
//! the rest documents the model. Loading checks the manifest's format and kind, that the
//! network, vocabularies and label list agree, and that every weight is present with
//! the configured shape, and reports the offending file otherwise.

mod card;
mod error;
pub mod fsutil;
mod manifest;
mod neural;
mod weights;

use std::path::Path;

pub use card::{model_info, DataFile, DevScores, ModelCard, ModelInfo, Score};
pub use error::TaggerError;
pub use manifest::{
    read_kind, read_labels, write_labels, FeaturesInfo, ModelManifest, WeightPrecision,
    WeightsInfo, CARD_FILE, CARD_MD_FILE, CURVES_STEM, FORMAT_VERSION, KIND_BILSTM_CRF,
    KIND_TRANSFORMER, LABELS_FILE, MANIFEST_FILE, TRAIN_LOG_FILE, WEIGHTS_FILE,
};
pub use neural::{predict_batched, to_input, NeuralTagger, DEFAULT_BATCH_SIZE};
pub use tweetner_model::{TaggedSentence, Tagger};
pub use weights::{load_network, load_weights, parameter_count, save_weights};

use tweetner_features::FeatureExtractor;
use tweetner_model::BiLstmCrf;

/// Load the model in `dir` as a thread-safe [`Tagger`] (single-threaded per call; use
/// [`NeuralTagger::load`] + [`NeuralTagger::with_threads`] to spread one call over
/// several threads).
pub fn load_model(dir: &Path) -> Result<Box<dyn Tagger + Send + Sync>, TaggerError> {
    load_model_with(dir, 1, DEFAULT_BATCH_SIZE)
}

/// How a model runs at inference; none of it changes what the model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Threads each call is spread over (at least 1).
    pub threads: usize,
    /// Sentences per network batch.
    pub batch_size: usize,
    /// Int8 encoder projections for transformer models
    /// ([`tweetner_transformer::quant`]). BiLSTM-CRF models have no int8 path
    /// (their time goes to the recurrence, not to large matmuls) and load as
    /// usual; [`int8_applies`] tells callers which case they are in.
    pub int8: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            threads: 1,
            batch_size: DEFAULT_BATCH_SIZE,
            int8: false,
        }
    }
}

/// Whether [`LoadOptions::int8`] changes how the model in `dir` runs.
pub fn int8_applies(dir: &Path) -> Result<bool, TaggerError> {
    Ok(read_kind(dir)? == KIND_TRANSFORMER)
}

/// Load the model in `dir`, spreading each call over `threads` threads in batches of
/// `batch_size` sentences.
pub fn load_model_with(
    dir: &Path,
    threads: usize,
    batch_size: usize,
) -> Result<Box<dyn Tagger + Send + Sync>, TaggerError> {
    load_model_opts(
        dir,
        &LoadOptions {
            threads,
            batch_size,
            int8: false,
        },
    )
}

/// Load the model in `dir` with the given inference settings.
///
/// The manifest's `kind` selects the implementation: `"transformer"` directories are
/// loaded by [`tweetner_transformer::TransformerTagger`] (the transformer crate owns
/// that format, which is also a Hugging Face checkpoint; this crate depends on it, and
/// the training crate `tweetner-finetune` depends on both, so there is no cycle);
/// everything else by [`NeuralTagger`], whose `ModelManifest::read` refuses kinds this
/// build does not know.
pub fn load_model_opts(
    dir: &Path,
    opts: &LoadOptions,
) -> Result<Box<dyn Tagger + Send + Sync>, TaggerError> {
    if read_kind(dir)? == KIND_TRANSFORMER {
        let mut tagger = tweetner_transformer::TransformerTagger::load(dir)
            .and_then(|t| t.with_threads(opts.threads))
            .map_err(|e| TaggerError::invalid(dir, e.to_string()))?
            .with_batch_size(
                opts.batch_size
                    .min(tweetner_transformer::predict::INFERENCE_BATCH),
            );
        if opts.int8 {
            tagger = tagger.with_int8();
        }
        return Ok(Box::new(tagger));
    }
    Ok(Box::new(
        NeuralTagger::load(dir)?
            .with_threads(opts.threads)
            .with_batch_size(opts.batch_size),
    ))
}

/// Write the loadable part of a model directory: manifest, labels, features and weights
/// (each file atomically). Returns the weights file size in bytes.
pub fn write_model(
    dir: &Path,
    name: &str,
    network: &BiLstmCrf,
    extractor: &FeatureExtractor,
    precision: WeightPrecision,
) -> Result<u64, TaggerError> {
    std::fs::create_dir_all(dir).map_err(|e| TaggerError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    extractor.save(dir)?;
    write_labels(dir, &network.config.labels)?;
    let bytes = save_weights(network, &dir.join(WEIGHTS_FILE), precision)?;
    ModelManifest {
        format: FORMAT_VERSION,
        kind: KIND_BILSTM_CRF.to_string(),
        name: name.to_string(),
        tweetner_version: env!("CARGO_PKG_VERSION").to_string(),
        network: network.config.clone(),
        weights: WeightsInfo {
            file: WEIGHTS_FILE.to_string(),
            precision,
        },
        features: FeaturesInfo::describe(extractor),
        temperature: 1.0,
    }
    .write(dir)?;
    Ok(bytes)
}
