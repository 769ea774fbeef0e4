//! Evaluation errors. Input read from files names the file and line, so a
//! malformed prediction file can be fixed without guessing.

use thiserror::Error;

/// Everything that can make an evaluation fail: inconsistent input handed to
/// the API, unreadable or malformed scorer-format input, bad options.
#[derive(Debug, Error)]
pub enum EvalError {
    /// `add_sentence` got gold and predicted tag sequences of different length.
    #[error("sentence {sentence}: {gold} gold tags but {pred} predicted tags")]
    LengthMismatch {
        /// 1-based index of the sentence among those added.
        sentence: usize,
        /// Number of gold tags given.
        gold: usize,
        /// Number of predicted tags given.
        pred: usize,
    },
    /// Reading the input failed.
    #[error("{source_name}: read error: {source}")]
    Io {
        /// Name the caller gave the input (usually its file path).
        source_name: String,
        /// Underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A line is not UTF-8.
    #[error("{source_name}:{line}: line is not valid UTF-8")]
    NotUtf8 {
        /// Name the caller gave the input (usually its file path).
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
    },
    /// A non-empty line has a different number of fields than the first
    /// non-empty line (the scorer rejects such files too).
    #[error("{source_name}:{line}: unexpected number of fields: {found} (expected {expected})")]
    FieldCount {
        /// Name the caller gave the input (usually its file path).
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// Fields on this line (trailing empty fields not counted).
        found: usize,
        /// Fields on the first non-empty line, which fixes the count for the file.
        expected: usize,
    },
    /// A malformed line ends with a carriage return: the file has Windows
    /// (CRLF) line endings, which is the likely cause.
    #[error("{source_name}:{line}: malformed line ending with a carriage return (CR): the file has Windows line endings; convert it to LF (e.g. `sed -i 's/\\r$//' FILE`)")]
    CarriageReturn {
        /// Name the caller gave the input (usually its file path).
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
    },
    /// Lines need at least a gold and a predicted tag.
    #[error("{source_name}:{line}: need at least 2 fields (gold and predicted tag), got {found}: {content:?}")]
    TooFewFields {
        /// Name the caller gave the input (usually its file path).
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// Fields on the line (1: a lone field cannot hold both tags).
        found: usize,
        /// The offending line, without its `\n`.
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
        /// First token of the entity.
        start: usize,
        /// One past the entity's last token; an error too when not above `start`.
        end: usize,
        /// Tokens in the sentence (its number of gold tags).
        len: usize,
    },
    /// A confidence score is not a probability.
    #[error("sentence {sentence}: entity score {score} is not in [0, 1]")]
    InvalidScore {
        /// 1-based index of the sentence among those added.
        sentence: usize,
        /// The rejected score (may be NaN).
        score: f64,
    },
}
