//! Golden output of the shipped model: `models/default` tags WNUT-16 dev, and
//! every inference path must give the committed tags and entity scores.
//!
//! The golden file holds predictions only (tags and scored spans per tweet,
//! no tweet text). Regenerate it after a deliberate model change with
//! `TWEETNER_BLESS=1 cargo test -p tweetner-tagger --test golden`.
//!
//! Paths compared: the plain-`f32` tagger at 1 and 2 threads and batch sizes
//! 1, 7, 64 and 1000; the model loaded through the kind registry; and the
//! burn network (the training-side forward pass) at temperature 1.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tweetner_data::{read_conll, ReadOptions};
use tweetner_tagger::{
    load_model_opts, load_network, LoadOptions, ModelManifest, NeuralTagger, TaggedSentence, Tagger,
};

/// Scores may move by float reassociation between paths, never more.
const SCORE_TOLERANCE: f32 = 2e-5;
/// The burn forward pass sums in another order than the `f32` kernels
/// (4.8e-7 seen on the shipped model).
const BURN_TOLERANCE: f32 = 1e-5;
/// The shipped model's dev F1 as its card and the README state it.
const SHIPPED_DEV_F1: f64 = 53.33;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dev_sentences() -> Option<Vec<tweetner_data::Sentence>> {
    let path = tweetner_testdata::wnut16("dev.conll");
    if !path.is_file() {
        eprintln!("skipping: {} not found", path.display());
        return None;
    }
    Some(read_conll(&path, &ReadOptions::default()).expect("dev reads"))
}

fn dev_tokens() -> Option<Vec<Vec<String>>> {
    Some(dev_sentences()?.into_iter().map(|s| s.tokens).collect())
}

/// One tweet's prediction as stored in the golden file.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Golden {
    tags: String,
    /// `(start, end, type, score)` per entity.
    spans: Vec<(usize, usize, String, f32)>,
}

impl Golden {
    fn of(t: &TaggedSentence) -> Self {
        Golden {
            tags: t.tags.join(" "),
            spans: t
                .spans
                .iter()
                .map(|s| (s.start, s.end, s.ty.clone(), s.score))
                .collect(),
        }
    }
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/default-dev.jsonl")
}

/// Asserts `got` equals the golden predictions: the same tags and spans, and
/// scores within `tol`. Returns the largest score difference seen.
fn compare(what: &str, golden: &[Golden], got: &[TaggedSentence], tol: f32) -> f32 {
    assert_eq!(golden.len().min(got.len()), got.len(), "{what}: count");
    let mut worst = 0.0f32;
    for (i, (g, t)) in golden.iter().zip(got).enumerate() {
        let t = Golden::of(t);
        assert_eq!(g.tags, t.tags, "{what}: tags of tweet {i}");
        assert_eq!(g.spans.len(), t.spans.len(), "{what}: spans of tweet {i}");
        for (a, b) in g.spans.iter().zip(&t.spans) {
            assert_eq!((a.0, a.1, &a.2), (b.0, b.1, &b.2), "{what}: tweet {i}");
            let d = (a.3 - b.3).abs();
            assert!(d <= tol, "{what}: tweet {i} score {} vs {}", a.3, b.3);
            worst = worst.max(d);
        }
    }
    worst
}

#[test]
fn shipped_model_matches_its_golden_output_on_every_path() {
    let Some(dev) = dev_tokens() else { return };
    let dir = repo().join("models/default");
    let reference = NeuralTagger::load(&dir).expect("load").with_threads(1);
    let base = reference.tag_batch(&dev).expect("tag");

    if std::env::var_os("TWEETNER_BLESS").is_some() {
        let text: String = base
            .iter()
            .map(|t| serde_json::to_string(&Golden::of(t)).expect("json") + "\n")
            .collect();
        std::fs::write(golden_path(), text).expect("write golden");
        eprintln!("wrote {}", golden_path().display());
    }
    let golden: Vec<Golden> = std::fs::read_to_string(golden_path())
        .expect("golden file (bless it first)")
        .lines()
        .map(|l| serde_json::from_str(l).expect("golden line"))
        .collect();
    assert_eq!(golden.len(), dev.len(), "one golden line per dev tweet");
    compare("reference", &golden, &base, SCORE_TOLERANCE);
    // The golden tags are the shipped model's: they score what its card says.
    let gold = dev_sentences().expect("dev");
    let pairs = gold.iter().zip(&golden).map(|(s, g)| {
        let pred = g.tags.split(' ').map(str::to_string).collect();
        (s.tags.clone(), pred)
    });
    let f1 = tweetner_eval::evaluate(pairs).expect("score").f1;
    assert!((f1 - SHIPPED_DEV_F1).abs() < 0.005, "golden dev F1 {f1:.2}");

    for threads in [1, 2] {
        for batch_size in [1, 7, 64, 1000] {
            let opts = LoadOptions {
                threads,
                batch_size,
                int8: false,
            };
            let tagger = load_model_opts(&dir, &opts).expect("registry load");
            let got = tagger.tag_batch(&dev).expect("tag");
            let what = format!("threads {threads} batch {batch_size}");
            compare(&what, &golden, &got, SCORE_TOLERANCE);
        }
    }
}

#[test]
fn burn_forward_pass_agrees_with_the_shipped_fast_path() {
    let Some(dev) = dev_tokens() else { return };
    let dev = &dev[..200];
    let dir = repo().join("models/default");
    let manifest = ModelManifest::read(&dir).expect("manifest");
    let mut fast = NeuralTagger::load(&dir).expect("load");
    // The burn network decodes without the calibration temperature.
    fast.set_temperature(1.0).expect("t = 1");
    let expected = fast.tag_batch(dev).expect("tag");
    let net = load_network(
        &manifest.network,
        &dir.join(&manifest.weights.file),
        manifest.weights.precision,
    )
    .expect("burn network");
    let labels = net.labels().to_vec();
    let mut got = Vec::new();
    for chunk in dev.chunks(32) {
        let inputs: Vec<_> = chunk.iter().map(|s| fast.input(s)).collect();
        for p in net.predict_sentences(&inputs).expect("burn predict") {
            got.push(TaggedSentence::from_prediction(&p, &labels));
        }
    }
    let as_golden: Vec<Golden> = expected.iter().map(Golden::of).collect();
    let worst = compare("burn", &as_golden, &got, BURN_TOLERANCE);
    eprintln!("burn vs f32: largest entity score difference {worst:e}");
}
