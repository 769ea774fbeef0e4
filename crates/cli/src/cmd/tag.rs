//! `tweetner tag`: raw text, JSONL or CoNLL in; entities out, streaming.
//!
//! The work is [`tweetner_pipeline::run`]: a reader thread parses the input
//! while `--threads` workers tag chunks of records and this thread writes
//! them in input order. Memory stays bounded on an unbounded stdin (a few
//! chunks in flight), and output order equals input order.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tweetner_pipeline::{
    run as run_pipeline, FormatSink, LineSource, RecordSource, RunOptions, Summary, VecSource,
};

pub use tweetner_pipeline::{InputFormat, OutputFormat};

use super::io::open_input;
use super::model::{default_threads, load_tagger};

#[derive(Args)]
pub struct TagArgs {
    /// Texts to tag; without any, records are read from --input (default stdin).
    pub texts: Vec<String>,
    /// Model directory (default: $TWEETNER_MODEL, then the shipped models/default).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Input file (`-` for stdin).
    #[arg(long, short, default_value = "-")]
    pub input: PathBuf,
    /// Input layout.
    #[arg(long, value_enum, default_value = "text")]
    pub input_format: InputFormat,
    /// Output layout (default: pretty on a terminal, JSONL otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Also output tokens, tags and per-token scores (JSONL).
    #[arg(long)]
    pub with_tokens: bool,
    /// Threads used for tagging (default: all available cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Tweets per network batch.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Run a transformer model's encoder projections in int8 (about 2x faster on
    /// AVX-512 VNNI CPUs; the README lists the dev F1 change). No effect on BiLSTM-CRF models.
    #[arg(long)]
    pub int8: bool,
    /// Records longer than this many bytes are rejected (tweets are < 2 KB).
    #[arg(long, default_value_t = 16 * 1024)]
    pub max_bytes: usize,
    /// Write rejected records here (JSONL) instead of into the output.
    #[arg(long)]
    pub reject_file: Option<PathBuf>,
    /// Show a throughput line on stderr (default: when stdin is not a terminal).
    #[arg(long)]
    pub progress: bool,
}

pub fn run(args: TagArgs) -> Result<()> {
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let batch = args.batch_size.max(1);
    // The pipeline's workers are the parallelism: each call tags one chunk
    // on its own thread.
    let (_, tagger) = load_tagger(args.model.as_deref(), 1, batch, args.int8)?;
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        OutputFormat::Pretty
    } else {
        OutputFormat::Jsonl
    });
    let out = BufWriter::with_capacity(1 << 16, io::stdout());
    let mut sink = FormatSink::new(Box::new(out), format, args.with_tokens);
    if let Some(p) = &args.reject_file {
        let file = File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
        sink = sink.with_rejects(Box::new(BufWriter::new(file)));
    }
    let show_progress = args.progress || (args.texts.is_empty() && !io::stdin().is_terminal());
    let mut source: Box<dyn RecordSource> = if args.texts.is_empty() {
        let reader = open_input(&args.input)?;
        Box::new(LineSource::new(reader, args.input_format, args.max_bytes))
    } else {
        Box::new(VecSource::texts(args.texts.iter().cloned()))
    };
    let opts = RunOptions {
        workers: threads,
        chunk: CHUNK_BATCHES * batch,
        queue: 2,
        ..RunOptions::default()
    };
    let mut report = |s: &Summary, secs: f64| progress_line(s, secs);
    let progress: Option<tweetner_pipeline::Progress<'_>> = if show_progress {
        Some(&mut report)
    } else {
        None
    };
    let summary = match run_pipeline(source.as_mut(), tagger.as_ref(), &mut sink, &opts, progress) {
        Ok(s) => s,
        // The reader of our output went away (`tweetner tag | head`): not an error.
        Err(e) if e.is_broken_pipe() => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("tagging {}", args.input.display()));
        }
    };
    if show_progress {
        eprintln!();
    }
    if show_progress || summary.rejected > 0 {
        eprintln!(
            "records in: {}, out: {}, rejected: {}",
            summary.read, summary.written, summary.rejected
        );
    }
    debug_assert_eq!(summary.read, summary.written + summary.rejected);
    Ok(())
}

/// Network batches per pipeline chunk: enough for the tagger to group
/// sentences of similar length, few enough to keep output streaming.
const CHUNK_BATCHES: usize = 4;

fn progress_line(s: &Summary, secs: f64) {
    let rate = if secs > 0.0 {
        s.read as f64 / secs
    } else {
        0.0
    };
    eprint!(
        "\rtagged {} records ({} rejected) in {secs:.1}s, {rate:.0}/s   ",
        s.written, s.rejected
    );
}
