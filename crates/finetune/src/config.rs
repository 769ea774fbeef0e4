//! The fine-tuning config (TOML). Unknown keys are errors, every path is
//! relative to the config file (a leading `~/` means the home directory, so
//! configs can name the encoder cache without an absolute path), and each
//! range check names the field.
//!
//! ```toml
//! model = "transformer"       # what makes `tweetner train` come here
//! seed = 1
//! [data]
//! train = "../../shared/data/wnut16/train.conll"
//! dev = "../../shared/data/wnut16/dev.conll"
//! [encoder]
//! path = "~/.cache/tweetner/encoders/minilm"
//! [head]
//! kind = "softmax"            # or "crf"
//! labelling = "first_piece"   # or "all_pieces" (softmax only)
//! [train]
//! epochs = 20
//! lr_encoder = 5e-5
//! lr_head = 1e-3
//! [output]
//! dir = "../runs/minilm"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_transformer::{HeadKind, PieceLabelling};

use crate::error::FinetuneError;

pub use tweetner_trainkit::MODEL_TRANSFORMER;

/// Input files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Training CoNLL file.
    pub train: PathBuf,
    /// Dev CoNLL file (selection only; never trained on).
    pub dev: PathBuf,
    /// More training files.
    #[serde(default)]
    pub extra: Vec<PathBuf>,
    /// Entity types the model predicts: `"wnut16"` (default), `"from-data"` or a list.
    #[serde(default)]
    pub labels: tweetner_data::LabelSpec,
    /// Use only the first N training tweets (tests, smoke runs).
    #[serde(default)]
    pub max_train_sentences: Option<usize>,
    /// Use only the first N dev tweets.
    #[serde(default)]
    pub max_dev_sentences: Option<usize>,
}

/// The pretrained checkpoint directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderSection {
    /// Directory with `config.json`, `tokenizer.json`, `model.safetensors`.
    pub path: PathBuf,
}

/// The classification head and the input windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeadSection {
    /// Softmax or CRF.
    pub kind: HeadKind,
    /// First piece or all pieces labelled.
    pub labelling: PieceLabelling,
    /// Dropout before the linear layer.
    pub dropout: f64,
    /// Longest encoder input, specials included.
    pub max_length: usize,
    /// Pieces shared by consecutive windows of a long tweet.
    pub overlap: usize,
    /// Entry list whose per-word features the CRF head adds to its emissions
    /// (`shared/data/gazetteers/entries.tsv`, any `entry<TAB>type[<TAB>source<TAB>licence]`
    /// list, or a compiled `.lex`); absent: none. Relative to the config.
    pub lexicon: Option<PathBuf>,
    /// Keep only the list's rows whose licence allows shipping the model
    /// (CC0, MIT-style, CC-BY); `false` is for experiments.
    pub lexicon_shippable_only: bool,
}

impl Default for HeadSection {
    fn default() -> Self {
        HeadSection {
            kind: HeadKind::Softmax,
            labelling: PieceLabelling::FirstPiece,
            dropout: 0.1,
            max_length: 128,
            overlap: 32,
            lexicon: None,
            lexicon_shippable_only: true,
        }
    }
}

/// Optimisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSection {
    /// Most epochs.
    pub epochs: usize,
    /// Tweets per forward/backward pass.
    pub batch_size: usize,
    /// Passes whose gradients are summed into one update.
    pub grad_accum: usize,
    /// Peak learning rate of the encoder.
    pub lr_encoder: f64,
    /// Peak learning rate of the head (linear layer and CRF).
    pub lr_head: f64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f64,
    /// Fraction of all updates spent warming up linearly from 0.
    pub warmup: f64,
    /// Global gradient-norm clip (0 = none).
    pub clip_norm: f64,
    /// Keep the embedding block fixed.
    pub freeze_embeddings: bool,
    /// Keep the lowest N transformer layers fixed.
    pub freeze_layers: usize,
    /// Stop after N epochs without a better dev F1 (0 = never).
    pub patience: usize,
    /// Backend threads (0 = all cores).
    pub threads: usize,
    /// Group tweets of similar length into batches (less padding).
    pub bucketing: bool,
}

impl Default for TrainSection {
    fn default() -> Self {
        TrainSection {
            epochs: 10,
            batch_size: 32,
            grad_accum: 1,
            lr_encoder: 5e-5,
            lr_head: 1e-3,
            weight_decay: 0.01,
            warmup: 0.1,
            clip_norm: 1.0,
            freeze_embeddings: false,
            freeze_layers: 0,
            patience: 4,
            threads: 0,
            bucketing: true,
        }
    }
}

/// Where the model goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Model directory.
    pub dir: PathBuf,
    /// Keep `checkpoint/` after a finished run.
    #[serde(default)]
    pub keep_checkpoint: bool,
    /// Display name (default: the directory name).
    #[serde(default)]
    pub name: Option<String>,
}

/// A whole fine-tuning config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinetuneConfig {
    /// Must be `"transformer"`.
    pub model: String,
    /// Seeds shuffling, head initialisation and dropout.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Input files.
    pub data: DataSection,
    /// Pretrained encoder.
    pub encoder: EncoderSection,
    /// Head and windows.
    #[serde(default)]
    pub head: HeadSection,
    /// Optimisation.
    #[serde(default)]
    pub train: TrainSection,
    /// Output.
    pub output: OutputSection,
    /// The file this was read from (not part of the TOML).
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_seed() -> u64 {
    1
}

impl FinetuneConfig {
    /// Read, resolve paths and check `path`.
    pub fn load(path: &Path) -> Result<Self, FinetuneError> {
        let text = std::fs::read_to_string(path).map_err(|e| FinetuneError::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Parse `text` as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, FinetuneError> {
        let err = |message: String| FinetuneError::Config {
            path: path.to_path_buf(),
            message,
        };
        let mut c: FinetuneConfig = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        c.source = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new("."));
        c.data.train = tweetner_trainkit::paths::resolve(base, &c.data.train);
        c.data.dev = tweetner_trainkit::paths::resolve(base, &c.data.dev);
        c.data.extra = c
            .data
            .extra
            .iter()
            .map(|p| tweetner_trainkit::paths::resolve(base, p))
            .collect();
        c.encoder.path = tweetner_trainkit::paths::resolve(base, &c.encoder.path);
        c.head.lexicon = c
            .head
            .lexicon
            .as_deref()
            .map(|p| tweetner_trainkit::paths::resolve(base, p));
        c.output.dir = tweetner_trainkit::paths::resolve(base, &c.output.dir);
        c.check().map_err(err)?;
        Ok(c)
    }

    fn check(&self) -> Result<(), String> {
        if self.model != MODEL_TRANSFORMER {
            return Err(format!(
                "field `model`: {:?} is not {MODEL_TRANSFORMER:?}",
                self.model
            ));
        }
        let t = &self.train;
        let positive = [
            ("train.epochs", t.epochs),
            ("train.batch_size", t.batch_size),
            ("train.grad_accum", t.grad_accum),
            ("head.max_length", self.head.max_length),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("field `{name}` must be at least 1"));
            }
        }
        let rates = [
            ("train.lr_encoder", t.lr_encoder),
            ("train.lr_head", t.lr_head),
            ("train.weight_decay", t.weight_decay),
            ("train.clip_norm", t.clip_norm),
        ];
        for (name, v) in rates {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "field `{name}` must be a finite number ≥ 0, not {v}"
                ));
            }
        }
        if !(0.0..1.0).contains(&t.warmup) {
            return Err(format!(
                "field `train.warmup` must be in [0, 1), not {}",
                t.warmup
            ));
        }
        if !(0.0..1.0).contains(&self.head.dropout) {
            return Err(format!(
                "field `head.dropout` must be in [0, 1), not {}",
                self.head.dropout
            ));
        }
        if self.head.overlap + 2 >= self.head.max_length {
            return Err(format!(
                "field `head.overlap` ({}) must leave room in `head.max_length` ({})",
                self.head.overlap, self.head.max_length
            ));
        }
        if self.head.kind == HeadKind::Crf && self.head.labelling == PieceLabelling::AllPieces {
            return Err(
                "field `head.labelling`: all_pieces needs `head.kind = \"softmax\"` (the CRF \
                 reads one emission per word)"
                    .into(),
            );
        }
        Ok(())
    }

    /// Display name of the model.
    pub fn name(&self, out_dir: &Path) -> String {
        self.output.name.clone().unwrap_or_else(|| {
            out_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "transformer".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
model = "transformer"
[data]
train = "t.conll"
dev = "d.conll"
[encoder]
path = "enc"
[output]
dir = "out"
"#;

    #[test]
    fn paths_are_relative_to_the_config_and_defaults_apply() {
        let c = FinetuneConfig::parse(MINIMAL, Path::new("/x/configs/a.toml")).expect("parse");
        assert_eq!(c.data.train, PathBuf::from("/x/configs/t.conll"));
        assert_eq!(c.encoder.path, PathBuf::from("/x/configs/enc"));
        assert_eq!(c.train, TrainSection::default());
        assert_eq!(c.head.kind, HeadKind::Softmax);
    }

    #[test]
    fn bad_fields_are_named_with_the_file() {
        let p = Path::new("/x/c.toml");
        let unknown = format!("{MINIMAL}\n[train]\nlearning_rate = 1.0\n");
        let e = FinetuneConfig::parse(&unknown, p).unwrap_err().to_string();
        assert!(
            e.contains("/x/c.toml") && e.contains("learning_rate"),
            "{e}"
        );
        let zero = format!("{MINIMAL}\n[train]\nbatch_size = 0\n");
        let e = FinetuneConfig::parse(&zero, p).unwrap_err().to_string();
        assert!(e.contains("train.batch_size"), "{e}");
        let crf_all = format!("{MINIMAL}\n[head]\nkind = \"crf\"\nlabelling = \"all_pieces\"\n");
        let e = FinetuneConfig::parse(&crf_all, p).unwrap_err().to_string();
        assert!(e.contains("head.labelling"), "{e}");
        let other = MINIMAL.replace("\"transformer\"", "\"bilstm\"");
        let e = FinetuneConfig::parse(&other, p).unwrap_err().to_string();
        assert!(e.contains("`model`"), "{e}");
    }
}
