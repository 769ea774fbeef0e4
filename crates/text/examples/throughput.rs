//! Tokenizer throughput on the WNUT-16 train+dev tweets (joined with
//! spaces), single thread.
//!
//! Run: `cargo run --release -p tweetner-text --example throughput [ROUNDS]`
//! (data from `$TWEETNER_SHARED` or `<repo>/../shared`).

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shared = std::env::var_os("TWEETNER_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let rounds: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 50,
    };
    let mut tweets = Vec::new();
    for split in ["train.conll", "dev.conll"] {
        let path = shared.join("data/wnut16").join(split);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut cur: Vec<&str> = Vec::new();
        for line in text.lines().chain(std::iter::once("")) {
            match line.split('\t').next() {
                Some(tok) if !line.trim().is_empty() => cur.push(tok),
                _ if !cur.is_empty() => tweets.push(std::mem::take(&mut cur).join(" ")),
                _ => {}
            }
        }
    }
    let bytes: usize = tweets.iter().map(String::len).sum();
    let t0 = Instant::now();
    let mut n_tokens = 0usize;
    for _ in 0..rounds {
        for t in &tweets {
            n_tokens += tweetner_text::tokenize(t).len();
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let n = (tweets.len() * rounds) as f64;
    println!(
        "{} tweets x {rounds} rounds: {:.0} tweets/s, {:.1} MB/s, {} tokens, {:.2} us/tweet",
        tweets.len(),
        n / secs,
        (bytes * rounds) as f64 / secs / 1e6,
        n_tokens,
        secs / n * 1e6
    );
    Ok(())
}
