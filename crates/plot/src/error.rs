//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// There is nothing to draw (no bars, no series, or only empty series).
    #[error("chart `{title}`: nothing to plot ({what})")]
    Empty { title: String, what: &'static str },

    /// A value is NaN or infinite; plotting it would silently distort the axes.
    #[error("chart `{title}`: {what} is not a finite number ({value})")]
    NonFinite {
        title: String,
        what: String,
        value: f64,
    },

    /// The path names one format and the caller asked for the other.
    #[error("{}: extension `.{found}` does not match the requested {wanted} format", path.display())]
    ExtensionMismatch {
        path: PathBuf,
        found: String,
        wanted: &'static str,
    },

    /// The embedded font could not be registered (a broken build).
    #[error("the embedded DejaVu Sans font could not be loaded")]
    Font,

    /// plotters reported a drawing failure.
    #[error("chart `{title}`: drawing failed: {message}")]
    Draw { title: String, message: String },

    /// PNG encoding failed.
    #[error("encoding PNG for {}: {message}", path.display())]
    Encode { path: PathBuf, message: String },

    /// Writing the file failed.
    #[error("{op} {}: {cause}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        cause: io::Error,
    },
}
