//! `tweetner-model.json`: what kind of model a directory holds and how to rebuild it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tweetner_features::{FeatureConfig, FeatureExtractor, FEATURES_FILE, GAZETTEER_FILE};
use tweetner_model::BiLstmCrfConfig;

use crate::error::TaggerError;
use crate::fsutil::{read_json, write_json};

/// The manifest file: the entry point of a model directory.
pub use tweetner_core::registry::MANIFEST_FILE;
/// Network weights (safetensors, burn parameter naming).
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// The BIO label list, in the network's output order.
pub const LABELS_FILE: &str = "labels.json";
/// Machine-readable model card.
pub const CARD_FILE: &str = "card.json";
/// Human-readable model card.
pub const CARD_MD_FILE: &str = "MODEL_CARD.md";
/// One JSON object per training epoch.
pub const TRAIN_LOG_FILE: &str = "train-log.jsonl";
/// Learning-curve chart, written as `.png` and `.svg`.
pub const CURVES_STEM: &str = "learning-curves";
/// Manifest format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// `kind` of a BiLSTM-CRF model.
pub const KIND_BILSTM_CRF: &str = "bilstm-crf";

/// `kind` of a fine-tuned transformer (loaded by `tweetner-transformer`).
pub const KIND_TRANSFORMER: &str = tweetner_transformer::KIND_TRANSFORMER;

/// How the weights file stores its floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightPrecision {
    /// Everything in `f32`.
    #[default]
    F32,
    /// Embedding tables (word and char) in `f16`, the rest in `f32`: the word table is
    /// nearly all of a model's size, and half precision costs it nothing measurable.
    F16Embeddings,
}

/// Where the weights are and how they are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsInfo {
    /// File name inside the model directory.
    pub file: String,
    /// Storage precision.
    pub precision: WeightPrecision,
}

/// The feature extractor's part of the manifest: enough to check, before loading the
/// vocabularies, that they fit the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturesInfo {
    /// Vocabularies and configuration ([`FeatureExtractor::save`]).
    pub file: String,
    /// Compiled gazetteer file, when the model uses one.
    pub gazetteer: Option<String>,
    /// Settings the vocabularies were built with.
    pub config: FeatureConfig,
    /// Dense feature width (orthographic + gazetteer columns).
    pub dense_dim: usize,
    /// Word ids (PAD and UNK included).
    pub word_vocab_size: usize,
    /// Pretrained words among them.
    pub pretrained_words: usize,
    /// Character ids (PAD and UNK included).
    pub char_vocab_size: usize,
}

impl FeaturesInfo {
    /// Describe `fx` as [`FeatureExtractor::save`] writes it.
    pub fn describe(fx: &FeatureExtractor) -> Self {
        FeaturesInfo {
            file: FEATURES_FILE.to_string(),
            gazetteer: fx.gazetteer.as_ref().map(|_| GAZETTEER_FILE.to_string()),
            config: fx.config.clone(),
            dense_dim: fx.dense_dim(),
            word_vocab_size: fx.word_vocab.len(),
            pretrained_words: fx.word_vocab.pretrained_count(),
            char_vocab_size: fx.char_vocab.len(),
        }
    }
}

/// Contents of [`MANIFEST_FILE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelManifest {
    /// [`FORMAT_VERSION`] at writing time.
    pub format: u32,
    /// Model family: [`KIND_BILSTM_CRF`] for this manifest (other kinds write their own).
    pub kind: String,
    /// Display name (defaults to the directory name at training time).
    pub name: String,
    /// Version of tweetner that wrote the directory.
    pub tweetner_version: String,
    /// Network hyper-parameters, labels included.
    pub network: BiLstmCrfConfig,
    /// Weights file.
    pub weights: WeightsInfo,
    /// Feature extractor files.
    pub features: FeaturesInfo,
    /// Temperature of the CRF probabilities (entity scores, marginals), fitted
    /// on held-out tweets by `tweetner calibrate`. Absent means 1: the scores as
    /// trained, which is what every directory written before it holds.
    #[serde(default = "unit_temperature", skip_serializing_if = "is_unit")]
    pub temperature: f32,
    /// Added to every `B-x` label's score before decoding, fitted on held-out
    /// tweets by `tweetner calibrate --entity-bias`. Absent means 0: the tags
    /// as trained.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub entity_bias: f32,
}

fn is_zero(b: &f32) -> bool {
    *b == 0.0
}

fn unit_temperature() -> f32 {
    1.0
}

fn is_unit(t: &f32) -> bool {
    *t == 1.0
}

impl ModelManifest {
    /// Read `dir/tweetner-model.json`, refusing formats and kinds this version cannot load.
    pub fn read(dir: &Path) -> Result<Self, TaggerError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Err(TaggerError::invalid(
                dir,
                format!("not a tweetner model directory (no {MANIFEST_FILE})"),
            ));
        }
        let m: ModelManifest = read_json(&path)?;
        if m.format != FORMAT_VERSION {
            return Err(TaggerError::invalid(
                &path,
                format!(
                    "model format {} is not supported (this build reads format {FORMAT_VERSION})",
                    m.format
                ),
            ));
        }
        if m.kind != KIND_BILSTM_CRF {
            return Err(TaggerError::invalid(
                &path,
                format!("unknown model kind {:?}", m.kind),
            ));
        }
        m.check(&path)?;
        Ok(m)
    }

    /// Write `dir/tweetner-model.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), TaggerError> {
        write_json(&dir.join(MANIFEST_FILE), self)
    }

    /// The parts must agree with each other before any weights are read.
    fn check(&self, path: &Path) -> Result<(), TaggerError> {
        self.network.validate()?;
        tweetner_model::predict::check_temperature(self.temperature)
            .map_err(|e| TaggerError::invalid(path, e.to_string()))?;
        tweetner_model::predict::check_entity_bias(self.entity_bias)
            .map_err(|e| TaggerError::invalid(path, e.to_string()))?;
        let (n, f) = (&self.network, &self.features);
        let mismatch = |what: &str, net: usize, feat: usize| {
            Err(TaggerError::invalid(
                path,
                format!("{what}: network expects {net}, features provide {feat}"),
            ))
        };
        if n.word_vocab_size != f.word_vocab_size {
            return mismatch("word vocabulary", n.word_vocab_size, f.word_vocab_size);
        }
        if n.dense_dim != f.dense_dim {
            return mismatch("dense features", n.dense_dim, f.dense_dim);
        }
        if n.char_encoder.output_dim() > 0 && n.char_vocab_size != f.char_vocab_size {
            return mismatch("char vocabulary", n.char_vocab_size, f.char_vocab_size);
        }
        Ok(())
    }
}

/// Write `dir/labels.json`.
pub fn write_labels(dir: &Path, labels: &[String]) -> Result<(), TaggerError> {
    write_json(&dir.join(LABELS_FILE), labels)
}

/// Read `dir/labels.json`.
pub fn read_labels(dir: &Path) -> Result<Vec<String>, TaggerError> {
    read_json(&dir.join(LABELS_FILE))
}
