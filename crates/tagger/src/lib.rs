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
//! Transformer directories hold a Hugging Face-style checkpoint instead (see
//! `tweetner-transformer`), and an ensemble directory only a manifest naming
//! its members ([`ensemble`]).
//!
//! Only the manifest, weights, features (and gazetteer) and labels are needed to load;
//! the rest documents the model. Loading checks the manifest's format and kind, that the
//! network, vocabularies and label list agree, and that every weight is present with
//! the configured shape, and reports the offending file otherwise.

mod card;
pub mod ensemble;
mod error;
pub mod fsutil;
mod manifest;
mod neural;
mod weights;

use std::path::Path;

pub use card::{model_info, DataFile, DevScores, ModelCard, ModelInfo, Score};
pub use ensemble::{EnsembleManifest, EnsembleMember, EnsembleTagger, KIND_ENSEMBLE};
pub use error::TaggerError;
pub use manifest::{
    read_labels, write_labels, FeaturesInfo, ModelManifest, WeightPrecision, WeightsInfo,
    CARD_FILE, CARD_MD_FILE, CURVES_STEM, FORMAT_VERSION, KIND_BILSTM_CRF, KIND_TRANSFORMER,
    LABELS_FILE, MANIFEST_FILE, TRAIN_LOG_FILE, WEIGHTS_FILE,
};
pub use neural::{predict_batched, to_input, NeuralTagger, DEFAULT_BATCH_SIZE};
pub use tweetner_core::registry::{LoadOptions, ModelKind, Registry, SharedTagger};
pub use tweetner_model::{TaggedSentence, Tagger};
pub use weights::{load_network, load_weights, parameter_count, save_weights};

use tweetner_features::FeatureExtractor;
use tweetner_model::{BiLstmCrf, ModelError};

/// The model kinds this build loads. A new kind is a crate implementing
/// [`Tagger`] and one `register` line here.
pub fn registry() -> Registry {
    Registry::new()
        .register(ModelKind {
            name: KIND_BILSTM_CRF,
            int8: false,
            load: |dir, opts| {
                Ok(Box::new(
                    NeuralTagger::load(dir)?
                        .with_threads(opts.threads)
                        .with_batch_size(opts.batch_size),
                ))
            },
        })
        .register(ModelKind {
            name: KIND_TRANSFORMER,
            int8: true,
            load: |dir, opts| {
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
                Ok(Box::new(tagger))
            },
        })
        .register(ModelKind {
            name: KIND_ENSEMBLE,
            int8: true,
            load: |dir, opts| Ok(Box::new(EnsembleTagger::load(dir, opts, load_model_opts)?)),
        })
}

/// Load the model in `dir` as a thread-safe [`Tagger`] (single-threaded per call; use
/// [`load_model_opts`] to spread one call over several threads).
pub fn load_model(dir: &Path) -> Result<SharedTagger, TaggerError> {
    load_model_opts(dir, &LoadOptions::default())
}

/// Whether [`LoadOptions::int8`] changes how the model in `dir` runs.
pub fn int8_applies(dir: &Path) -> Result<bool, TaggerError> {
    Ok(registry().resolve(dir)?.int8)
}

/// Load the model in `dir`, spreading each call over `threads` threads in batches of
/// `batch_size` sentences.
pub fn load_model_with(
    dir: &Path,
    threads: usize,
    batch_size: usize,
) -> Result<SharedTagger, TaggerError> {
    load_model_opts(
        dir,
        &LoadOptions {
            threads,
            batch_size,
            int8: false,
        },
    )
}

/// Load the model in `dir` with the given inference settings; the manifest's `kind`
/// picks the loader from [`registry`].
pub fn load_model_opts(dir: &Path, opts: &LoadOptions) -> Result<SharedTagger, TaggerError> {
    registry()
        .load(dir, opts)
        .map_err(|e| match e.downcast::<TaggerError>() {
            Ok(t) => *t,
            Err(e) => match e.downcast::<ModelError>() {
                Ok(m) => TaggerError::Model(*m),
                Err(e) => TaggerError::invalid(dir, e.to_string()),
            },
        })
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
        entity_bias: 0.0,
    }
    .write(dir)?;
    Ok(bytes)
}
