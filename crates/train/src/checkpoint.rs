//! Resumable training state: `checkpoint/` inside the output directory.
//!
//! After every epoch the run writes `weights.safetensors` (current weights, `f32`),
//! `optimizer.bpk` (optimizer moments, burnpack) and `state.json` ([`TrainState`]),
//! swapped in atomically by [`tweetner_trainkit::checkpoint`], so a run killed at any
//! moment leaves either the previous or the new checkpoint, never a mix. The shuffle
//! order and dropout masks are derived from the seed and the epoch number, so a resumed
//! run continues exactly where the killed one would have gone.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tweetner_model::burn::optim::ModuleOptimizer;
use tweetner_model::BiLstmCrf;
use tweetner_tagger::{load_weights, save_weights, DataFile, WeightPrecision};
pub use tweetner_trainkit::EpochRecord;
pub use tweetner_trainkit::{find_checkpoint, remove_checkpoint, CHECKPOINT_DIR};
use tweetner_trainkit::{write_checkpoint, Progress, STATE_FILE};

use crate::error::TrainError;
use crate::setup::with_positional_ids;

const OPTIM_FILE: &str = "optimizer.bpk";
const WEIGHTS: &str = "weights.safetensors";
/// Version of [`TrainState`]'s layout.
const STATE_VERSION: u32 = 1;

/// Everything besides weights and optimizer moments that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Layout version.
    pub version: u32,
    /// Fingerprint of the settings that must not change across a resume.
    pub fingerprint: String,
    /// Training on train + dev without selection.
    pub final_model: bool,
    /// Epochs, selection and history (the epoch loop's part).
    #[serde(flatten)]
    pub progress: Progress,
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
            progress: Progress::new(total_epochs),
            files: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Write the checkpoint of `out_dir` atomically (see the module docs).
pub fn save_checkpoint(
    out_dir: &Path,
    model: &BiLstmCrf,
    optim: &ModuleOptimizer,
    state: &TrainState,
) -> Result<(), TrainError> {
    write_checkpoint(out_dir, state, |tmp: &Path| {
        save_weights(model, &tmp.join(WEIGHTS), WeightPrecision::F32)?;
        let optim_path = tmp.join(OPTIM_FILE);
        optim.save(&optim_path).map_err(|e| {
            TrainError::checkpoint(&optim_path, format!("saving optimizer state: {e}"))
        })
    })
}

/// Read a checkpoint's state.
pub fn read_state(checkpoint: &Path) -> Result<TrainState, TrainError> {
    let state: TrainState = tweetner_trainkit::checkpoint::read_state(checkpoint)?;
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
