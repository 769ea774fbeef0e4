//! `tweetner tag`: raw text, JSONL or CoNLL in; entities out, streaming.
//!
//! The work is [`tweetner_pipeline::run`]: a reader thread parses the input
//! while `--threads` workers tag chunks of records and this thread writes
//! them in input order. Memory stays bounded on an unbounded stdin (a few
//! chunks in flight), and output order equals input order.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tweetner_pipeline::{
    run as run_pipeline, FormatSink, JsonFields, LineSource, RecordSource, RunOptions, Summary,
    VecSource,
};

pub use tweetner_pipeline::{InputFormat, OutputFormat};

use super::io::{open_input, AtomicOutput};
use super::limits;
use super::model::{default_threads, load_tagger};

#[derive(Args)]
pub struct TagArgs {
    /// Texts to tag; without any, records are read from --input (default stdin).
    pub texts: Vec<String>,
    /// Model directory or name (`tweetner models list`; default: $TWEETNER_MODEL, then the model named `default`).
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
    /// JSONL input: the field holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// JSONL input: the field holding the record's id, copied into error records.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// JSONL output: the field the entities go under. A record that already
    /// has this field is rejected unless --overwrite.
    #[arg(long, default_value = "entities")]
    pub entities_key: String,
    /// JSONL: replace the entities field of records that already have one.
    #[arg(long)]
    pub overwrite: bool,
    /// Also output tokens, tags and per-token scores (JSONL).
    #[arg(long)]
    pub with_tokens: bool,
    /// Threads used for tagging (default: all available cores; at most 1024).
    #[arg(long, value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: Option<usize>,
    /// Tweets per network batch (1 to 4096).
    #[arg(long, default_value_t = 64, value_parser = limits::ranged::<usize>(limits::BATCH_SIZE))]
    pub batch_size: usize,
    /// Run a transformer model's encoder projections in int8 (about 2x faster on
    /// AVX-512 VNNI CPUs; the README lists the dev F1 change). No effect on BiLSTM-CRF models.
    #[arg(long)]
    pub int8: bool,
    /// Records longer than this many bytes are rejected (tweets are < 2 KB; at most 64 MiB).
    #[arg(long, default_value_t = 16 * 1024, value_parser = limits::ranged::<usize>(limits::RECORD_BYTES))]
    pub max_bytes: usize,
    /// Write the output to FILE instead of standard output. It appears,
    /// complete, when the run ends: a failed or killed run leaves no FILE.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Write rejected records here (JSONL) instead of into the output; like
    /// --output, it appears complete when the run ends.
    #[arg(long)]
    pub reject_file: Option<PathBuf>,
    /// Exit with status 1 (after writing everything) when more than this share
    /// of the records was rejected (0 to 1). Without it, only a run that
    /// rejected every record fails.
    #[arg(long, value_parser = reject_rate)]
    pub max_reject_rate: Option<f64>,
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
    let format = args
        .format
        .unwrap_or(if args.output.is_none() && io::stdout().is_terminal() {
            OutputFormat::Pretty
        } else {
            OutputFormat::Jsonl
        });
    let output = args
        .output
        .as_deref()
        .map(AtomicOutput::create)
        .transpose()?;
    let out: Box<dyn Write + Send> = match &output {
        Some(file) => Box::new(file.clone()),
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
    };
    let mut sink =
        FormatSink::new(out, format, args.with_tokens).with_entities_key(args.entities_key.clone());
    let rejects = args
        .reject_file
        .as_deref()
        .map(AtomicOutput::create)
        .transpose()?;
    if let Some(r) = &rejects {
        sink = sink.with_rejects(Box::new(r.clone()));
    }
    let show_progress = args.progress || (args.texts.is_empty() && !io::stdin().is_terminal());
    let mut source: Box<dyn RecordSource> = if args.texts.is_empty() {
        let reader = open_input(&args.input)?;
        let names = JsonFields {
            text: args.text_field.clone(),
            id: args.id_field.clone(),
            entities: args.entities_key.clone(),
            overwrite: args.overwrite,
        };
        Box::new(LineSource::new(reader, args.input_format, args.max_bytes).with_json_fields(names))
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
    let result = run_pipeline(source.as_mut(), tagger.as_ref(), &mut sink, &opts, progress);
    drop(sink);
    let summary = match result {
        Ok(s) => s,
        // The reader of our output went away (`tweetner tag | head`): not an error.
        Err(e) if e.is_broken_pipe() => return Ok(()),
        // The files' temporaries are removed when `output` and `rejects` drop.
        Err(e) => {
            return Err(e).with_context(|| format!("tagging {}", args.input.display()));
        }
    };
    for (file, path) in [(&output, &args.output), (&rejects, &args.reject_file)] {
        if let (Some(file), Some(path)) = (file, path) {
            file.commit()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
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
    check_rejects(&summary, args.max_reject_rate)
}

/// A run whose records were all rejected (or more of them than allowed)
/// produced nothing useful: say so with the exit status, not only on stderr,
/// so scripts and pipelines notice.
fn check_rejects(s: &Summary, max_rate: Option<f64>) -> Result<()> {
    if s.read == 0 {
        return Ok(());
    }
    if s.written == 0 {
        anyhow::bail!("all {} records were rejected", s.read);
    }
    let rate = s.rejected as f64 / s.read as f64;
    match max_rate {
        Some(max) if rate > max => anyhow::bail!(
            "{} of {} records rejected ({:.1}%), above --max-reject-rate {max}",
            s.rejected,
            s.read,
            100.0 * rate
        ),
        _ => Ok(()),
    }
}

fn reject_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not a share between 0 and 1"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(read: usize, rejected: usize) -> Summary {
        Summary {
            read,
            written: read - rejected,
            rejected,
        }
    }

    #[test]
    fn rejects_fail_the_run_only_when_all_or_too_many() {
        assert!(check_rejects(&summary(0, 0), None).is_ok());
        assert!(check_rejects(&summary(10, 9), None).is_ok());
        let e = check_rejects(&summary(10, 10), None).unwrap_err();
        assert_eq!(e.to_string(), "all 10 records were rejected");
        assert!(check_rejects(&summary(10, 1), Some(0.1)).is_ok());
        let e = check_rejects(&summary(10, 2), Some(0.1)).unwrap_err();
        assert!(
            e.to_string().contains("2 of 10 records rejected (20.0%)"),
            "{e}"
        );
        assert!(reject_rate("0.5").is_ok());
        assert!(reject_rate("1.5").is_err() && reject_rate("NaN").is_err());
    }
}
