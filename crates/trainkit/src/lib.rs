//! Training support shared by the BiLSTM-CRF trainer (`tweetner-train`) and
//! the transformer fine-tuner (`tweetner-finetune`).
//!
//! Both trainers select on dev entity F1, stop early, checkpoint after every
//! epoch and document the run the same way; only the model, its optimizer
//! state and the per-epoch record differ. Keeping the common part here means
//! a fix to, say, the atomic checkpoint swap reaches both.
//!
//! * [`rng`]: the seeded generator behind shuffles and dropout seeds.
//! * [`batches`]: per-epoch batch order (length-bucketed, reproducible from seed and epoch).
//! * [`epochs`]: the one epoch loop ([`Trainer`] is a model kind's side of it).
//! * [`selection`]: best epoch, patience, time to best.
//! * [`checkpoint`]: write a checkpoint directory atomically, find it again, remove it.
//! * [`report`]: `train-log.jsonl`, learning curves, card scores, timestamps.
//! * [`checksum`]: SHA-256 of input files and directories (cards, fingerprints).
//! * [`datasets`]: the run's CoNLL files, its label set, checksums.
//! * [`clip`]: global gradient-norm clipping over any burn module.
//! * [`kind`]: which trainer a config is for.
//! * [`loss`]: a loss tensor as a number.
//! * [`final_model`]: train + dev for a dev-selected epoch count.
//! * [`fingerprint`]: what a checkpoint must share with the run resuming it.
//! * [`paths`]: config paths (relative to the config, `~/`, folded).
//! * [`progress`]: the per-epoch progress bar.

pub mod batches;
pub mod checkpoint;
pub mod checksum;
pub mod clip;
pub mod datasets;
pub mod epochs;
pub mod final_model;
pub mod fingerprint;
pub mod kind;
pub mod loss;
pub mod paths;
pub mod progress;
pub mod report;
pub mod selection;

mod error;

pub use batches::{dropout_seed, epoch_batches, BUCKET_BATCHES};
pub use checkpoint::{
    find_checkpoint, remove_checkpoint, write_checkpoint, CHECKPOINT_DIR, STATE_FILE,
};
pub use checksum::{sha256_dir, sha256_file};
pub use clip::clip_global_norm;
pub use datasets::{gold_ids, read_splits, Datasets, Splits};
pub use epochs::{
    run_epochs, EpochRecord, EpochStats, LoopEnd, LoopOptions, Progress, RunSummary, Trainer,
};
pub use error::KitError;
pub use final_model::{final_dir, final_epochs, merge_dev_into_train, run_dir, FINAL_MODEL_NOTE};
pub use fingerprint::fingerprint;
pub use kind::{TrainerKind, MODEL_TRANSFORMER};
pub use loss::loss_value;
pub use progress::epoch_bar;
pub use report::{
    dev_scores, format_utc, score_predictions, utc_timestamp, write_curves, write_log, CurvePoint,
};
pub use selection::Selection;
pub use tweetner_core::rng::{self, SplitMix64};
