//! What every stage of tweetner shares, with no tensor library and no async
//! runtime underneath, so the pipeline, the HTTP service and the bindings
//! build without burn:
//!
//! * [`tagger`]: the [`Tagger`] trait every model kind implements and its
//!   token-level output types;
//! * [`annotate`](mod@annotate): raw text → tokens → [`Annotation`]s with character offsets;
//! * [`labels`]: BIO labels and the CRF's constraint masks;
//! * [`crf`] and [`predict`]: the `f32` CRF decoder (Viterbi, marginals,
//!   span probabilities, temperature) every CRF head decodes with;
//! * [`spans`]: the one span reader (conlleval's chunk rules);
//! * [`registry`]: manifest `kind` → loader;
//! * [`fsio`]: the one atomic file writer;
//! * [`rng`]: the one seeded generator;
//! * [`testing`]: a tagger with known answers, for other stages' tests;
//! * [`error`]: the one error type, [`ModelError`].

pub mod annotate;
pub mod crf;
pub mod error;
pub mod fsio;
pub mod labels;
pub mod predict;
pub mod registry;
pub mod rng;
pub mod safetensors_meta;
pub mod spans;
pub mod tagger;
pub mod testing;

pub use annotate::{annotate, Annotation, Entity};
pub use error::ModelError;
pub use predict::{PredictedSpan, Prediction};
pub use registry::{LoadOptions, ModelKind, Registry, SharedTagger};
pub use tagger::{SpanScore, StageTimes, TaggedSentence, Tagger};
