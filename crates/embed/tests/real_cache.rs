//! Checks against the real converted wink cache, when this machine has it
//! (`scripts/fetch-embeddings.sh` creates it). Skips with a message otherwise, so the
//! suite never needs the 118 MB download.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tweetner_embed::{default_embeddings_path, Embeddings, MatchRule, Precision};

fn cache_path() -> Option<PathBuf> {
    let p = std::env::var_os("TWEETNER_EMBEDDINGS")
        .map(PathBuf::from)
        .unwrap_or_else(default_embeddings_path);
    p.exists().then_some(p)
}

fn conll_tokens(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn real_wink_cache_loads_fast_and_covers_wnut() {
    let Some(path) = cache_path() else {
        eprintln!(
            "SKIP: no embeddings cache at {} (run scripts/fetch-embeddings.sh)",
            default_embeddings_path().display()
        );
        return;
    };
    let t = Instant::now();
    let emb = Embeddings::load(&path).expect("load cache");
    eprintln!("loaded {} x {} in {:.0?}", emb.len(), emb.dim, t.elapsed());
    assert_eq!((emb.len(), emb.dim), (341_479, 100));
    assert_eq!(&emb.words[..3], ["the", ",", "."]);
    // GloVe neighbours: a sanity check that rows belong to their words.
    let cos = |a: &str, b: &str| {
        let (x, y) = (emb.get(a).unwrap(), emb.get(b).unwrap());
        let dot: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
        let n = |v: &[f32]| v.iter().map(|p| p * p).sum::<f32>().sqrt();
        dot / (n(x) * n(y))
    };
    assert!(cos("monday", "tuesday") > cos("monday", "banana") + 0.3);
    assert_eq!(
        emb.lookup("#Trump").map(|l| l.rule),
        Some(MatchRule::StripSigil)
    );

    let train = conll_tokens(&tweetner_testdata::wnut16("train.conll"));
    let cov = emb.coverage(&train);
    eprintln!("train coverage\n{cov}");
    // Exact + lowercase alone reach ~80%; the later rules must add on top.
    let basic = cov.rule(MatchRule::Exact).tokens + cov.rule(MatchRule::Lowercase).tokens;
    assert!(cov.covered_tokens() > basic);
    assert!(cov.token_rate() > 0.8, "{}", cov.token_rate());

    // A shippable subset: training words plus the 50k most frequent, stored as f16.
    let small = emb.prune_for_tokens(&train, 50_000);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("small.emb");
    small.save(&p, Precision::F16).unwrap();
    let bytes = std::fs::metadata(&p).unwrap().len();
    let small_cov = small.coverage(&train);
    eprintln!(
        "pruned to {} words, {:.1} MB as f16, train token coverage {:.2}%",
        small.len(),
        bytes as f64 / 1e6,
        100.0 * small_cov.token_rate()
    );
    assert!(bytes < 25_000_000);
    assert_eq!(small_cov.covered_tokens(), cov.covered_tokens());
}
