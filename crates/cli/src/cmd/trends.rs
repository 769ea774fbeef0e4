//! `tweetner trends`: replay a JSONL stream of tweets with timestamps and
//! write the entity trends it holds, as they would have been detected live.
//!
//! Raw tweets are tagged by the pipeline (reader thread, tagging workers,
//! ordered writer) and its writer is the trend stage
//! ([`tweetner_trends::TrendSink`]); `--tagged` input (`tweetner tag`'s
//! JSONL, or any records with `entities: [{text, type}]`) skips the model.

use std::io::{self, BufWriter};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::{Map, Value};
use tweetner_pipeline::{
    run as run_pipeline, InputFormat, JsonFields, LineSource, Record, RecordSource, RunOptions,
};
use tweetner_trends::{FieldNames, TrendConfig, TrendDetector, TrendSink};

use super::io::open_input;
use super::limits;
use super::model::{default_threads, load_tagger};

#[derive(Args)]
pub struct TrendsArgs {
    /// JSONL input, one tweet per line with a text and a time (`-` for stdin).
    #[arg(long, short, default_value = "-")]
    pub input: PathBuf,
    /// Model directory or name (`tweetner models list`; default: $TWEETNER_MODEL, then the model named `default`).
    #[arg(long, conflicts_with = "tagged")]
    pub model: Option<PathBuf>,
    /// The records already carry `entities` (`[{"text", "type"}]`): no tagging.
    #[arg(long)]
    pub tagged: bool,
    /// Field with the tweet's time: ISO 8601, Twitter's created_at, or epoch seconds/ms.
    #[arg(long, default_value = "created_at")]
    pub time_field: String,
    /// Field with the tweet id (duplicates count once).
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// Field with the author (dotted paths reach into objects: `user.screen_name`);
    /// with it, one account counts once per entity and window.
    #[arg(long)]
    pub author_field: Option<String>,
    /// Field with the id of the retweeted tweet (a retweet counts as its original).
    #[arg(long)]
    pub retweet_of_field: Option<String>,
    /// Also write the top K trends every --snapshot-minutes of event time.
    #[arg(long, value_parser = limits::ranged::<usize>(1..=1000))]
    pub top: Option<usize>,
    /// Event-time minutes between --top snapshots.
    #[arg(long, default_value_t = 60, value_parser = limits::ranged::<u64>(1..=10_080))]
    pub snapshot_minutes: u64,
    /// Detector settings (JSON; any `TrendConfig` keys, the rest default).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write rejected records here (JSONL) instead of stderr.
    #[arg(long)]
    pub reject_file: Option<PathBuf>,
    /// Threads used for tagging (default: all available cores; at most 1024).
    #[arg(long, value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: Option<usize>,
    /// Records longer than this many bytes are rejected (at most 64 MiB).
    #[arg(long, default_value_t = 16 * 1024, value_parser = limits::ranged::<usize>(limits::RECORD_BYTES))]
    pub max_bytes: usize,
}

/// The entities a `--tagged` record carries.
fn given_entities(fields: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    let list = fields
        .get("entities")
        .and_then(Value::as_array)
        .ok_or("no `entities` array (run `tweetner tag` first, or drop --tagged)")?;
    list.iter()
        .map(|e| {
            let text = e.get("text").and_then(Value::as_str);
            let ty = e.get("type").and_then(Value::as_str);
            match (text, ty) {
                (Some(t), Some(y)) => Ok((t.to_string(), y.to_string())),
                _ => Err(format!("entity {e} lacks a `text` or `type` string")),
            }
        })
        .collect()
}

pub fn run(args: TrendsArgs) -> Result<()> {
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            TrendConfig::from_json(&text).with_context(|| p.display().to_string())?
        }
        None => TrendConfig::default(),
    };
    let detector = TrendDetector::new(config)?;
    let rejects: Box<dyn io::Write + Send> = match &args.reject_file {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(io::stderr()),
    };
    let fields = FieldNames {
        time: args.time_field.clone(),
        id: args.id_field.clone(),
        author: args.author_field.clone(),
        retweet_of: args.retweet_of_field.clone(),
    };
    let out = Box::new(BufWriter::with_capacity(1 << 16, io::stdout()));
    let mut sink = TrendSink::new(detector, out, rejects, fields);
    if let Some(k) = args.top {
        sink = sink.with_snapshots(k, (args.snapshot_minutes * 60_000) as i64);
    }
    // Trends reads the records and writes none back: an `entities` field is
    // input here (--tagged), never something to protect from overwriting.
    let names = JsonFields {
        overwrite: true,
        ..JsonFields::default()
    };
    let mut source = LineSource::new(open_input(&args.input)?, InputFormat::Jsonl, args.max_bytes)
        .with_json_fields(names);
    let context = || format!("trends of {}", args.input.display());
    if args.tagged {
        replay_tagged(&mut source, &mut sink).with_context(context)?;
    } else {
        let threads = args.threads.unwrap_or_else(default_threads).max(1);
        let (_, tagger) = load_tagger(args.model.as_deref(), 1, 64, false)?;
        let opts = RunOptions {
            workers: threads,
            ..RunOptions::default()
        };
        run_pipeline(&mut source, tagger.as_ref(), &mut sink, &opts, None).with_context(context)?;
    }
    let (counts, stats) = sink.finish()?;
    eprintln!(
        "tweets: {} observed, {} rejected, {} too late, {} duplicates; {} trend events, {} snapshots",
        counts.observed, counts.rejected, stats.late_dropped, stats.duplicates, counts.events, counts.snapshots
    );
    Ok(())
}

/// Feed already-tagged records straight to the detector.
fn replay_tagged(
    source: &mut LineSource<Box<dyn io::BufRead + Send>>,
    sink: &mut TrendSink,
) -> Result<()> {
    use tweetner_pipeline::AnnotationSink;
    while let Some(rec) = source.next_record()? {
        match rec {
            Record::Text {
                line,
                text,
                fields: Some(fields),
            } => match given_entities(&fields) {
                Ok(entities) => sink.observe_record(line, &text, &fields, entities)?,
                Err(e) => sink.reject(line, &e)?,
            },
            Record::Rejected { line, error, .. } => sink.reject(line, &error)?,
            other => sink.reject(other.line(), "expected a JSONL record")?,
        }
    }
    Ok(())
}
