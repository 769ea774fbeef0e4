//! Errors of building, reading and opening lexicons.

use std::path::PathBuf;

/// Result with [`LexiconError`].
pub type Result<T, E = LexiconError> = std::result::Result<T, E>;

/// Everything that can go wrong; none of it panics.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of an entry list is malformed.
    #[error("{}:{line}: {message}", path.display())]
    List {
        /// The list file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A row given to [`crate::LexiconBuilder::add`] is malformed (rows that come
    /// from a file are reported as [`LexiconError::List`] instead).
    #[error("row {row}: {message}")]
    Row {
        /// 0-based number of the row among those added.
        row: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A `.lex` image is corrupt, truncated or of another version.
    #[error("not a valid lexicon file{}: {message}", path_suffix(path))]
    Format {
        /// The file, when the bytes came from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        message: String,
    },
    /// The fst crate refused to build the key map.
    #[error("building the key map: {0}")]
    Fst(#[from] fst::Error),
}

fn path_suffix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

impl LexiconError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LexiconError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(message: impl Into<String>) -> Self {
        LexiconError::Format {
            path: None,
            message: message.into(),
        }
    }

    /// Attaches the file a [`LexiconError::Format`] error came from.
    pub(crate) fn in_file(self, file: impl Into<PathBuf>) -> Self {
        match self {
            LexiconError::Format {
                path: None,
                message,
            } => LexiconError::Format {
                path: Some(file.into()),
                message,
            },
            other => other,
        }
    }
}
