//! The typed TOML training configuration.
//!
//! Every table rejects unknown keys, so a typo (`dropuot = 0.5`) is an error naming the
//! key and its line instead of a silently ignored setting. Every path is resolved
//! relative to the directory of the config file, so a config works from any working
//! directory.
//!
//! All keys, with their defaults (only `[data] train/dev` and `[output] dir` are
//! required):
//!
//! ```toml
//! seed = 42                      # init, shuffling and dropout all derive from it
//!
//! [data]
//! train = "../../shared/data/wnut16/train.conll"
//! dev = "../../shared/data/wnut16/dev.conll"     # selection only (never in vocabularies)
//! extra = []                     # more CoNLL files in WNUT-16 BIO types
//!
//! [embeddings]                   # whole table absent = random word vectors
//! # path = "..."                 # absent: the embed cache; "none": random
//! freeze = false                 # keep pretrained vectors fixed (much faster on CPU)
//! # max_words = 50000            # keep training words + the N most frequent others
//!
//! [features]
//! # gazetteer = "../../shared/data/wnut16/lexicon"   # absent: no gazetteer features
//! max_ngram = 6
//! max_word_chars = 24
//! min_word_count = 2             # for training words without a pretrained vector
//! min_char_count = 2
//!
//! [model]
//! # word_dim = 100               # default: the embeddings' width (100 without)
//! char_encoder = "cnn"           # "cnn" | "lstm" | "none"
//! char_dim = 25
//! char_filters = 50              # cnn
//! char_kernel = 3                # cnn, odd
//! char_hidden = 25               # lstm, per direction
//! hidden = 100                   # word BiLSTM, per direction
//! layers = 1                     # 1 or 2
//! dropout = 0.5
//! bio_constraints = true
//!
//! [train]
//! epochs = 30
//! batch_size = 16
//! optimizer = "adam"             # "adam" | "sgd"
//! lr = 0.001
//! momentum = 0.0                 # sgd
//! weight_decay = 0.0
//! lr_decay = 0.0                 # lr of epoch e (0-based) = lr / (1 + lr_decay * e)
//! clip_norm = 5.0                # global gradient norm; 0 = off
//! patience = 6                   # epochs without a better dev F1; 0 = off
//! threads = 0                    # 0 = all cores
//! bucketing = true
//! word_dropout = 0.0             # chance a training token's word id is replaced by UNK
//! soft_weight = 0.0              # weight of a silver file's teacher probabilities
//! # max_train_sentences = 50     # tiny runs
//! # max_dev_sentences = 20
//!
//! [output]
//! dir = "../runs/bilstm-crf"
//! # name = "bilstm-crf"          # default: the directory name
//! f16_embeddings = false         # embedding tables stored in half precision
//! keep_checkpoint = false        # keep checkpoint/ after a finished run
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_data::LabelSpec;

use crate::error::TrainError;

/// Which optimizer updates the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba); `momentum` is ignored.
    Adam,
    /// Plain SGD, with momentum when `momentum > 0`.
    Sgd,
}

/// Character-level word encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CharEncoderKind {
    /// No character features.
    None,
    /// Convolution + max-pooling over character embeddings.
    Cnn,
    /// Bidirectional LSTM over characters.
    Lstm,
}

/// `[data]`: CoNLL files in BIO, and the entity types to learn from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Training file.
    pub train: PathBuf,
    /// Development file: model selection (best epoch, early stopping) only.
    pub dev: PathBuf,
    /// More training files with the same label set.
    #[serde(default)]
    pub extra: Vec<PathBuf>,
    /// Entity types the model predicts: `"wnut16"` (default), `"from-data"`
    /// (the types of the training files) or a list. A type outside them in
    /// any file is an error naming the file and line.
    #[serde(default)]
    pub labels: LabelSpec,
}

/// `[embeddings]`: pretrained word vectors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddingsConfig {
    /// Cache file written by `scripts/fetch-embeddings.sh`; absent means the embed
    /// crate's default cache location, `"none"` means random initialisation.
    pub path: Option<String>,
    /// Keep the word vectors fixed during training.
    pub freeze: bool,
    /// Keep the words training reaches plus this many most frequent embedding words
    /// (a compact model); absent keeps the whole table.
    pub max_words: Option<usize>,
}

/// `[features]`: what the extractor computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeaturesConfig {
    /// WNUT-16 lexicon directory for gazetteer features; absent turns them off.
    pub gazetteer: Option<PathBuf>,
    /// Typed entry list (`entry<TAB>type[<TAB>source<TAB>licence]`, e.g.
    /// `shared/data/gazetteers/entries.tsv`) or a compiled `.lex` file for
    /// entry-list features; absent turns them off. The compiled list is saved
    /// in the model directory.
    pub lexicon: Option<PathBuf>,
    /// Keep only entry-list rows whose licence allows shipping the model (CC0,
    /// MIT-style, CC-BY); `false` keeps all rows, for experiments only.
    pub lexicon_shippable_only: bool,
    /// Tweets, one per line (a TSV's last column is the text), that the
    /// entry list is cut to: only entries occurring in them are kept, so a
    /// shipped model carries the names its domain uses. Absent keeps all.
    pub lexicon_seen_in: Option<PathBuf>,
    /// Longest gazetteer entry kept, in words.
    pub max_ngram: usize,
    /// Characters kept per token (head and tail).
    pub max_word_chars: usize,
    /// A training word without a pretrained vector needs this many occurrences.
    pub min_word_count: usize,
    /// A character needs this many occurrences in training to get its own id.
    pub min_char_count: usize,
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        FeaturesConfig {
            gazetteer: None,
            lexicon: None,
            lexicon_shippable_only: true,
            lexicon_seen_in: None,
            max_ngram: 6,
            max_word_chars: 24,
            min_word_count: 2,
            min_char_count: 2,
        }
    }
}

/// `[model]`: network sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Word embedding width; must equal the embeddings' width when they are used
    /// (absent: their width, or 100 without embeddings).
    pub word_dim: Option<usize>,
    /// Character embedding width.
    pub char_dim: usize,
    /// Character encoder.
    pub char_encoder: CharEncoderKind,
    /// CNN filters.
    pub char_filters: usize,
    /// CNN window (odd).
    pub char_kernel: usize,
    /// Char LSTM hidden size per direction.
    pub char_hidden: usize,
    /// Word BiLSTM hidden size per direction.
    pub hidden: usize,
    /// Stacked BiLSTM layers (1 or 2).
    pub layers: usize,
    /// Dropout on the BiLSTM inputs and outputs.
    pub dropout: f64,
    /// Forbid invalid BIO transitions in the CRF.
    pub bio_constraints: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            word_dim: None,
            char_dim: 25,
            char_encoder: CharEncoderKind::Cnn,
            char_filters: 50,
            char_kernel: 3,
            char_hidden: 25,
            hidden: 100,
            layers: 1,
            dropout: 0.5,
            bio_constraints: true,
        }
    }
}

/// `[train]`: the optimisation schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSection {
    /// Most epochs to run.
    pub epochs: usize,
    /// Sentences per optimizer step.
    pub batch_size: usize,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Initial learning rate.
    pub lr: f64,
    /// SGD momentum (0 = none).
    pub momentum: f64,
    /// L2 penalty added to the gradients (0 = none).
    pub weight_decay: f64,
    /// Learning rate of epoch `e` (0-based) is `lr / (1 + lr_decay * e)`.
    pub lr_decay: f64,
    /// Rescale the whole gradient to at most this L2 norm (0 = no clipping).
    pub clip_norm: f64,
    /// Stop after this many epochs without a better dev F1 (0 = never stop early).
    pub patience: usize,
    /// Threads for the tensor backend (0 = all cores).
    pub threads: usize,
    /// Group sentences of similar length into batches (less padding, faster).
    pub bucketing: bool,
    /// Probability that a training token's word id is replaced by UNK in an epoch, so
    /// the network learns to tag from characters, features and context when a word is
    /// unknown (most dev and test entities are words training never saw).
    pub word_dropout: f64,
    /// Use only the first N training sentences (tiny CI runs).
    pub max_train_sentences: Option<usize>,
    /// Use only the first N dev sentences (tiny CI runs).
    pub max_dev_sentences: Option<usize>,
    /// Start from this trained model directory instead of a fresh network: its
    /// vocabularies, features, network shape and weights are used, and this config's
    /// `[embeddings]`, `[features]` and `[model]` are not. For a second stage, e.g.
    /// gold data only after training on gold + silver.
    pub init_from: Option<PathBuf>,
    /// Which epoch's weights the run ends with: the best on dev (`best-dev`)
    /// or the last (`last`; dev is still scored and logged, nothing stops
    /// early). `last` suits a first stage whose second stage selects on dev:
    /// picking its epoch on dev too makes the outcome hinge on a noisy choice.
    pub keep: KeepEpoch,
    /// Weight in `[0, 1]` of a teacher's label probabilities, for training
    /// sentences whose CoNLL file carries them (`token<TAB>soft<TAB>tag`,
    /// written by `tweetner data soften`); the hard tag gets the rest. The
    /// loss is the cross-entropy of the CRF against that mixture, so 0 is
    /// plain CRF likelihood of the tags and files without the column are
    /// trained as usual. Distilling probabilities passes on what the teacher
    /// was unsure of (a singer tagged person at 0.6), which a hard tag hides.
    pub soft_weight: f64,
}

/// `[train] keep`: see [`TrainSection::keep`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeepEpoch {
    /// The epoch with the best dev F1.
    #[default]
    BestDev,
    /// The last epoch.
    Last,
}

impl Default for TrainSection {
    fn default() -> Self {
        TrainSection {
            epochs: 30,
            batch_size: 16,
            optimizer: OptimizerKind::Adam,
            lr: 1e-3,
            momentum: 0.0,
            weight_decay: 0.0,
            lr_decay: 0.0,
            clip_norm: 5.0,
            patience: 6,
            threads: 0,
            bucketing: true,
            word_dropout: 0.0,
            max_train_sentences: None,
            max_dev_sentences: None,
            init_from: None,
            keep: KeepEpoch::BestDev,
            soft_weight: 0.0,
        }
    }
}

/// `[output]`: where the model directory goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// The model directory.
    pub dir: PathBuf,
    /// Display name (default: the directory's name).
    #[serde(default)]
    pub name: Option<String>,
    /// Store the embedding tables in half precision (about half the size).
    #[serde(default)]
    pub f16_embeddings: bool,
    /// Keep `checkpoint/` after training finishes (it is needed only to resume).
    #[serde(default)]
    pub keep_checkpoint: bool,
}

/// A whole training configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of every random choice (initialisation, shuffling, dropout).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Input files.
    pub data: DataConfig,
    /// Pretrained word vectors; an absent table means random initialisation.
    #[serde(default)]
    pub embeddings: Option<EmbeddingsConfig>,
    /// Feature extraction.
    #[serde(default)]
    pub features: FeaturesConfig,
    /// Network.
    #[serde(default)]
    pub model: ModelConfig,
    /// Optimisation.
    #[serde(default)]
    pub train: TrainSection,
    /// Output directory.
    pub output: OutputConfig,
    /// The config file this was read from (set by [`TrainConfig::load`]).
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_seed() -> u64 {
    42
}

/// Where the word vectors come from, after resolving the config.
#[derive(Debug, Clone, PartialEq)]
pub enum EmbeddingsSource {
    /// Random initialisation.
    None,
    /// This cache file.
    File(PathBuf),
}

impl TrainConfig {
    /// Read, parse and validate `path`, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
        // Absolute paths make a resumed run's settings compare equal whatever the
        // working directory.
        let path = std::fs::canonicalize(path).map_err(|e| TrainError::io(path, e))?;
        Self::parse(&text, &path)
    }

    /// Parse config text as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, TrainError> {
        let mut c: TrainConfig = toml::from_str(text).map_err(|e| TrainError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| -> PathBuf { tweetner_trainkit::paths::resolve(base, p) };
        c.data.train = resolve(&c.data.train);
        c.data.dev = resolve(&c.data.dev);
        c.data.extra = c.data.extra.iter().map(|p| resolve(p)).collect();
        if let Some(e) = &mut c.embeddings {
            if let Some(p) = &e.path {
                if p != "none" && p != "default" {
                    e.path = Some(resolve(Path::new(p)).to_string_lossy().into_owned());
                }
            }
        }
        c.features.gazetteer = c.features.gazetteer.as_deref().map(resolve);
        c.features.lexicon = c.features.lexicon.as_deref().map(resolve);
        c.features.lexicon_seen_in = c.features.lexicon_seen_in.as_deref().map(resolve);
        c.output.dir = resolve(&c.output.dir);
        c.train.init_from = c.train.init_from.as_deref().map(resolve);
        c.source = path.to_path_buf();
        c.validate()?;
        Ok(c)
    }

    /// Values that parse but cannot work.
    fn validate(&self) -> Result<(), TrainError> {
        let bad = |key: &str, why: String| {
            Err(TrainError::Config {
                path: self.source.clone(),
                message: format!("`{key}`: {why}"),
            })
        };
        let t = &self.train;
        if t.epochs == 0 {
            return bad("train.epochs", "must be at least 1".into());
        }
        if t.batch_size == 0 {
            return bad("train.batch_size", "must be at least 1".into());
        }
        if !(t.lr.is_finite() && t.lr > 0.0) {
            return bad("train.lr", format!("must be positive, got {}", t.lr));
        }
        for (key, v) in [
            ("train.momentum", t.momentum),
            ("train.weight_decay", t.weight_decay),
            ("train.lr_decay", t.lr_decay),
            ("train.clip_norm", t.clip_norm),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(key, format!("must be a finite number >= 0, got {v}"));
            }
        }
        if !(t.word_dropout.is_finite() && (0.0..1.0).contains(&t.word_dropout)) {
            return bad(
                "train.word_dropout",
                format!("must be in [0, 1), got {}", t.word_dropout),
            );
        }
        if !(t.soft_weight.is_finite() && (0.0..=1.0).contains(&t.soft_weight)) {
            return bad(
                "train.soft_weight",
                format!("must be in [0, 1], got {}", t.soft_weight),
            );
        }
        if t.momentum >= 1.0 {
            return bad("train.momentum", "must be below 1".into());
        }
        let m = &self.model;
        if !(m.dropout.is_finite() && (0.0..1.0).contains(&m.dropout)) {
            return bad(
                "model.dropout",
                format!("must be in [0, 1), got {}", m.dropout),
            );
        }
        if !(1..=2).contains(&m.layers) {
            return bad("model.layers", format!("must be 1 or 2, got {}", m.layers));
        }
        if m.hidden == 0 {
            return bad("model.hidden", "must be positive".into());
        }
        if m.char_encoder == CharEncoderKind::Cnn && m.char_kernel.is_multiple_of(2) {
            return bad("model.char_kernel", "must be odd".into());
        }
        if self.features.max_word_chars == 0 {
            return bad("features.max_word_chars", "must be positive".into());
        }
        Ok(())
    }

    /// The embeddings source this config asks for.
    pub fn embeddings_source(&self) -> EmbeddingsSource {
        match &self.embeddings {
            None => EmbeddingsSource::None,
            Some(e) => match e.path.as_deref() {
                Some("none") => EmbeddingsSource::None,
                None | Some("default") => {
                    EmbeddingsSource::File(tweetner_embed::default_embeddings_path())
                }
                Some(p) => EmbeddingsSource::File(PathBuf::from(p)),
            },
        }
    }

    /// The display name of the model.
    pub fn model_name(&self, out_dir: &Path) -> String {
        self.output.name.clone().unwrap_or_else(|| {
            out_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "model".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [data]
        train = "d/train.conll"
        dev = "/abs/dev.conll"
        [output]
        dir = "../out"
    "#;

    #[test]
    fn paths_resolve_against_the_config_directory() {
        let c = TrainConfig::parse(MINIMAL, Path::new("/cfg/dir/x.toml")).expect("valid");
        assert_eq!(c.data.train, PathBuf::from("/cfg/dir/d/train.conll"));
        assert_eq!(c.data.dev, PathBuf::from("/abs/dev.conll"));
        assert_eq!(c.output.dir, PathBuf::from("/cfg/out"));
        assert_eq!(c.embeddings_source(), EmbeddingsSource::None);
        assert_eq!(c.train, TrainSection::default());
        assert_eq!(c.seed, 42);
        assert_eq!(c.model_name(&c.output.dir), "out");
        assert_eq!(
            tweetner_trainkit::paths::normalize(Path::new("a/./b/../../..")),
            PathBuf::from("..")
        );
        assert_eq!(
            tweetner_trainkit::paths::normalize(Path::new("/../x")),
            PathBuf::from("/../x")
        );
        let staged = format!("{MINIMAL}\n[train]\ninit_from = \"../runs/first\"");
        let c = TrainConfig::parse(&staged, Path::new("/cfg/dir/x.toml")).expect("valid");
        assert_eq!(c.train.init_from, Some(PathBuf::from("/cfg/runs/first")));
    }

    #[test]
    fn embeddings_path_forms() {
        let with = |t: &str| {
            TrainConfig::parse(
                &format!("{MINIMAL}\n[embeddings]\n{t}"),
                Path::new("/c/x.toml"),
            )
            .expect("valid")
            .embeddings_source()
        };
        assert_eq!(
            with(""),
            EmbeddingsSource::File(tweetner_embed::default_embeddings_path())
        );
        assert_eq!(with("path = \"none\""), EmbeddingsSource::None);
        assert_eq!(
            with("path = \"e.emb\""),
            EmbeddingsSource::File(PathBuf::from("/c/e.emb"))
        );
    }

    #[test]
    fn unknown_keys_are_named_with_their_file() {
        for (table, key) in [
            ("[model]", "dropuot"),
            ("[train]", "epoch"),
            ("[features]", "gazeteer"),
            ("[embeddings]", "frozen"),
        ] {
            let text = format!("{MINIMAL}\n{table}\n{key} = 1\n");
            let err = TrainConfig::parse(&text, Path::new("/c/my.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("my.toml") && err.contains(key), "{err}");
        }
        let text = MINIMAL.replace("dir = \"../out\"", "dir = \"o\"\ndirectory = 1");
        let err = TrainConfig::parse(&text, Path::new("/c/my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("directory"), "{err}");
        let err = TrainConfig::parse(&format!("bogus = 1\n{MINIMAL}"), Path::new("/c/my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (extra, key) in [
            ("[train]\nepochs = 0", "train.epochs"),
            ("[train]\nlr = -1.0", "train.lr"),
            ("[model]\ndropout = 1.0", "model.dropout"),
            ("[model]\nlayers = 3", "model.layers"),
            ("[model]\nchar_kernel = 4", "model.char_kernel"),
            ("[train]\noptimizer = \"rmsprop\"", "rmsprop"),
        ] {
            let err = TrainConfig::parse(&format!("{MINIMAL}\n{extra}"), Path::new("/c/x.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{extra}: {err}");
        }
    }

    #[test]
    fn missing_config_file_names_the_path() {
        let err = TrainConfig::load(Path::new("/no/such/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/no/such/config.toml"), "{err}");
    }
}
