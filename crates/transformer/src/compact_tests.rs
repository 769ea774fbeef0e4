//! Int8 storage: the row quantiser, a compacted model directory that tags
//! like its source, and the errors of a broken int8 tensor.

use std::path::Path;

use super::*;
use crate::head::{HeadKind, HeadSpec, TokenClassifier};
use crate::modeldir::{load_model_dir, save_model_dir};
use crate::predict::word_scores_fast;
use crate::testutil::{tiny_config, tiny_tokenizer, Rng, TINY_PIECES};
use crate::window::{PieceLabelling, WindowConfig};
use crate::{Encoder, FastClassifier, SubwordTokenizer};

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.uniform_f32(1.0)).collect()
}

#[test]
fn rows_round_trip_within_half_a_step_and_requantise_to_the_same_integers() {
    let cols = 37;
    let mut values = random(cols * 9, 7);
    // A row of zeros and a row with one large value.
    values[cols..2 * cols].fill(0.0);
    values[3 * cols + 5] = 40.0;
    let (q, scales) = quantize_rows(&values, cols);
    assert_eq!((q.len(), scales.len()), (values.len(), 9));
    assert_eq!(scales[1], 1.0);
    let back = dequantize_rows(&q, &scales, cols);
    for (i, (a, b)) in values.iter().zip(&back).enumerate() {
        let s = scales[i / cols];
        assert!((a - b).abs() <= 0.5 * s + 1e-6, "value {i}: {a} vs {b}");
    }
    // Each row's largest value is ±127 steps: stored values quantise again
    // to the integers and scales they came from (what `--int8` does).
    assert!(q
        .chunks(cols)
        .skip(2)
        .all(|r| r.iter().any(|v| v.abs() == 127)));
    let (q2, s2) = quantize_rows(&back, cols);
    assert_eq!(q, q2);
    for (a, b) in scales.iter().zip(&s2) {
        assert!((a - b).abs() <= a * 1e-6, "{a} vs {b}");
    }
}

fn tiny_model_dir(dir: &Path) -> Vec<crate::AlignedSentence> {
    let src = tempfile::tempdir().expect("dir");
    let config = tiny_config(src.path(), "bert", 5 + TINY_PIECES.len());
    let tok = SubwordTokenizer::from_file(&tiny_tokenizer(src.path())).expect("tokenizer");
    let device = crate::cpu_device();
    let labels: Vec<String> = ["O", "B-person", "I-person"].map(String::from).to_vec();
    let spec = HeadSpec {
        kind: HeadKind::Crf,
        labelling: PieceLabelling::FirstPiece,
        dropout: 0.1,
        labels,
        window: WindowConfig {
            max_length: 12,
            overlap: 3,
            labelling: PieceLabelling::FirstPiece,
        },
        lexicon_dim: 0,
    };
    let enc = Encoder::new(config, &device).expect("encoder");
    let model = TokenClassifier::new(enc, spec, &device).expect("head");
    save_model_dir(dir, &model, src.path(), "tiny").expect("save");
    let words = [
        vec!["the", "cats", "sat", "on", "the", "mat", "!"],
        vec!["rt", "@user", ":", "disney", "world", "&lt;", "3"],
    ];
    words
        .iter()
        .map(|t| tok.tokenize(t).expect("tokenize"))
        .collect()
}

fn scores(dir: &Path, aligned: &[crate::AlignedSentence]) -> Vec<Vec<f32>> {
    let (model, tok, m) = load_model_dir(dir, &crate::cpu_device()).expect("load");
    let fast = FastClassifier::from_model(&model).expect("fast");
    word_scores_fast(&fast, &m.head, &tok, aligned, 1).expect("scores")
}

#[test]
fn a_compacted_directory_is_smaller_and_scores_like_its_source() {
    let src = tempfile::tempdir().expect("dir");
    let aligned = tiny_model_dir(src.path());
    let dst = tempfile::tempdir().expect("dir");
    let out = dst.path().join("compact");
    // The tiny model's matrices are small: quantise every one of them.
    let options = CompactOptions { min_elements: 64 };
    let report = compact_model_dir(src.path(), &out, &options).expect("compact");
    assert!(report.quantized >= 10, "{report:?}");
    // A quarter for each matrix, plus its scales and the f32 rest.
    assert!(
        report.bytes_after * 10 < report.bytes_before * 6,
        "{report:?}"
    );
    for f in [
        "tweetner-model.json",
        "config.json",
        "tokenizer.json",
        "crf.json",
    ] {
        assert!(out.join(f).is_file(), "{f} not copied");
    }
    let exact = scores(src.path(), &aligned);
    let approx = scores(&out, &aligned);
    let scale = exact.iter().flatten().fold(1e-3f32, |m, v| m.max(v.abs()));
    let mut worst = 0.0f32;
    for (a, b) in exact.iter().zip(&approx) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            worst = worst.max((x - y).abs());
        }
    }
    assert!(worst < 0.05 * scale, "drifted {worst} at scale {scale}");
    assert!(worst > 0.0, "nothing was quantised");

    // The compacted model runs in int8 as loaded; its source does not.
    assert!(is_compacted(&out).expect("header"));
    assert!(!is_compacted(src.path()).expect("header"));
    assert!(crate::TransformerTagger::load(&out)
        .expect("load")
        .is_int8());
    assert!(!crate::TransformerTagger::load(src.path())
        .expect("load")
        .is_int8());

    // Compacting again changes nothing, and an existing model is not overwritten.
    let again = dst.path().join("again");
    let r2 = compact_model_dir(&out, &again, &options).expect("again");
    assert_eq!((r2.quantized, r2.bytes_after), (0, report.bytes_after));
    let e = compact_model_dir(src.path(), &out, &options)
        .expect_err("overwrite")
        .to_string();
    assert!(e.contains("already holds a model"), "{e}");
}

#[test]
fn a_broken_int8_tensor_is_an_error_naming_it_and_the_file() {
    let src = tempfile::tempdir().expect("dir");
    tiny_model_dir(src.path());
    let dst = tempfile::tempdir().expect("dir");
    let out = dst.path().join("compact");
    compact_model_dir(src.path(), &out, &CompactOptions { min_elements: 64 }).expect("compact");
    let weights = out.join(crate::load::WEIGHTS_FILE);
    let bytes = std::fs::read(&weights).expect("read");
    let st = SafeTensors::deserialize(&bytes).expect("parse");
    let victim = "bert.embeddings.word_embeddings.weight_scale";
    assert!(st.names().contains(&victim), "{:?}", st.names());
    // Rewrite the file once without the scales, once with a negative scale.
    let rewrite = |drop: bool| {
        let mut raws: Vec<(String, Raw)> = Vec::new();
        for name in st.names() {
            let v = st.tensor(name).expect("tensor");
            let mut data = v.data().to_vec();
            if name == victim {
                if drop {
                    continue;
                }
                data[..4].copy_from_slice(&(-1.0f32).to_le_bytes());
            }
            raws.push((
                name.to_string(),
                Raw {
                    dtype: v.dtype(),
                    shape: v.shape().to_vec(),
                    data,
                },
            ));
        }
        let views = raws.iter().map(|(n, r)| (n.as_str(), r));
        safetensors::serialize_to_file(views, None, &weights).expect("write");
        load_model_dir(&out, &crate::cpu_device())
            .expect_err("broken")
            .to_string()
    };
    let missing = rewrite(true);
    assert!(
        missing.contains("word_embeddings.weight") && missing.contains("model.safetensors"),
        "{missing}"
    );
    let negative = rewrite(false);
    assert!(negative.contains("row 0 is -1"), "{negative}");
}
