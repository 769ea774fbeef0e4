//! `tweetner data soften`: a teacher's label probabilities for every token of
//! a CoNLL file, for students trained with `[train] soft_weight`.
//!
//! The output keeps the input's tokens and tags and puts the probabilities in
//! a middle column (`token<TAB>soft<TAB>tag`), so every tool that reads only
//! the tag still reads the file. The teacher must give per-token
//! probabilities (a CRF model or an ensemble).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use tweetner_core::crf::ProbDecoder;
use tweetner_data::{format_soft, Sentence};
use tweetner_tagger::Tagger;

use super::io::{sentences, AtomicOutput};
use super::limits;
use super::model::{default_threads, load_tagger};

/// Sentences handed to the teacher at once: enough for it to fill its
/// threads with length-sorted batches.
const CHUNK: usize = 512;

#[derive(Args)]
pub struct SoftenArgs {
    /// CoNLL file whose tokens the teacher labels (`-` for stdin); its tag
    /// column is kept as the hard tag unless `--retag` is given.
    pub input: PathBuf,
    /// The teacher: a model directory or name.
    #[arg(long)]
    pub model: PathBuf,
    /// Output CoNLL file, written whole or not at all.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Run the teacher's encoder in int8 (what tagged the silver with `tag --int8`).
    #[arg(long)]
    pub int8: bool,
    /// Threads for the teacher.
    #[arg(long, default_value_t = default_threads(),
          value_parser = limits::ranged::<usize>(limits::THREADS))]
    pub threads: usize,
    /// Sentences per batch inside the teacher.
    #[arg(long, default_value_t = 32, value_parser = limits::ranged::<usize>(limits::BATCH_SIZE))]
    pub batch_size: usize,
    /// Leave out labels whose probability rounds below this (the most likely
    /// label is always written).
    #[arg(long, default_value_t = 0.001, value_parser = limits::probability)]
    pub min_prob: f32,
    /// Write the teacher's own tags instead of the input's: the best path
    /// BIO allows through its probabilities (what an ensemble tags). For
    /// input tagged by another model, or not tagged at all (every tag `O`).
    #[arg(long)]
    pub retag: bool,
}

pub fn soften(args: SoftenArgs) -> Result<()> {
    let (dir, tagger) = load_tagger(Some(&args.model), args.threads, args.batch_size, args.int8)?;
    let retag = args.retag.then(|| ProbDecoder::new(tagger.labels()));
    let job = Job {
        tagger: tagger.as_ref(),
        min_prob: args.min_prob,
        retag: retag.as_ref(),
    };
    let context = || format!("softening {} with {}", args.input.display(), dir.display());
    let output = AtomicOutput::create(&args.output)?;
    let mut out = BufWriter::new(output.clone());
    let start = Instant::now();
    let (mut chunk, mut done) = (Vec::with_capacity(CHUNK), 0usize);
    for s in sentences(&args.input)? {
        chunk.push(s?);
        if chunk.len() == CHUNK {
            job.write(&chunk, &mut out).with_context(context)?;
            done += chunk.len();
            chunk.clear();
            if done % (20 * CHUNK) == 0 {
                let rate = done as f64 / start.elapsed().as_secs_f64().max(1e-9);
                eprintln!("{done} sentences softened ({rate:.0}/s)");
            }
        }
    }
    job.write(&chunk, &mut out).with_context(context)?;
    done += chunk.len();
    out.flush()
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    drop(out);
    output
        .commit()
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "{done} sentences softened in {:.0} s -> {}",
        start.elapsed().as_secs_f64(),
        args.output.display()
    );
    Ok(())
}

/// What a run writes with.
struct Job<'a> {
    tagger: &'a (dyn Tagger + Send + Sync),
    min_prob: f32,
    /// `Some` with `--retag`.
    retag: Option<&'a ProbDecoder>,
}

impl Job<'_> {
    /// Labels `chunk` with the teacher and writes it with the soft column.
    fn write(&self, chunk: &[Sentence], out: &mut dyn Write) -> Result<()> {
        let tokens: Vec<Vec<String>> = chunk.iter().map(|s| s.tokens.clone()).collect();
        let marginals = self.tagger.token_marginals(&tokens)?;
        let labels = self.tagger.labels();
        if marginals.len() != chunk.len() {
            bail!(
                "the teacher answered {} sentences for {}",
                marginals.len(),
                chunk.len()
            );
        }
        for (s, rows) in chunk.iter().zip(&marginals) {
            if rows.len() != s.len() || rows.iter().any(|r| r.len() != labels.len()) {
                bail!(
                    "line {}: the teacher's probabilities do not match the sentence's {} tokens \
                     and its own {} labels",
                    s.line,
                    s.len(),
                    labels.len()
                );
            }
            let tags: Vec<&str> = match self.retag {
                Some(d) => d
                    .best_path(rows)
                    .iter()
                    .map(|&y| labels[y].as_str())
                    .collect(),
                None => s.tags.iter().map(String::as_str).collect(),
            };
            for ((token, tag), probs) in s.tokens.iter().zip(tags).zip(rows) {
                let soft = format_soft(probs, labels, self.min_prob);
                writeln!(out, "{token}\t{soft}\t{tag}")?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}
