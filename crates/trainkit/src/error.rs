//! Errors of the shared training support; each names the file concerned.

use std::path::PathBuf;

use tweetner_plot::PlotError;
use tweetner_tagger::TaggerError;

/// A file the trainers share could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// Reading, writing or renaming failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be serialised.
    #[error("{}: {message}", path.display())]
    Format {
        /// File concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A final model's epoch count could not be decided.
    #[error("{}: {message}", path.display())]
    Final {
        /// The selection run's card, or the flag at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A training sentence has a tag the model cannot learn.
    #[error("training sentence at line {line}: {message}")]
    Label {
        /// 1-based line of the sentence's first token in its file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Writing the log file failed.
    #[error(transparent)]
    Tagger(#[from] TaggerError),
    /// A data file could not be read.
    #[error(transparent)]
    Data(#[from] tweetner_data::DataError),
    /// The learning-curve chart could not be written.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

impl KitError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KitError::Io {
            path: path.into(),
            source,
        }
    }
}
