//! Tag a CoNLL file with a model directory (through `tweetner_tagger::load_model_with`,
//! the loader the CLI uses), score it, optionally write the predictions and time
//! repeated passes:
//!
//! ```sh
//! cargo run --release -p tweetner-finetune --example transformer_tag -- \
//!     runs/minilm ../shared/data/wnut16/dev.conll --threads 2 --runs 3 --out dev.pred.conll
//! ```
//!
//! Prints dev P/R/F1 (conlleval), tweets/s (median pass) and the peak RSS.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tweetner_data::{read_conll, ReadOptions};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(model), Some(file)) = (args.first(), args.get(1)) else {
        return Err(
            "usage: transformer_tag MODEL_DIR FILE.conll [--threads N] [--runs N] [--out PRED]"
                .into(),
        );
    };
    let threads: usize = flag("--threads").map_or(Ok(1), |s| s.parse())?;
    let runs: usize = flag("--runs").map_or(Ok(1), |s| s.parse())?;
    let load = Instant::now();
    let tagger = tweetner_tagger::load_model_with(&PathBuf::from(model), threads, 32)?;
    let load_s = load.elapsed().as_secs_f64();
    let sentences = read_conll(&PathBuf::from(file), &ReadOptions::default())?;
    let tokens: Vec<Vec<String>> = sentences.iter().map(|s| s.tokens.clone()).collect();
    let mut out = tagger.tag_batch(&tokens)?; // warm-up pass, also the scored one
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        out = tagger.tag_batch(&tokens)?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let report = tweetner_eval::evaluate(
        sentences
            .iter()
            .zip(&out)
            .map(|(s, p)| (s.tags.clone(), p.tags.clone())),
    )?;
    if let Some(path) = flag("--out") {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for (s, p) in sentences.iter().zip(&out) {
            for ((tok, gold), pred) in s.tokens.iter().zip(&s.tags).zip(&p.tags) {
                writeln!(w, "{tok}\t{gold}\t{pred}")?;
            }
            writeln!(w)?;
        }
    }
    println!(
        "P/R/F1 {:.2}/{:.2}/{:.2} on {} tweets",
        report.precision,
        report.recall,
        report.f1,
        sentences.len()
    );
    if let Some(&median) = times.get(times.len() / 2) {
        println!(
            "{:.0} tweets/s ({threads} threads, median of {runs} passes, {median:.2} s per pass)",
            sentences.len() as f64 / median
        );
    }
    println!("load {load_s:.2} s");
    if let Some(m) = peak_rss_mib() {
        println!("peak RSS {m:.1} MiB");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
