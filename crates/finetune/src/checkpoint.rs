//! Resumable state: `checkpoint/` in the output directory.
//!
//! After every epoch the run writes the full model (`model.bpk`, burnpack,
//! which keeps parameter ids so the optimizer moments — keyed by id — attach
//! to the right tensors after a restore), both optimizers' moments and
//! `state.json` into a fresh temporary directory and swaps it in with
//! renames: a run killed at any moment leaves the previous or the new
//! checkpoint, never a mix. Batch order and dropout masks derive from the
//! seed and the epoch number, so the resumed run replays what the killed one
//! would have done.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_tagger::DataFile;
use tweetner_transformer::burn::optim::ModuleOptimizer;
use tweetner_transformer::burn::store::{BurnpackStore, ModuleSnapshot};
use tweetner_transformer::TokenClassifier;

use crate::error::FinetuneError;

/// Directory name of the live checkpoint.
pub const CHECKPOINT_DIR: &str = "checkpoint";
const TMP_DIR: &str = ".checkpoint.tmp";
const OLD_DIR: &str = ".checkpoint.old";
const STATE_FILE: &str = "state.json";
const MODEL_FILE: &str = "model.bpk";
const ENCODER_OPT: &str = "optimizer-encoder.bpk";
const HEAD_OPT: &str = "optimizer-head.bpk";
const STATE_VERSION: u32 = 1;

/// One epoch's line of `train-log.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss per batch.
    pub train_loss: f64,
    /// Dev precision (%).
    pub dev_precision: Option<f64>,
    /// Dev recall (%).
    pub dev_recall: Option<f64>,
    /// Dev F1 (%).
    pub dev_f1: Option<f64>,
    /// Encoder learning rate at the epoch's last update.
    pub lr: f64,
    /// Head learning rate at the epoch's last update.
    pub lr_head: f64,
    /// Optimizer updates done so far (all epochs).
    pub steps: usize,
    /// Wall-clock seconds of the epoch, dev evaluation included.
    pub seconds: f64,
    /// Training tweets per second.
    pub sentences_per_second: f64,
    /// Largest gradient norm seen (before clipping).
    pub max_grad_norm: f64,
}

/// Everything besides tensors that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Layout version.
    pub version: u32,
    /// Fingerprint of the settings that must not change across a resume.
    pub fingerprint: String,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Optimizer updates done (drives the learning-rate schedule).
    pub steps: usize,
    /// Best dev F1 so far.
    pub best_f1: Option<f64>,
    /// Its epoch (1-based).
    pub best_epoch: Option<usize>,
    /// Epochs since the best.
    pub since_best: usize,
    /// Early stopping triggered.
    pub stopped_early: bool,
    /// Seconds in epochs so far (all sessions).
    pub elapsed_seconds: f64,
    /// `elapsed_seconds` at the end of the best epoch.
    pub seconds_to_best: Option<f64>,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
    /// Input files with checksums, for the card.
    pub files: Vec<DataFile>,
}

impl TrainState {
    /// A run that has done nothing yet.
    pub fn new(fingerprint: String, files: Vec<DataFile>) -> Self {
        TrainState {
            version: STATE_VERSION,
            fingerprint,
            epochs_done: 0,
            steps: 0,
            best_f1: None,
            best_epoch: None,
            since_best: 0,
            stopped_early: false,
            elapsed_seconds: 0.0,
            seconds_to_best: None,
            history: Vec::new(),
            files,
        }
    }
}

fn rm_dir(p: &Path) -> Result<(), FinetuneError> {
    if p.exists() {
        fs::remove_dir_all(p).map_err(|e| FinetuneError::io(p, e))?;
    }
    Ok(())
}

/// Write the checkpoint atomically (see the module docs).
pub fn save_checkpoint(
    out_dir: &Path,
    model: &TokenClassifier,
    encoder_opt: &ModuleOptimizer,
    head_opt: &ModuleOptimizer,
    state: &TrainState,
) -> Result<(), FinetuneError> {
    let tmp = out_dir.join(TMP_DIR);
    rm_dir(&tmp)?;
    fs::create_dir_all(&tmp).map_err(|e| FinetuneError::io(&tmp, e))?;
    let model_path = tmp.join(MODEL_FILE);
    let mut store = BurnpackStore::from_file(&model_path).overwrite(true);
    model
        .save_into(&mut store)
        .map_err(|e| FinetuneError::checkpoint(&model_path, format!("saving model: {e}")))?;
    for (opt, name) in [(encoder_opt, ENCODER_OPT), (head_opt, HEAD_OPT)] {
        let p = tmp.join(name);
        opt.save(&p)
            .map_err(|e| FinetuneError::checkpoint(&p, format!("saving optimizer: {e}")))?;
    }
    let state_path = tmp.join(STATE_FILE);
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| FinetuneError::checkpoint(&state_path, e.to_string()))?;
    fs::write(&state_path, text).map_err(|e| FinetuneError::io(&state_path, e))?;
    let live = out_dir.join(CHECKPOINT_DIR);
    let old = out_dir.join(OLD_DIR);
    rm_dir(&old)?;
    if live.exists() {
        fs::rename(&live, &old).map_err(|e| FinetuneError::io(&live, e))?;
    }
    fs::rename(&tmp, &live).map_err(|e| FinetuneError::io(&tmp, e))?;
    rm_dir(&old)
}

/// The checkpoint to resume from: the live one, or the previous one when a
/// run died between the two renames.
pub fn find_checkpoint(out_dir: &Path) -> Option<PathBuf> {
    [CHECKPOINT_DIR, OLD_DIR]
        .iter()
        .map(|d| out_dir.join(d))
        .find(|d| d.join(STATE_FILE).is_file())
}

/// Read a checkpoint's state.
pub fn read_state(checkpoint: &Path) -> Result<TrainState, FinetuneError> {
    let path = checkpoint.join(STATE_FILE);
    let text = fs::read_to_string(&path).map_err(|e| FinetuneError::io(&path, e))?;
    let state: TrainState = serde_json::from_str(&text)
        .map_err(|e| FinetuneError::checkpoint(&path, format!("line {}: {e}", e.line())))?;
    if state.version != STATE_VERSION {
        return Err(FinetuneError::checkpoint(
            &path,
            format!("layout {} is not supported", state.version),
        ));
    }
    Ok(state)
}

/// Restore the model's tensors (into a model built the same way) and both
/// optimizers' moments.
pub fn restore(
    checkpoint: &Path,
    mut model: TokenClassifier,
    encoder_opt: ModuleOptimizer,
    head_opt: ModuleOptimizer,
) -> Result<(TokenClassifier, ModuleOptimizer, ModuleOptimizer), FinetuneError> {
    let model_path = checkpoint.join(MODEL_FILE);
    let mut store = BurnpackStore::from_file(&model_path);
    model
        .load_from(&mut store)
        .map_err(|e| FinetuneError::checkpoint(&model_path, format!("loading model: {e}")))?;
    let load = |opt: ModuleOptimizer, name: &str| {
        let p = checkpoint.join(name);
        opt.load(&p)
            .map_err(|e| FinetuneError::checkpoint(&p, format!("loading optimizer: {e}")))
    };
    let encoder_opt = load(encoder_opt, ENCODER_OPT)?;
    let head_opt = load(head_opt, HEAD_OPT)?;
    Ok((model, encoder_opt, head_opt))
}

/// Delete the checkpoint after a finished run.
pub fn remove_checkpoint(out_dir: &Path) -> Result<(), FinetuneError> {
    for d in [CHECKPOINT_DIR, TMP_DIR, OLD_DIR] {
        rm_dir(&out_dir.join(d))?;
    }
    Ok(())
}
