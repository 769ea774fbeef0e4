//! Criterion benches of the shipped model's stages, one group each, in the
//! order a tweet meets them: tokenizer, feature extraction, network
//! (emissions) and CRF decoding.
//!
//! Run with `cargo bench -p tweetner-tagger --bench stages`. The input is the
//! first 1,000 tweets of `../shared/data/unlabeled/tweets.tsv` when the data is
//! beside the repository, else a few written here (the rates then describe
//! those few, and the bench says so). Throughput is in tweets. Whole-pipeline
//! rates (`tweetner bench`) include batching and threads; these isolate one
//! stage each on one thread, to see which one a change moved.

use std::path::{Path, PathBuf};

use criterion::{criterion_main, Criterion, Throughput};
use tweetner_model::SentenceInput;
use tweetner_tagger::NeuralTagger;

const TWEETS: usize = 1_000;
const BATCH: usize = 32;

const FALLBACK: &[&str] = &[
    "Just landed in Chicago for the Bears game, who else is going??",
    "@user omg the new Taylor Swift album is out #1989 http://t.co/abc",
    "Watching Breaking Bad season 2 with my brother, Walter White is insane",
    "Apple stock jumped 5% after the iPhone event in Cupertino today",
    "lol cant believe its already december :( #cold",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Raw tweet texts: the unlabeled corpus's `text` column (4th), or the fallback.
fn tweets() -> Vec<String> {
    let path = repo().join("../shared/data/unlabeled/tweets.tsv");
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| l.split('\t').nth(3))
                .filter(|s| !s.trim().is_empty())
                .take(TWEETS)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if texts.is_empty() {
        eprintln!(
            "{} not found: benching {} built-in tweets",
            path.display(),
            FALLBACK.len()
        );
        return FALLBACK.iter().map(|s| s.to_string()).collect();
    }
    texts
}

fn stages(c: &mut Criterion) {
    let dir = repo().join("models/default");
    let tagger = match NeuralTagger::load(&dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot load {}: {e}", dir.display());
            return;
        }
    };
    let texts = tweets();
    let n = texts.len() as u64;
    let tokens: Vec<Vec<String>> = texts
        .iter()
        .map(|t| {
            tweetner_text::tokenize(t)
                .into_iter()
                .map(|k| k.text)
                .collect()
        })
        .filter(|t: &Vec<String>| !t.is_empty())
        .collect();
    let mut inputs: Vec<SentenceInput> = tokens.iter().map(|t| tagger.input(t)).collect();
    // Length-sorted batches, as the tagger runs them.
    inputs.sort_by_key(SentenceInput::len);
    let net = tagger.network();
    let labels = net.labels().len();
    let emissions: Vec<Vec<f32>> = inputs
        .iter()
        .map(|s| net.emissions(std::slice::from_ref(s)).unwrap_or_default())
        .collect();
    if emissions
        .iter()
        .zip(&inputs)
        .any(|(e, s)| e.len() != s.len() * labels)
    {
        eprintln!("the network rejected the bench input");
        return;
    }

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Elements(n));
    g.bench_function("tokenizer", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| tweetner_text::tokenize(t).len())
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Elements(tokens.len() as u64));
    g.bench_function("features", |b| {
        b.iter(|| tokens.iter().map(|t| tagger.input(t).len()).sum::<usize>())
    });
    g.bench_function("network", |b| {
        b.iter(|| {
            inputs
                .chunks(BATCH)
                .map(|batch| net.emissions(batch).map_or(0, |e| e.len()))
                .sum::<usize>()
        })
    });
    g.bench_function("decoder", |b| {
        b.iter(|| {
            emissions
                .iter()
                .map(|e| net.decoder().decode(e).spans.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

/// criterion's macro writes an undocumented public function.
mod group {
    #![allow(missing_docs)]
    use super::stages;
    criterion::criterion_group!(benches, stages);
}

criterion_main!(group::benches);
