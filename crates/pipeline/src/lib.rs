//! Records in, annotations out, as a library: what `tweetner tag` runs, and
//! what a message-bus worker or a binding plugs into.
//!
//! ```text
//! RecordSource ──► reader thread ──► workers (Tagger) ──► ordered writer ──► AnnotationSink
//!                 bounded channel               bounded channel
//! ```
//!
//! * [`source`]: [`RecordSource`], [`LineSource`] (text lines, JSONL, CoNLL), [`VecSource`];
//! * [`sink`]: [`AnnotationSink`], [`FormatSink`] (JSONL, pretty, CoNLL, IOB);
//! * [`batch`]: one batch through the tagger, a panic turned into an error
//!   (shared with the HTTP server's micro-batches);
//! * [`runner`]: [`run`], with [`RunOptions`] and the balancing [`Summary`].
//!
//! ```no_run
//! use tweetner_pipeline::{run, FormatSink, InputFormat, LineSource, OutputFormat, RunOptions};
//! # fn demo(tagger: &(dyn tweetner_core::Tagger + Sync)) -> Result<(), Box<dyn std::error::Error>> {
//! let stdin = std::io::BufReader::new(std::io::stdin());
//! let mut source = LineSource::new(stdin, InputFormat::Jsonl, 16 * 1024);
//! let mut sink = FormatSink::new(Box::new(std::io::stdout()), OutputFormat::Jsonl, false);
//! let opts = RunOptions { workers: 2, ..RunOptions::default() };
//! let summary = run(&mut source, tagger, &mut sink, &opts, None)?;
//! assert_eq!(summary.read, summary.written + summary.rejected);
//! # Ok(()) }
//! ```

pub mod batch;
pub mod html;
pub mod json_record;
pub mod runner;
pub mod sink;
pub mod source;

pub use batch::{annotate_batch, tag_batch, BatchError};
pub use json_record::JsonRecord;
pub use runner::{run, PipelineError, Progress, RunOptions, Summary};
pub use sink::{
    rejected_json, write_tagged, write_tagged_as, AnnotationSink, FormatSink, OutputFormat, Tagged,
};
pub use source::{
    decode_record, decode_record_with, InputFormat, JsonFields, LineSource, Record, RecordSource,
    VecSource,
};

#[cfg(test)]
mod tests;
