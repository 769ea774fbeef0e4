//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// There is nothing to draw (no bars, no series, or only empty series).
    #[error("chart `{title}`: nothing to plot ({what})")]
    Empty {
        /// Title of the chart, to tell which one failed.
        title: String,
        /// What was missing, e.g. "no bars".
        what: &'static str,
    },

    /// A value is NaN or infinite; plotting it would silently distort the axes.
    #[error("chart `{title}`: {what} is not a finite number ({value})")]
    NonFinite {
        /// Title of the chart, to tell which one failed.
        title: String,
        /// Which value it is, e.g. "y of point 3 of `dev`" or "bar `person`".
        what: String,
        /// The offending NaN or infinity.
        value: f64,
    },

    /// The path names one format and the caller asked for the other.
    #[error("{}: extension `.{found}` does not match the requested {wanted} format", path.display())]
    ExtensionMismatch {
        /// Output path as the caller gave it.
        path: PathBuf,
        /// Its extension as written, without the dot.
        found: String,
        /// Extension of the requested format ("png" or "svg").
        wanted: &'static str,
    },

    /// The embedded font could not be registered (a broken build).
    #[error("the embedded DejaVu Sans font could not be loaded")]
    Font,

    /// plotters reported a drawing failure.
    #[error("chart `{title}`: drawing failed: {message}")]
    Draw {
        /// Title of the chart, to tell which one failed.
        title: String,
        /// plotters' description of the failure.
        message: String,
    },

    /// PNG encoding failed.
    #[error("encoding PNG for {}: {message}", path.display())]
    Encode {
        /// File the PNG was meant for (nothing has been written to it).
        path: PathBuf,
        /// The encoder's description of the failure.
        message: String,
    },

    /// Writing the file failed.
    #[error("{op} {}: {cause}", path.display())]
    Io {
        /// What was being done, e.g. "creating directory" or "writing".
        op: &'static str,
        /// Directory or file the operation was on.
        path: PathBuf,
        /// Underlying I/O failure.
        cause: io::Error,
    },
}
