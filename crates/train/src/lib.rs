//! Training the tweetner BiLSTM-CRF from a TOML configuration.
//!
//! [`train`] reads a [`TrainConfig`], builds the feature extractor from the training
//! data (and pretrained vectors, and gazetteers), trains with seeded shuffling, length
//! bucketing, gradient clipping and per-epoch dev evaluation by conlleval entity F1,
//! keeps the best epoch's weights, stops early after `patience` epochs without
//! improvement, and leaves a self-describing model directory (format in the
//! `tweetner-tagger` crate docs) with a model card, an epoch log and learning curves.
//!
//! Runs are deterministic for a seed (shuffle order, initialisation and dropout masks
//! all derive from it), and resumable: each epoch ends with an atomic checkpoint, and
//! [`TrainOptions::resume`] continues a killed run where it stopped.
//!
//! A *final model* ([`TrainOptions::final_model`]) retrains on train + dev for the epoch
//! count a dev-selected run found best; its card claims no dev score.
//!
//! ```no_run
//! use std::path::Path;
//! use tweetner_train::{train, TrainOptions};
//! let summary = train(Path::new("configs/tiny.toml"), &TrainOptions::default())?;
//! println!("best dev F1 {:?} at epoch {:?}", summary.dev.map(|d| d.overall.f1), summary.best_epoch);
//! # Ok::<(), tweetner_train::TrainError>(())
//! ```

mod checkpoint;
pub mod config;
mod data;
mod epoch;
mod error;
mod lexicon;
mod optim;
mod run;
mod setup;
mod trainer;

use std::path::{Path, PathBuf};

pub use checkpoint::{EpochRecord, CHECKPOINT_DIR};
pub use config::TrainConfig;
pub use error::TrainError;
pub use run::{output_dir, CONFIG_COPY};
pub use tweetner_tagger::DevScores;

/// How to run a training config.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Continue the interrupted run in the output directory.
    pub resume: bool,
    /// Train on train + dev for a fixed number of epochs, without selection.
    pub final_model: bool,
    /// Epochs for a final model (default: the selection run's kept epoch).
    pub final_epochs: Option<usize>,
    /// Directory of the dev-selected run whose card gives the final epoch count
    /// (default: the config's `[output] dir`).
    pub selection_run: Option<PathBuf>,
    /// Write here instead of `[output] dir` (`<dir>-final` for a final model).
    pub out_dir: Option<PathBuf>,
    /// No progress bar and no per-epoch lines on stderr.
    pub quiet: bool,
}

/// What a finished run did (the summary every trainer gives).
pub type TrainSummary = tweetner_trainkit::RunSummary;

/// Train as `config_path` says. The tensor backend runs on `[train] threads` threads
/// (all cores when 0).
pub fn train(config_path: &Path, opts: &TrainOptions) -> Result<TrainSummary, TrainError> {
    let config = TrainConfig::load(config_path)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if config.train.threads > 0 {
        builder = builder.num_threads(config.train.threads);
    }
    let pool = builder.build().map_err(|e| TrainError::Config {
        path: config.source.clone(),
        message: format!("cannot start {} threads: {e}", config.train.threads),
    })?;
    pool.install(|| run::run(&config, opts))
}
