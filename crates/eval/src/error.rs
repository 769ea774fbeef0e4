//! Evaluation errors. Input read from files names the file and line, so a
//! malformed prediction file can be fixed without guessing.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EvalError {
    /// `add_sentence` got gold and predicted tag sequences of different length.
    #[error("sentence {sentence}: {gold} gold tags but {pred} predicted tags")]
    LengthMismatch {
        /// 1-based index of the sentence among those added.
        sentence: usize,
        gold: usize,
        pred: usize,
    },
    /// Reading the input failed.
    #[error("{source_name}: read error: {source}")]
    Io {
        source_name: String,
        #[source]
        source: std::io::Error,
    },
    /// A line is not UTF-8.
    #[error("{source_name}:{line}: line is not valid UTF-8")]
    NotUtf8 { source_name: String, line: usize },
    /// A non-empty line has a different number of fields than the first
    /// non-empty line (the scorer rejects such files too).
    #[error("{source_name}:{line}: unexpected number of fields: {found} (expected {expected})")]
    FieldCount {
        source_name: String,
        line: usize,
        found: usize,
        expected: usize,
    },
    /// Lines need at least a gold and a predicted tag.
    #[error("{source_name}:{line}: need at least 2 fields (gold and predicted tag), got {found}: {content:?}")]
    TooFewFields {
        source_name: String,
        line: usize,
        found: usize,
        content: String,
    },
    /// The field delimiter must not be empty.
    #[error("the field delimiter must not be empty")]
    EmptyDelimiter,
    /// A calibration table needs at least one score bucket.
    #[error("the number of calibration bins must be at least 1")]
    NoBins,
    /// A scored entity does not lie within its sentence.
    #[error("sentence {sentence}: entity at tokens {start}..{end} is outside the sentence's {len} tokens")]
    SpanOutOfRange {
        /// 1-based index of the sentence among those added.
        sentence: usize,
        start: usize,
        end: usize,
        len: usize,
    },
    /// A confidence score is not a probability.
    #[error("sentence {sentence}: entity score {score} is not in [0, 1]")]
    InvalidScore { sentence: usize, score: f64 },
}
