//! The real all-MiniLM-L6-v2 (BERT) and all-mpnet-base-v2 (MPNet) encoders
//! against a float64 numpy forward pass (scripts/reference/encoder_reference.py):
//! token ids must match exactly and hidden states to 1e-4.
//!
//! The checkpoints come from `scripts/fetch-encoders.sh`; without them the
//! test prints SKIP and passes. Set TWEETNER_ENCODERS to use another cache.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;
use tweetner_transformer::{cpu_device, PretrainedEncoder, WindowConfig, Windows};

const TOLERANCE: f64 = 1e-4;

#[derive(Deserialize)]
struct Fixture {
    model_type: String,
    hidden_size: usize,
    cases: Vec<Case>,
    relative_buckets: Option<Buckets>,
}

#[derive(Deserialize)]
struct Case {
    source: String,
    words: Vec<String>,
    input_ids: Vec<u32>,
    first_dims: Vec<Vec<f64>>,
    l2_norms: Vec<f64>,
}

#[derive(Deserialize)]
struct Buckets {
    min_relative_position: i64,
    buckets: Vec<usize>,
}

fn encoder_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("TWEETNER_ENCODERS") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("tweetner/encoders")
}

fn fixture(name: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(model: &str) {
    let dir = encoder_cache().join(model);
    if !dir.join("model.safetensors").is_file() {
        println!(
            "SKIP: no {model} checkpoint at {} (run scripts/fetch-encoders.sh)",
            dir.display()
        );
        return;
    }
    let fx = fixture(&format!("{model}_reference.json"));
    let device = cpu_device();
    let t0 = Instant::now();
    let m = PretrainedEncoder::load(&dir, &device).expect("load checkpoint");
    println!("{model}: loaded in {:.2}s", t0.elapsed().as_secs_f64());
    assert_eq!(
        format!("{:?}", m.encoder.config.model_type).to_lowercase(),
        fx.model_type
    );
    assert_eq!(m.encoder.hidden_size(), fx.hidden_size);

    if let Some(b) = &fx.relative_buckets {
        for (i, &want) in b.buckets.iter().enumerate() {
            let rel = b.min_relative_position + i as i64;
            let got = tweetner_transformer::input::relative_bucket(
                rel,
                m.encoder.config.relative_attention_num_buckets,
            );
            assert_eq!(got, want, "bucket of relative position {rel}");
        }
    }

    // All fixture tweets in one padded batch, through the window machinery.
    let aligned: Vec<_> = fx
        .cases
        .iter()
        .map(|c| m.tokenizer.tokenize(&c.words).expect("tokenize"))
        .collect();
    let windows = Windows::new(&aligned, &m.tokenizer, &WindowConfig::default()).expect("windows");
    assert_eq!(
        windows.windows.len(),
        fx.cases.len(),
        "each fixture tweet fits one window"
    );
    for (w, case) in windows.windows.iter().zip(&fx.cases) {
        assert_eq!(w.input_ids, case.input_ids, "token ids of {}", case.source);
    }
    let input = m
        .encoder
        .input(&windows.input_rows(), &device)
        .expect("input");
    let t0 = Instant::now();
    let hidden = m.encoder.forward(&input);
    let [b, t, h] = hidden.dims();
    let values = hidden.into_data().try_into_vec_as::<f32>().expect("read");
    println!(
        "{model}: forward of {b}x{t} in {:.3}s",
        t0.elapsed().as_secs_f64()
    );

    let mut max_diff = 0.0f64;
    let mut max_norm_diff = 0.0f64;
    for (r, case) in fx.cases.iter().enumerate() {
        assert_eq!(case.first_dims.len(), case.input_ids.len());
        for (pos, (want, want_norm)) in case.first_dims.iter().zip(&case.l2_norms).enumerate() {
            let row = &values[(r * t + pos) * h..(r * t + pos + 1) * h];
            for (&got, &want) in row.iter().zip(want) {
                max_diff = max_diff.max((got as f64 - want).abs());
            }
            let norm = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
            max_norm_diff = max_norm_diff.max((norm - want_norm).abs());
        }
    }
    println!(
        "{model}: max |diff| {max_diff:.2e} over first dims, {max_norm_diff:.2e} over L2 norms"
    );
    assert!(max_diff < TOLERANCE, "{model}: max abs diff {max_diff}");
    assert!(
        max_norm_diff < 10.0 * TOLERANCE,
        "{model}: max L2-norm diff {max_norm_diff}"
    );
}

#[test]
fn minilm_matches_numpy_reference() {
    check("minilm");
}

#[test]
fn mpnet_matches_numpy_reference() {
    check("mpnet");
}
