//! Error type of fine-tuning.

use std::path::{Path, PathBuf};

/// Everything that can stop a fine-tuning run.
#[derive(Debug, thiserror::Error)]
pub enum FinetuneError {
    /// A config value is missing, unknown or out of range (file and field named).
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
    /// File I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A checkpoint is missing, unreadable or from other settings.
    #[error("{path}: checkpoint: {message}")]
    Checkpoint {
        /// File or directory concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The loss became NaN or infinite.
    #[error("training diverged in epoch {epoch}, batch {batch}: loss {loss}")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 0-based batch.
        batch: usize,
        /// The loss value.
        loss: f64,
    },
    /// Encoder, head or model directory problem.
    #[error(transparent)]
    Transformer(#[from] tweetner_transformer::TransformerError),
    /// Reading the CoNLL data failed.
    #[error(transparent)]
    Data(#[from] tweetner_data::DataError),
    /// Scoring failed.
    #[error(transparent)]
    Eval(#[from] tweetner_eval::EvalError),
    /// Writing the card failed.
    #[error(transparent)]
    Tagger(#[from] tweetner_tagger::TaggerError),
    /// Drawing the learning curves failed.
    #[error(transparent)]
    Plot(#[from] tweetner_plot::PlotError),
    /// A checkpoint, the epoch log or the curves could not be written or read.
    #[error(transparent)]
    Kit(#[from] tweetner_trainkit::KitError),
}

impl FinetuneError {
    /// I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        FinetuneError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Checkpoint error on `path`.
    pub fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        FinetuneError::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }
}
