//! The crate's one error type.
//!
//! Input tweets never produce errors (bad or late input is counted in
//! [`crate::DetectorStats`] instead, so a firehose never stops on one odd
//! record); errors are for a bad configuration and a bad checkpoint.

use thiserror::Error;

/// What can go wrong when building or restoring a detector.
#[derive(Debug, Error)]
pub enum TrendError {
    /// A configuration value is out of its range; the message names the field.
    #[error("invalid trend config: {0}")]
    Config(String),
    /// A checkpoint could not be parsed or does not fit its own config.
    #[error("invalid checkpoint: {0}")]
    Checkpoint(String),
    /// JSON (de)serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}
