//! `tweetner bench`: tagging throughput of a model on a file, end to end and
//! per stage, with peak memory. Medians over several runs, because the
//! machines this runs on are shared and noisy. Works on every kind of model
//! directory: the stages come from the model itself ([`Tagger::profile`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use tweetner_data::{read_conll, ReadOptions};
use tweetner_tagger::Tagger;

use super::limits;
use super::model::{default_threads, load_tagger};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchInput {
    /// Pre-tokenized CoNLL (tokens taken as given: no tokenizer in the timing).
    Conll,
    /// Raw text: the CoNLL tokens joined with spaces, re-tokenized in the timing.
    Raw,
}

#[derive(Args)]
pub struct BenchArgs {
    /// CoNLL file whose tweets are tagged (e.g. the dev split).
    pub file: PathBuf,
    /// Model directory or name (`tweetner models list`; default: $TWEETNER_MODEL, then the model named `default`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Start from tokens or from raw text.
    #[arg(long, value_enum, default_value = "raw")]
    pub input: BenchInput,
    /// Threads (default: all available cores; at most 1024).
    #[arg(long, value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: Option<usize>,
    /// Tweets per network batch (1 to 4096).
    #[arg(long, default_value_t = 64, value_parser = limits::ranged::<usize>(limits::BATCH_SIZE))]
    pub batch_size: usize,
    /// Timed runs (the median is reported; 1 to 1000).
    #[arg(long, default_value_t = 5, value_parser = limits::ranged::<usize>(limits::RUNS))]
    pub runs: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Int8 encoder projections (transformer models only).
    #[arg(long)]
    pub int8: bool,
}

#[derive(Serialize)]
struct BenchReport {
    model: String,
    file: String,
    input: &'static str,
    tweets: usize,
    tokens: usize,
    threads: usize,
    batch_size: usize,
    runs: usize,
    int8: bool,
    /// Median end-to-end seconds per pass over the file.
    seconds: f64,
    tweets_per_s: f64,
    tokens_per_s: f64,
    /// Median single-thread seconds per stage (one pass each), in pipeline order.
    stages: Vec<Stage>,
    load_seconds: f64,
    peak_rss_mib: Option<f64>,
}

#[derive(Serialize)]
struct Stage {
    name: &'static str,
    seconds: f64,
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let threads = args.threads.unwrap_or_else(default_threads).max(1);
    let load_start = Instant::now();
    let (dir, tagger) = load_tagger(
        args.model.as_deref(),
        threads,
        args.batch_size.max(1),
        args.int8,
    )?;
    let tagger = tagger.as_ref();
    let load_seconds = load_start.elapsed().as_secs_f64();
    let sentences = read_conll(&args.file, &ReadOptions::default())?;
    let token_lists: Vec<Vec<String>> = sentences.into_iter().map(|s| s.tokens).collect();
    let raw: Vec<String> = token_lists.iter().map(|t| t.join(" ")).collect();
    let tokens: usize = token_lists.iter().map(Vec::len).sum();

    // One untimed pass warms caches and allocator pools.
    pass(tagger, args.input, &raw, &token_lists)?;
    let mut totals = Vec::with_capacity(args.runs);
    let mut profiles = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let t = Instant::now();
        pass(tagger, args.input, &raw, &token_lists)?;
        totals.push(t.elapsed().as_secs_f64());
        profiles.push(stage_times(tagger, args.input, &raw, &token_lists)?);
    }
    let seconds = median(&mut totals);
    let stages = profiles
        .first()
        .map(|first| {
            first
                .iter()
                .enumerate()
                .map(|(i, &(name, _))| Stage {
                    name,
                    seconds: median(
                        &mut profiles
                            .iter()
                            .filter_map(|p| p.get(i).map(|s| s.1))
                            .collect::<Vec<_>>(),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    let report = BenchReport {
        model: dir.display().to_string(),
        file: args.file.display().to_string(),
        input: match args.input {
            BenchInput::Conll => "conll tokens",
            BenchInput::Raw => "raw text",
        },
        tweets: token_lists.len(),
        tokens,
        threads,
        batch_size: args.batch_size,
        runs: args.runs,
        // A compacted transformer runs in int8 without the flag.
        int8: args.int8 || tweetner_transformer::is_compacted(&dir).unwrap_or(false),
        seconds,
        tweets_per_s: token_lists.len() as f64 / seconds,
        tokens_per_s: tokens as f64 / seconds,
        stages,
        load_seconds,
        peak_rss_mib: peak_rss_mib(),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_report(&mut out, &report)?;
    }
    Ok(())
}

/// Errors (a closed pipe) are returned, not panicked on as `println!` would.
fn print_report(out: &mut impl Write, r: &BenchReport) -> std::io::Result<()> {
    writeln!(out, "model       {}", r.model)?;
    writeln!(
        out,
        "input       {} ({}): {} tweets, {} tokens",
        r.file, r.input, r.tweets, r.tokens
    )?;
    writeln!(
        out,
        "threads     {} (batch size {}{})",
        r.threads,
        r.batch_size,
        if r.int8 { ", int8" } else { "" }
    )?;
    writeln!(
        out,
        "throughput  {:.0} tweets/s, {:.0} tokens/s (median of {} runs, {:.3} s per pass)",
        r.tweets_per_s, r.tokens_per_s, r.runs, r.seconds
    )?;
    let stages: Vec<String> = r
        .stages
        .iter()
        .map(|s| format!("{} {:.3} s", s.name, s.seconds))
        .collect();
    writeln!(out, "stages      1 thread: {}", stages.join(", "))?;
    writeln!(out, "model load  {:.2} s", r.load_seconds)?;
    match r.peak_rss_mib {
        Some(m) => writeln!(out, "peak RSS    {m:.1} MiB"),
        None => writeln!(out, "peak RSS    unavailable on this platform"),
    }
}

/// One full pass the way users run it: tokens (or raw text) in, tags out.
fn pass(
    tagger: &(dyn Tagger + Send + Sync),
    input: BenchInput,
    raw: &[String],
    token_lists: &[Vec<String>],
) -> Result<usize> {
    let n = match input {
        BenchInput::Raw => tweetner_core::annotate(tagger, raw)?
            .iter()
            .map(|a| a.entities.len())
            .sum(),
        BenchInput::Conll => tagger
            .tag_batch(token_lists)?
            .iter()
            .map(|t| t.spans.len())
            .sum(),
    };
    Ok(n)
}

/// Single-threaded time of each stage over the whole file: tokenizing raw text
/// (with `--input raw`), then the model's own stages.
fn stage_times(
    tagger: &(dyn Tagger + Send + Sync),
    input: BenchInput,
    raw: &[String],
    token_lists: &[Vec<String>],
) -> Result<Vec<(&'static str, f64)>> {
    let mut stages = Vec::new();
    let retokenized: Vec<Vec<String>>;
    let lists = match input {
        BenchInput::Raw => {
            let t = Instant::now();
            retokenized = raw
                .iter()
                .map(|r| {
                    tweetner_text::tokenize(r)
                        .into_iter()
                        .map(|t| t.text)
                        .collect()
                })
                .collect();
            stages.push(("tokenize", t.elapsed().as_secs_f64()));
            &retokenized
        }
        BenchInput::Conll => token_lists,
    };
    stages.extend(tagger.profile(lists)?);
    Ok(stages)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
