//! Error type of the tagger crate.

use std::path::PathBuf;

use tweetner_features::FeatureError;
use tweetner_model::ModelError;

/// Everything that can go wrong loading or writing a model directory.
#[derive(Debug, thiserror::Error)]
pub enum TaggerError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of the model directory could not be parsed or written.
    #[error("{}: {source}", path.display())]
    Json {
        /// File concerned.
        path: PathBuf,
        /// Underlying error (carries line and column).
        #[source]
        source: serde_json::Error,
    },
    /// The directory is not a model this version can load (kind, format, missing file,
    /// inconsistent parts).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// File or directory concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The feature extractor could not be loaded or saved.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// The network could not be built, loaded or run.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl TaggerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TaggerError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        TaggerError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
