//! `tweetner tag`: raw text, JSONL or CoNLL in; entities out, streaming.
//!
//! Input is read in chunks of `threads × batch-size` records, each chunk is
//! tagged in one call (the tagger spreads it over the threads) and written
//! before the next is read: memory stays constant on an unbounded stdin and
//! output order equals input order.

mod input;
mod output;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use tweetner_tagger::Tagger;

pub use input::InputFormat;
use input::{Record, Records};
pub use output::OutputFormat;
use output::{rejected_json, write_tagged, Tagged};

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

/// Counts that must balance: every record read is either written or rejected.
#[derive(Default)]
struct Summary {
    read: usize,
    written: usize,
    rejected: usize,
}

pub fn run(args: TagArgs) -> Result<()> {
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let batch = args.batch_size.max(1);
    let (_, tagger) = load_tagger(args.model.as_deref(), threads, batch, args.int8)?;
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        OutputFormat::Pretty
    } else {
        OutputFormat::Jsonl
    });
    let mut out = BufWriter::new(io::stdout().lock());
    let mut rejects = match &args.reject_file {
        Some(p) => Some(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    let show_progress = args.progress || (args.texts.is_empty() && !io::stdin().is_terminal());
    let mut summary = Summary::default();
    let mut sink = Sink {
        out: &mut out,
        rejects: rejects.as_mut().map(|w| w as &mut dyn Write),
        format,
        with_tokens: args.with_tokens,
    };

    let chunk = threads * batch;
    if !args.texts.is_empty() {
        let records: Vec<Record> = args
            .texts
            .iter()
            .enumerate()
            .map(|(i, t)| Record::Text {
                line: i + 1,
                text: t.clone(),
                fields: None,
            })
            .collect();
        summary.read = records.len();
        tag_chunk(tagger.as_ref(), records, &mut sink, &mut summary)?;
    } else {
        let reader = open_input(&args.input)?;
        let mut records = Records::new(reader, args.input_format, args.max_bytes);
        let start = Instant::now();
        let mut last_report = Instant::now();
        loop {
            let mut pending = Vec::with_capacity(chunk);
            for rec in records.by_ref().take(chunk) {
                pending.push(rec.with_context(|| format!("reading {}", args.input.display()))?);
            }
            if pending.is_empty() {
                break;
            }
            summary.read += pending.len();
            tag_chunk(tagger.as_ref(), pending, &mut sink, &mut summary)?;
            sink.out.flush()?;
            if show_progress && last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                progress_line(&summary, start.elapsed().as_secs_f64());
            }
        }
        if show_progress {
            progress_line(&summary, start.elapsed().as_secs_f64());
            eprintln!();
        }
    }
    sink.out.flush()?;
    if let Some(r) = sink.rejects.as_mut() {
        r.flush()?;
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

struct Sink<'a> {
    out: &'a mut dyn Write,
    rejects: Option<&'a mut dyn Write>,
    format: OutputFormat,
    with_tokens: bool,
}

impl Sink<'_> {
    fn reject(&mut self, line: usize, error: &str, summary: &mut Summary) -> io::Result<()> {
        summary.rejected += 1;
        let obj = rejected_json(line, error);
        match (&mut self.rejects, self.format) {
            (Some(r), _) => writeln!(r, "{obj}"),
            (None, OutputFormat::Jsonl) => writeln!(self.out, "{obj}"),
            // Other formats cannot carry an error record; stderr keeps it visible.
            (None, _) => {
                eprintln!("line {line}: rejected: {error}");
                Ok(())
            }
        }
    }
}

/// Tags one chunk of records and writes them in input order.
fn tag_chunk(
    tagger: &(dyn Tagger + Send + Sync),
    records: Vec<Record>,
    sink: &mut Sink,
    summary: &mut Summary,
) -> Result<()> {
    let texts: Vec<&str> = records
        .iter()
        .filter_map(|r| match r {
            Record::Text { text, .. } if !text.trim().is_empty() => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let token_lists: Vec<Vec<String>> = records
        .iter()
        .filter_map(|r| match r {
            Record::Tokens { tokens, .. } => Some(tokens.clone()),
            _ => None,
        })
        .collect();
    let mut annotations = tweetner_annotate::annotate(tagger, &texts)?.into_iter();
    let mut tagged = tagger.tag_batch(&token_lists)?.into_iter();
    for rec in records {
        let item = match rec {
            Record::Rejected { line, error } => {
                sink.reject(line, &error, summary)?;
                continue;
            }
            Record::Text { line, text, .. } if text.trim().is_empty() => {
                sink.reject(line, "empty text", summary)?;
                continue;
            }
            Record::Text { line, text, fields } => Tagged::Text {
                line,
                text,
                fields,
                annotation: annotations
                    .next()
                    .context("tagger returned too few results")?,
            },
            Record::Tokens {
                line,
                tokens,
                lines,
            } => Tagged::Tokens {
                line,
                tokens,
                lines,
                tagged: tagged.next().context("tagger returned too few results")?,
            },
        };
        write_tagged(sink.out, sink.format, sink.with_tokens, item)?;
        summary.written += 1;
    }
    Ok(())
}
