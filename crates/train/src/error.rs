//! Error type of the training crate.

use std::path::PathBuf;

use tweetner_data::DataError;
use tweetner_embed::EmbedError;
use tweetner_eval::EvalError;
use tweetner_features::FeatureError;
use tweetner_model::ModelError;
use tweetner_plot::PlotError;
use tweetner_tagger::TaggerError;

/// Everything that can stop a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The configuration file is malformed or has a bad value; the message names the
    /// key (and, for syntax errors, the line).
    #[error("{}: {message}", path.display())]
    Config {
        /// Config file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A checkpoint or earlier run cannot be used.
    #[error("{}: {message}", path.display())]
    Checkpoint {
        /// File or directory concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Training data problems (located by the data crate).
    #[error(transparent)]
    Data(#[from] DataError),
    /// Embeddings could not be read.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// Feature extraction or gazetteer compilation failed.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// The network failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Writing or loading the model directory failed.
    #[error(transparent)]
    Tagger(#[from] TaggerError),
    /// Scoring the dev set failed.
    #[error("scoring dev predictions: {0}")]
    Eval(#[from] EvalError),
    /// The learning-curve chart could not be written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A checkpoint, the epoch log or the curves could not be written or read.
    #[error(transparent)]
    Kit(#[from] tweetner_trainkit::KitError),
    /// The loss stopped being a number.
    #[error("training diverged: loss is {loss} at epoch {epoch}, batch {batch}; lower train.lr or set train.clip_norm")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 0-based batch within the epoch.
        batch: usize,
        /// The offending loss.
        loss: f64,
    },
}

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        TrainError::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }
}
