//! The error every model kind reports through the [`crate::Tagger`] trait.

use std::path::PathBuf;

/// Everything that can go wrong when building, running, saving or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Inconsistent sizes between inputs, labels or weights.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// An index (word, char or label id) outside its vocabulary.
    #[error("index out of range: {0}")]
    Index(String),
    /// Invalid configuration value.
    #[error("invalid model config: {0}")]
    Config(String),
    /// Reading tensor data back from the backend failed.
    #[error("tensor access failed: {0}")]
    Tensor(String),
    /// File I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// JSON (de)serialisation of the config failed.
    #[error("{path}: invalid JSON config: {source}")]
    Json {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        source: serde_json::Error,
    },
    /// Saving or loading weights failed.
    #[error("{path}: weights: {message}")]
    Weights {
        /// File concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A model directory is not one this build can load (unknown kind,
    /// inconsistent files).
    #[error("{path}: {message}")]
    Invalid {
        /// File or directory concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Feature extraction failed in a [`crate::Tagger`] implementation.
    #[error("feature extraction: {0}")]
    Features(String),
}
