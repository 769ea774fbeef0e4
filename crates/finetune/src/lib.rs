//! Fine-tuning pretrained transformer encoders (BERT/MiniLM, MPNet) for
//! tweetner's NER, with the same conventions as the BiLSTM-CRF trainer
//! (`tweetner-train`): a typed TOML config ([`FinetuneConfig`], paths
//! relative to the file), selection on dev entity F1 (conlleval-identical,
//! `tweetner-eval`) after every epoch, early stopping, atomic resumable
//! checkpoints, a JSONL epoch log, learning curves and a model card.
//!
//! The model directory it leaves is also a Hugging Face token-classification
//! checkpoint (see `tweetner_transformer::modeldir`).
//!
//! A *final model* ([`FinetuneOptions::final_model`]) retrains on train + dev
//! for the epoch count a dev-selected run found best; its card claims no dev
//! score.
//!
//! Crate layering, to keep dependencies acyclic: `tweetner-transformer` holds
//! the network, the head, inference and the model-directory format (and the
//! [`tweetner_transformer::TransformerTagger`]); `tweetner-tagger` depends on
//! it to load transformer directories by their manifest `kind`; this crate
//! holds only training and depends on both.
//!
//! ```no_run
//! use std::path::Path;
//! use tweetner_finetune::{finetune, FinetuneOptions};
//! let s = finetune(Path::new("configs/minilm.toml"), &FinetuneOptions::default())?;
//! println!("best dev F1 {:?}", s.dev.map(|d| d.overall.f1));
//! # Ok::<(), tweetner_finetune::FinetuneError>(())
//! ```

mod checkpoint;
pub mod config;
mod error;
pub mod optim;
mod run;
mod trainer;

use std::path::{Path, PathBuf};

pub use checkpoint::{EpochRecord, CHECKPOINT_DIR};
pub use config::{FinetuneConfig, MODEL_TRANSFORMER};
pub use error::FinetuneError;
pub use run::{CONFIG_COPY, HF_CHECKPOINT_NOTE};
pub use trainer::{evaluate_dev, score_dev};
pub use tweetner_tagger::DevScores;
pub use tweetner_trainkit::{epoch_batches, SplitMix64};

/// How to run a config.
#[derive(Debug, Clone, Default)]
pub struct FinetuneOptions {
    /// Continue the interrupted run in the output directory.
    pub resume: bool,
    /// Train on train + dev for a fixed number of epochs, without selection
    /// (the final teacher of a dev-selected recipe).
    pub final_model: bool,
    /// Epochs for a final model (default: the selection run's kept epoch).
    pub final_epochs: Option<usize>,
    /// Directory of the dev-selected run whose card gives the final epoch count
    /// (default: the config's `[output] dir`).
    pub selection_run: Option<PathBuf>,
    /// Write here instead of `[output] dir` (`<dir>-final` for a final model).
    pub out_dir: Option<PathBuf>,
    /// No progress bar and no per-epoch lines.
    pub quiet: bool,
    /// End this session after this many epochs, leaving the checkpoint as a killed
    /// run would (a time-boxed session, and how tests check `--resume`).
    pub stop_after_epochs: Option<usize>,
}

/// What a run did (the summary every trainer gives; `interrupted` after
/// [`FinetuneOptions::stop_after_epochs`]).
pub type FinetuneSummary = tweetner_trainkit::RunSummary;

/// Fine-tune as `config_path` says, on `[train] threads` threads (all cores when 0).
pub fn finetune(
    config_path: &Path,
    opts: &FinetuneOptions,
) -> Result<FinetuneSummary, FinetuneError> {
    let config = FinetuneConfig::load(config_path)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if config.train.threads > 0 {
        builder = builder.num_threads(config.train.threads);
    }
    let pool = builder.build().map_err(|e| FinetuneError::Config {
        path: config.source.clone(),
        message: format!(
            "field `train.threads`: cannot start {} threads: {e}",
            config.train.threads
        ),
    })?;
    pool.install(|| run::run(&config, opts))
}
