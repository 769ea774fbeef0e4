//! Entity-level evaluation for tweetner, identical to the CoNLL `conlleval`
//! scorer (the shared-task reference, kept at `../shared/tools/conlleval.pl`).
//!
//! Published WNUT-16 numbers come from that scorer, so ours must agree with it
//! digit for digit, including on odd input (an `I-` without a `B-`, type
//! changes inside chunks, `E-`/`S-` tags, which this scorer version handles
//! only partially). The crate therefore replays the scorer's own chunk
//! rules ([`tags`]) and counting state machine rather than comparing span
//! sets, and [`Report::to_conlleval_text`] reproduces its output byte for
//! byte; `tests/conlleval_parity.rs` checks both against the real scorer.
//!
//! On top of that it reports what the scorer does not: segmentation-only
//! (untyped) scores, a confusion table of entity types and boundary error
//! classes.
//!
//! ```
//! use tweetner_eval::Evaluator;
//! let mut ev = Evaluator::new();
//! ev.add_sentence(&["B-person", "I-person", "O"], &["B-person", "I-person", "O"]).unwrap();
//! let report = ev.finish();
//! assert_eq!(report.f1, 100.0);
//! assert!(report.to_conlleval_text().starts_with("processed 3 tokens with 1 phrases"));
//! ```

mod analysis;
mod calibration;
mod counter;
mod error;
mod evaluator;
mod reader;
mod report;
mod spans;
pub mod tags;

pub use analysis::{BoundaryCounts, BoundaryErrors, Confusion, TypeBoundaryCounts, OUTSIDE_LABEL};
pub use calibration::{Calibration, CalibrationBin, Calibrator, ScoredSpan};
pub use error::EvalError;
pub use evaluator::{evaluate, evaluate_with, EvalOptions, Evaluator};
pub use reader::{read_conlleval, read_conlleval_with, score_conlleval, SentencePair, BOUNDARY};
pub use report::{precision_recall_f1, Counts, Report, TypeScore, UntypedScore};
