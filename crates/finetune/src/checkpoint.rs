//! Resumable state: `checkpoint/` in the output directory.
//!
//! After every epoch the run writes the full model (`model.bpk`, burnpack,
//! which keeps parameter ids so the optimizer moments — keyed by id — attach
//! to the right tensors after a restore), both optimizers' moments and
//! `state.json`, swapped in atomically by [`tweetner_trainkit::checkpoint`]:
//! a run killed at any moment leaves the previous or the new checkpoint,
//! never a mix. Batch order and dropout masks derive from the
//! seed and the epoch number, so the resumed run replays what the killed one
//! would have done.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tweetner_tagger::DataFile;
pub use tweetner_trainkit::EpochRecord;
pub use tweetner_trainkit::{find_checkpoint, remove_checkpoint, CHECKPOINT_DIR};
use tweetner_trainkit::{write_checkpoint, Progress, STATE_FILE};
use tweetner_transformer::burn::optim::ModuleOptimizer;
use tweetner_transformer::burn::store::{BurnpackStore, ModuleSnapshot};
use tweetner_transformer::TokenClassifier;

use crate::error::FinetuneError;

const MODEL_FILE: &str = "model.bpk";
const ENCODER_OPT: &str = "optimizer-encoder.bpk";
const HEAD_OPT: &str = "optimizer-head.bpk";
const STATE_VERSION: u32 = 1;

/// Everything besides tensors that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Layout version.
    pub version: u32,
    /// Fingerprint of the settings that must not change across a resume.
    pub fingerprint: String,
    /// Optimizer updates done (drives the learning-rate schedule).
    pub steps: usize,
    /// Epochs, selection and history (the epoch loop's part).
    #[serde(flatten)]
    pub progress: Progress,
    /// Input files with checksums, for the card.
    pub files: Vec<DataFile>,
    /// Lines for the card decided at the start (a final model's epoch count).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl TrainState {
    /// A run that has done nothing yet.
    pub fn new(fingerprint: String, files: Vec<DataFile>) -> Self {
        TrainState {
            version: STATE_VERSION,
            fingerprint,
            steps: 0,
            progress: Progress::default(),
            files,
            notes: Vec::new(),
        }
    }
}

/// Write the checkpoint atomically (see the module docs).
pub fn save_checkpoint(
    out_dir: &Path,
    model: &TokenClassifier,
    encoder_opt: &ModuleOptimizer,
    head_opt: &ModuleOptimizer,
    state: &TrainState,
) -> Result<(), FinetuneError> {
    write_checkpoint(out_dir, state, |tmp: &Path| {
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
        Ok(())
    })
}

/// Read a checkpoint's state.
pub fn read_state(checkpoint: &Path) -> Result<TrainState, FinetuneError> {
    let state: TrainState = tweetner_trainkit::checkpoint::read_state(checkpoint)?;
    if state.version != STATE_VERSION {
        return Err(FinetuneError::checkpoint(
            checkpoint.join(STATE_FILE),
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
