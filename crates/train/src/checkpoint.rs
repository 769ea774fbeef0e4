//! Resumable training state: `checkpoint/` inside the output directory.
//!
//! After every epoch the run writes `weights.safetensors` (current weights, `f32`),
//! `optimizer.bpk` (optimizer moments, burnpack) and `state.json` ([`TrainState`]) into
//! a fresh temporary directory, then swaps it in with renames, so a run killed at any
//! moment leaves either the previous or the new checkpoint, never a mix. The shuffle
//! order and dropout masks are derived from the seed and the epoch number, so a resumed
//! run continues exactly where the killed one would have gone.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_model::burn::optim::ModuleOptimizer;
use tweetner_model::BiLstmCrf;
use tweetner_tagger::fsutil::{read_json, write_json};
use tweetner_tagger::{load_weights, save_weights, DataFile, WeightPrecision};

use crate::error::TrainError;
use crate::setup::with_positional_ids;

/// Directory name of the checkpoint inside the output directory.
pub const CHECKPOINT_DIR: &str = "checkpoint";
const TMP_DIR: &str = ".checkpoint.tmp";
const OLD_DIR: &str = ".checkpoint.old";
const STATE_FILE: &str = "state.json";
const OPTIM_FILE: &str = "optimizer.bpk";
const WEIGHTS: &str = "weights.safetensors";
/// Version of [`TrainState`]'s layout.
const STATE_VERSION: u32 = 1;

/// One epoch's line of `train-log.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean CRF negative log-likelihood per training sentence.
    pub train_loss: f64,
    /// Dev precision (%); `None` when there is no dev set (final model).
    pub dev_precision: Option<f64>,
    /// Dev recall (%).
    pub dev_recall: Option<f64>,
    /// Dev F1 (%).
    pub dev_f1: Option<f64>,
    /// Learning rate of the epoch.
    pub lr: f64,
    /// Wall-clock seconds of the epoch, dev evaluation included.
    pub seconds: f64,
    /// Training sentences per second.
    pub sentences_per_second: f64,
    /// Largest global gradient norm seen (before clipping).
    pub max_grad_norm: f64,
}

/// Everything besides weights and optimizer moments that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Layout version.
    pub version: u32,
    /// Fingerprint of the settings that must not change across a resume.
    pub fingerprint: String,
    /// Training on train + dev without selection.
    pub final_model: bool,
    /// Epochs the run is to do at most.
    pub total_epochs: usize,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Best dev F1 so far.
    pub best_f1: Option<f64>,
    /// Epoch (1-based) of the best dev F1.
    pub best_epoch: Option<usize>,
    /// Epochs since the best.
    pub since_best: usize,
    /// Early stopping triggered.
    pub stopped_early: bool,
    /// Seconds spent in epochs so far (all sessions).
    pub elapsed_seconds: f64,
    /// `elapsed_seconds` at the end of the best epoch.
    pub seconds_to_best: Option<f64>,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
    /// Input files for the card.
    pub files: Vec<DataFile>,
    /// Card notes gathered at set-up.
    pub notes: Vec<String>,
}

impl TrainState {
    /// State of a run that has not done an epoch yet.
    pub fn new(fingerprint: String, final_model: bool, total_epochs: usize) -> Self {
        TrainState {
            version: STATE_VERSION,
            fingerprint,
            final_model,
            total_epochs,
            epochs_done: 0,
            best_f1: None,
            best_epoch: None,
            since_best: 0,
            stopped_early: false,
            elapsed_seconds: 0.0,
            seconds_to_best: None,
            history: Vec::new(),
            files: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Whether training has nothing left to do.
    pub fn finished(&self) -> bool {
        self.stopped_early || self.epochs_done >= self.total_epochs
    }
}

/// Write the checkpoint of `out_dir` atomically (see the module docs).
pub fn save_checkpoint(
    out_dir: &Path,
    model: &BiLstmCrf,
    optim: &ModuleOptimizer,
    state: &TrainState,
) -> Result<(), TrainError> {
    let tmp = out_dir.join(TMP_DIR);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    save_weights(model, &tmp.join(WEIGHTS), WeightPrecision::F32)?;
    let optim_path = tmp.join(OPTIM_FILE);
    optim
        .save(&optim_path)
        .map_err(|e| TrainError::checkpoint(&optim_path, format!("saving optimizer state: {e}")))?;
    write_json(&tmp.join(STATE_FILE), state)?;
    let live = out_dir.join(CHECKPOINT_DIR);
    let old = out_dir.join(OLD_DIR);
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))?;
    }
    if live.exists() {
        fs::rename(&live, &old).map_err(|e| TrainError::io(&live, e))?;
    }
    fs::rename(&tmp, &live).map_err(|e| TrainError::io(&tmp, e))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))?;
    }
    Ok(())
}

/// The checkpoint directory to resume from: the live one, or the previous one when a
/// run died between the two renames of [`save_checkpoint`].
pub fn find_checkpoint(out_dir: &Path) -> Option<PathBuf> {
    [CHECKPOINT_DIR, OLD_DIR]
        .iter()
        .map(|d| out_dir.join(d))
        .find(|d| d.join(STATE_FILE).is_file())
}

/// Read a checkpoint's state.
pub fn read_state(checkpoint: &Path) -> Result<TrainState, TrainError> {
    let state: TrainState = read_json(&checkpoint.join(STATE_FILE))?;
    if state.version != STATE_VERSION {
        return Err(TrainError::checkpoint(
            checkpoint.join(STATE_FILE),
            format!("checkpoint layout {} is not supported", state.version),
        ));
    }
    Ok(state)
}

/// Restore weights into `model` (built from the run's network config) and the
/// optimizer moments into `optim`.
pub fn restore(
    checkpoint: &Path,
    model: BiLstmCrf,
    optim: ModuleOptimizer,
) -> Result<(BiLstmCrf, ModuleOptimizer), TrainError> {
    let model = load_weights(model, &checkpoint.join(WEIGHTS), WeightPrecision::F32)?;
    let model = with_positional_ids(model);
    let optim_path = checkpoint.join(OPTIM_FILE);
    let optim = optim.load(&optim_path).map_err(|e| {
        TrainError::checkpoint(&optim_path, format!("loading optimizer state: {e}"))
    })?;
    Ok((model, optim))
}

/// Delete the checkpoint (after a finished run).
pub fn remove_checkpoint(out_dir: &Path) -> Result<(), TrainError> {
    for d in [CHECKPOINT_DIR, TMP_DIR, OLD_DIR] {
        let p = out_dir.join(d);
        if p.exists() {
            fs::remove_dir_all(&p).map_err(|e| TrainError::io(&p, e))?;
        }
    }
    Ok(())
}
