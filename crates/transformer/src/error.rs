//! Error type of the transformer crate.

use std::path::PathBuf;

/// Everything that can go wrong when loading or running a pretrained encoder.
#[derive(Debug, thiserror::Error)]
pub enum TransformerError {
    /// File I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// `config.json` is not valid JSON or lacks a required field.
    #[error("{path}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// File concerned.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde reported.
        message: String,
    },
    /// A configuration value the encoder cannot be built from.
    #[error("{path}: invalid encoder config: {message}")]
    Config {
        /// File concerned (`<memory>` for configs built in code).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `model.safetensors` is unreadable, lacks a tensor or has a wrong shape.
    #[error("{path}: weights: {message}")]
    Weights {
        /// File concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `tokenizer.json` could not be loaded or used.
    #[error("{path}: tokenizer: {message}")]
    Tokenizer {
        /// File concerned.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Inputs the encoder cannot take (ids outside the vocabulary, too long).
    #[error("invalid encoder input: {0}")]
    Input(String),
    /// The CRF or the tagger interface rejected something.
    #[error(transparent)]
    Model(#[from] tweetner_model::ModelError),
    /// A model directory is missing a file or holds an inconsistent one.
    #[error("{path}: {message}")]
    ModelDir {
        /// File or directory concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading tensor data back from the backend failed.
    #[error("tensor access failed: {0}")]
    Tensor(String),
}

impl TransformerError {
    /// Wrap a serde error with the file it came from, keeping its position.
    pub(crate) fn json(path: &std::path::Path, e: &serde_json::Error) -> Self {
        TransformerError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}
