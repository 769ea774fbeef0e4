//! The crate's error type.
//!
//! Every error that comes from input names where the input came from (a file
//! path or the source name given to the reader) and, for line-oriented input,
//! the 1-based line, so that a user can open the file at the faulty line.

use std::io;
use std::path::PathBuf;

/// Errors from reading, writing or validating data files.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be opened, created, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// Reading from a stream failed part way through (after `line - 1` lines).
    #[error("{}: read error: {source}", location(source_name, *line))]
    Read {
        /// File name or other label of the stream ("" when unknown).
        source_name: String,
        /// 1-based line that was being read.
        line: usize,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The input is not in the expected format.
    #[error("{}: {message}", location(source_name, *line))]
    Parse {
        /// File name or other label of the stream ("" when unknown).
        source_name: String,
        /// 1-based line of the offending input.
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// A JSON file could not be parsed or produced.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The underlying serde error.
        source: serde_json::Error,
    },
}

impl DataError {
    /// The 1-based line an input error points at, if it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            DataError::Read { line, .. } | DataError::Parse { line, .. } => Some(*line),
            DataError::Io { .. } | DataError::Json { .. } => None,
        }
    }

    pub(crate) fn parse(source_name: &str, line: usize, message: impl Into<String>) -> Self {
        DataError::Parse {
            source_name: source_name.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// `name:line`, or `line N` when the stream has no name (stdin, in-memory).
fn location(source_name: &str, line: usize) -> String {
    if source_name.is_empty() {
        format!("line {line}")
    } else {
        format!("{source_name}:{line}")
    }
}
