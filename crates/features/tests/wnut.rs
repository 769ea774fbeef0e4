//! Checks on the real WNUT-16 data and lexicon (found via `../shared` or
//! `TWEETNER_DATA`, or the fetch cache): gazetteer compilation and matching, feature widths, and a
//! printed (not asserted) extraction speed. Uses the real embeddings cache when present.

use std::sync::OnceLock;
use std::time::Instant;

use tweetner_embed::{default_embeddings_path, Embeddings};
use tweetner_features::{
    compile_wnut_lexicon, FeatureConfig, FeatureExtractor, Gazetteer, WordVocab,
};

use tweetner_testdata::wnut16;

/// Tweets of a CoNLL file: token per line (first tab field), blank line between tweets.
fn tweets(split: &str) -> Vec<Vec<String>> {
    let path = wnut16(&format!("{split}.conll"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = vec![Vec::new()];
    for line in text.lines() {
        match line.split('\t').next() {
            Some(tok) if !line.trim().is_empty() => out.last_mut().unwrap().push(tok.to_string()),
            _ => {
                if !out.last().unwrap().is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|t| !t.is_empty());
    out
}

/// Compiled once per test binary: both tests need it and it takes a second or two.
fn lexicon() -> Gazetteer {
    static LEXICON: OnceLock<Gazetteer> = OnceLock::new();
    LEXICON.get_or_init(compile_lexicon).clone()
}

fn compile_lexicon() -> Gazetteer {
    let t = Instant::now();
    let (gaz, report) = compile_wnut_lexicon(&wnut16("lexicon"), 6).expect("compile lexicon");
    eprintln!(
        "compiled {} groups / {} columns in {:.0?}; missing files {:?}; unused {:?}; empty groups {:?}; skipped entries {}; dropped common {}",
        gaz.groups().len(),
        gaz.dim(),
        t.elapsed(),
        report.missing,
        report.unused,
        report.empty_groups,
        report.skipped_entries,
        report.dropped_common
    );
    for g in gaz.groups() {
        eprintln!(
            "  {:<14} {:>7} entries multiword={}",
            g.name, g.entries, g.multiword
        );
    }
    assert!(report.missing.contains(&"location".to_string()));
    assert!(report.missing.contains(&"people.person".to_string()));
    assert!(
        report.unused.is_empty(),
        "unmapped lexicon files {:?}",
        report.unused
    );
    let on_disk = std::fs::read_dir(wnut16("lexicon")).unwrap().count();
    assert_eq!(
        report.files_read.len(),
        on_disk - 1,
        "every file but dictionaries.conf is read"
    );
    gaz
}

#[test]
fn wnut_lexicon_compiles_and_matches() {
    let gaz = lexicon();
    assert!(gaz.contains("sportsteam", "Yeovil Town F.C."));
    assert!(gaz.contains("geo-loc", "AFGHANISTAN"));
    assert!(gaz.contains("tvshow", "Ed, Edd 'n' Eddy"));
    assert!(gaz.contains("firstname", "Mary"));
    assert!(!gaz.contains("firstname", "the"));
    let toks: Vec<String> = "I watched Fast Forward at Yeovil Town F.C. with Mary"
        .split(' ')
        .map(str::to_string)
        .collect();
    let names: Vec<String> = gaz
        .matches(&toks)
        .iter()
        .map(|m| format!("{}:{}-{}", gaz.groups()[m.group].name, m.start, m.end))
        .collect();
    assert!(names.contains(&"tvshow:2-4".to_string()), "{names:?}");
    assert!(names.contains(&"sportsteam:5-8".to_string()), "{names:?}");
    assert!(names.contains(&"firstname:9-10".to_string()), "{names:?}");

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gaz.tsv.gz");
    let t = Instant::now();
    gaz.save(&p).unwrap();
    let saved = t.elapsed();
    let t = Instant::now();
    let back = Gazetteer::load(&p).unwrap();
    eprintln!(
        "gazetteer file {:.1} MB (save {saved:.0?}, load {:.0?})",
        std::fs::metadata(&p).unwrap().len() as f64 / 1e6,
        t.elapsed()
    );
    assert_eq!(back, gaz);
}

#[test]
fn extraction_on_train_and_dev() {
    let train = tweets("train");
    let dev = tweets("dev");
    assert_eq!((train.len(), dev.len()), (2394, 1000));
    let emb_path = default_embeddings_path();
    let emb = if emb_path.exists() {
        Some(Embeddings::load(&emb_path).expect("embeddings cache"))
    } else {
        eprintln!(
            "note: no embeddings cache at {}; vocabulary from training only",
            emb_path.display()
        );
        None
    };
    let fx = FeatureExtractor::build(
        &train,
        emb.as_ref(),
        Some(lexicon()),
        FeatureConfig::default(),
    );
    eprintln!(
        "word vocab {} ({} pretrained), char vocab {}, dense dim {}",
        fx.word_vocab.len(),
        fx.word_vocab.pretrained_count(),
        fx.char_vocab.len(),
        fx.dense_dim()
    );
    for (name, split) in [("train", &train), ("dev", &dev)] {
        let cov = fx.word_vocab.coverage(split.iter().flatten());
        eprintln!(
            "word vocab coverage on {name}: tokens {:.2}%, types {:.2}%",
            100.0 * cov.token_rate(),
            100.0 * cov.type_rate()
        );
    }

    let t = Instant::now();
    let mut gaz_hits = 0usize;
    let mut unk = 0usize;
    for tweet in train.iter().chain(&dev) {
        let f = fx.extract(tweet);
        assert_eq!(f.word_ids.len(), tweet.len());
        assert!(f.dense.iter().all(|r| r.len() == fx.dense_dim()));
        gaz_hits += f
            .dense
            .iter()
            .filter(|r| r[tweetner_features::ORTHO_DIM..].iter().any(|x| *x != 0.0))
            .count();
        unk += f
            .word_ids
            .iter()
            .filter(|&&id| id == WordVocab::UNK)
            .count();
    }
    let secs = t.elapsed().as_secs_f64();
    let n = train.len() + dev.len();
    eprintln!(
        "extracted {n} tweets in {secs:.3}s = {:.0} tweets/s on one thread ({gaz_hits} tokens with a gazetteer feature, {unk} UNK)",
        n as f64 / secs
    );
    assert!(gaz_hits > 0);
}
