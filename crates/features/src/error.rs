//! Error type of the features crate.

use std::path::PathBuf;

/// Failures while compiling gazetteers or saving/loading a feature extractor.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// File or directory that could not be read, written or created.
        path: PathBuf,
        /// Underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed; `line` is 1-based (0 when not line-specific).
    #[error("{}:{line}: {message}", path.display())]
    Format {
        /// File with the malformed content.
        path: PathBuf,
        /// 1-based line of the problem (after decompression); 0 for the whole file.
        line: usize,
        /// What is wrong, for the user.
        message: String,
    },
    /// A saved JSON file could not be parsed.
    #[error("{}: {source}", path.display())]
    Json {
        /// JSON file that could not be parsed (or serialised when saving).
        path: PathBuf,
        /// Parser error, with the line and column of the problem.
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
