//! Error type of the features crate.

use std::path::PathBuf;

/// Failures while compiling gazetteers or saving/loading a feature extractor.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed; `line` is 1-based (0 when not line-specific).
    #[error("{}:{line}: {message}", path.display())]
    Format {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A saved JSON file could not be parsed.
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// Inputs that do not fit together (e.g. embeddings of another dimension).
    #[error("{0}")]
    Invalid(String),
}

impl FeatureError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FeatureError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(
        path: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        FeatureError::Format {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}
