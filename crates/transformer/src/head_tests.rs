//! Head, loss, inference and model-directory tests on a tiny random BERT.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Tensor, TensorData};

use crate::encoder::Encoder;
use crate::fast::FastClassifier;
use crate::head::{softmax_cross_entropy, HeadKind, HeadSpec, TokenClassifier};
use crate::modeldir::{load_model_dir, save_model_dir};
use crate::predict::{word_scores, word_scores_fast, Decoder};
use crate::subword::{AlignedSentence, SubwordTokenizer};
use crate::testutil::{tiny_config, tiny_tokenizer, TINY_PIECES};
use crate::window::{PieceLabelling, WindowConfig, IGNORE_INDEX};

fn labels() -> Vec<String> {
    ["O", "B-person", "I-person", "B-geo-loc", "I-geo-loc"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn spec(kind: HeadKind, labelling: PieceLabelling) -> HeadSpec {
    HeadSpec {
        kind,
        labelling,
        dropout: 0.1,
        labels: labels(),
        window: WindowConfig {
            max_length: 12,
            overlap: 3,
            labelling,
        },
        lexicon_dim: 0,
    }
}

fn tweets() -> Vec<Vec<&'static str>> {
    vec![
        vec!["RT", "@user", ":", "Disney", "world", "&lt;", "3"],
        vec!["the", "cats", "sat", "on", "the", "mat", "lovely", "!"],
        // Longer than one 12-token window: cut and stitched.
        vec![
            "the", "cat", "sat", "on", "the", "mat", "the", "cat", "sat", "on", "a", "mat", "!",
        ],
        vec!["#", "love"],
    ]
}

fn gold() -> Vec<Vec<usize>> {
    vec![
        vec![0, 0, 0, 3, 4, 0, 0],
        vec![0, 1, 0, 0, 0, 0, 0, 0],
        vec![0, 1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 3, 0],
        vec![0, 0],
    ]
}

fn setup(dir: &std::path::Path) -> (Encoder, SubwordTokenizer) {
    let config = tiny_config(dir, "bert", 5 + TINY_PIECES.len());
    let tok = SubwordTokenizer::from_file(&tiny_tokenizer(dir)).expect("tokenizer");
    let enc = Encoder::new(config, &crate::cpu_device().autodiff()).expect("encoder");
    (enc, tok)
}

#[test]
fn cross_entropy_ignores_ignored_positions_and_matches_by_hand() {
    let device = crate::cpu_device();
    let logits = vec![
        1.0f32, 2.0, 0.5, // labelled 1
        3.0, -1.0, 0.0, // ignored
        0.0, 0.0, 0.0, // labelled 2
        9.0, 9.0, 9.0, // beyond the row: ignored
    ];
    let labels = vec![vec![1, IGNORE_INDEX, 2]];
    let t = |v: Vec<f32>| Tensor::<3>::from_data(TensorData::new(v, [1, 4, 3]), &device);
    let loss = softmax_cross_entropy(t(logits.clone()), &labels).expect("loss");
    let value = loss.into_data().iter::<f32>().next().expect("scalar");
    let lse = |r: &[f32]| r.iter().map(|x| x.exp()).sum::<f32>().ln();
    let want = ((lse(&logits[0..3]) - 2.0) + (lse(&logits[6..9]) - 0.0)) / 2.0;
    assert!((value - want).abs() < 1e-5, "{value} vs {want}");
    // Changing ignored scores changes nothing.
    let mut other = logits.clone();
    other[3] = -50.0;
    other[10] = 100.0;
    let v2 = softmax_cross_entropy(t(other), &labels)
        .expect("loss")
        .into_data()
        .iter::<f32>()
        .next()
        .expect("scalar");
    assert_eq!(value, v2);
    // All ignored: zero, not NaN; bad labels are errors, not panics.
    let none = softmax_cross_entropy(t(logits.clone()), &[vec![IGNORE_INDEX; 4]]).expect("loss");
    assert_eq!(none.into_data().iter::<f32>().next(), Some(0.0));
    assert!(softmax_cross_entropy(t(logits.clone()), &[vec![7]]).is_err());
    assert!(softmax_cross_entropy(t(logits), &[vec![0; 5]]).is_err());
}

#[test]
fn continuation_labels_and_invalid_specs() {
    let s = spec(HeadKind::Softmax, PieceLabelling::AllPieces);
    assert_eq!(s.continuation(1), 2);
    assert_eq!(s.continuation(2), 2);
    assert_eq!(s.continuation(0), 0);
    assert!(spec(HeadKind::Crf, PieceLabelling::AllPieces)
        .check()
        .is_err());
    let mut bad = spec(HeadKind::Softmax, PieceLabelling::FirstPiece);
    bad.dropout = 1.5;
    assert!(bad.check().is_err());
}

/// Both heads learn a small batch (loss falls), survive a save → load round
/// trip with identical scores and tags, and the directory is a valid
/// token-classification checkpoint.
#[test]
fn heads_train_and_round_trip_through_the_model_directory() {
    let device = crate::cpu_device().autodiff();
    for (kind, labelling) in [
        (HeadKind::Softmax, PieceLabelling::FirstPiece),
        (HeadKind::Softmax, PieceLabelling::AllPieces),
        (HeadKind::Crf, PieceLabelling::FirstPiece),
    ] {
        let src = tempfile::tempdir().expect("dir");
        let (enc, tok) = setup(src.path());
        device.seed(3);
        let mut model = TokenClassifier::new(enc, spec(kind, labelling), &device).expect("head");
        assert_eq!(model.crf.is_some(), kind == HeadKind::Crf);
        let aligned: Vec<_> = tweets()
            .iter()
            .map(|t| tok.tokenize(t).expect("tokenize"))
            .collect();
        let mut optim = AdamConfig::new().init();
        let mut losses = Vec::new();
        for _ in 0..15 {
            let loss = model
                .loss(&aligned, &gold(), &[], &tok, &device)
                .expect("loss");
            losses.push(loss.clone().into_data().iter::<f32>().next().expect("v"));
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        assert!(losses.iter().all(|l| l.is_finite()), "{kind:?}: {losses:?}");
        assert!(
            losses[14] < 0.5 * losses[0],
            "{kind:?} {labelling:?}: {losses:?}"
        );
        // Label ids outside the head are an error.
        assert!(model
            .loss(
                &aligned,
                &[vec![9; 7], vec![], vec![], vec![]],
                &[],
                &tok,
                &device
            )
            .is_err());

        let out = tempfile::tempdir().expect("out");
        let plain = crate::cpu_device();
        let valid = model.valid();
        let before = word_scores(&valid, &tok, &aligned, 2, 1, &plain).expect("scores");
        // The plain-f32 path agrees with burn's.
        let fast = FastClassifier::from_model(&valid).expect("fast");
        for threads in [1, 2] {
            let f = word_scores_fast(&fast, &valid.spec, &tok, &aligned, threads).expect("fast");
            assert_eq!(f.len(), before.len());
            for (a, b) in before.iter().zip(&f) {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() < 1e-4, "{kind:?} fast: {x} vs {y}");
                }
            }
        }
        save_model_dir(out.path(), &valid, src.path(), "tiny").expect("save");
        let (loaded, tok2, manifest) = load_model_dir(out.path(), &plain).expect("load");
        assert_eq!(manifest.head, valid.spec);
        // Batch size and threads do not change scores.
        let after = word_scores(&loaded, &tok2, &aligned, 3, 2, &plain).expect("scores");
        assert_eq!(before.len(), after.len());
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-5, "{kind:?}: {x} vs {y}");
            }
        }
        let (d1, d2) = (
            Decoder::new(&valid).expect("dec"),
            Decoder::new(&loaded).expect("dec"),
        );
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(d1.decode(a).tags, d2.decode(b).tags);
        }
        // Trained to fit: most training words get their gold label back.
        let right: usize = before
            .iter()
            .zip(gold())
            .map(|(s, g)| {
                d1.decode(s)
                    .tags
                    .iter()
                    .zip(&g)
                    .filter(|(p, g)| p == g)
                    .count()
            })
            .sum();
        assert!(right >= 25, "{kind:?}: {right} of 30");

        let config: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join("config.json")).expect("read"),
        )
        .expect("json");
        assert_eq!(config["architectures"][0], "BertForTokenClassification");
        assert_eq!(config["id2label"]["1"], "B-person");
        assert_eq!(config["label2id"]["I-geo-loc"], 4);
        let bytes = std::fs::read(out.path().join("model.safetensors")).expect("read");
        let st = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors");
        assert_eq!(st.tensor("classifier.weight").expect("w").shape(), &[5, 16]);
        assert!(st.tensor("bert.embeddings.word_embeddings.weight").is_ok());
        assert_eq!(out.path().join("crf.json").is_file(), kind == HeadKind::Crf);
    }
}

#[test]
fn a_broken_model_directory_is_an_error_naming_the_file() {
    let d = tempfile::tempdir().expect("dir");
    let e = load_model_dir(d.path(), &crate::cpu_device())
        .unwrap_err()
        .to_string();
    assert!(e.contains("tweetner-model.json"), "{e}");
    std::fs::write(d.path().join("tweetner-model.json"), "{\"format\": 1").expect("write");
    let e = load_model_dir(d.path(), &crate::cpu_device())
        .unwrap_err()
        .to_string();
    assert!(e.contains("tweetner-model.json"), "{e}");
}

/// A random tiny CRF-head model of `arch` with its tokenizer and the test tweets aligned.
fn tiny_crf_model(arch: &str) -> (TokenClassifier, SubwordTokenizer, Vec<AlignedSentence>) {
    let src = tempfile::tempdir().expect("dir");
    let config = tiny_config(src.path(), arch, 5 + TINY_PIECES.len());
    let tok = SubwordTokenizer::from_file(&tiny_tokenizer(src.path())).expect("tokenizer");
    let plain = crate::cpu_device();
    let enc = Encoder::new(config, &plain).expect("encoder");
    let model = TokenClassifier::new(enc, spec(HeadKind::Crf, PieceLabelling::FirstPiece), &plain)
        .expect("head");
    let aligned = tweets()
        .iter()
        .map(|t| tok.tokenize(t).expect("tokenize"))
        .collect();
    (model, tok, aligned)
}

/// MPNet (relative-position bias, no token types) through the fast path too.
#[test]
fn fast_path_matches_burn_for_mpnet() {
    let (model, tok, aligned) = tiny_crf_model("mpnet");
    let plain = crate::cpu_device();
    let slow = word_scores(&model, &tok, &aligned, 4, 1, &plain).expect("burn");
    let fast = FastClassifier::from_model(&model).expect("fast");
    let quick = word_scores_fast(&fast, &model.spec, &tok, &aligned, 1).expect("fast");
    for (a, b) in slow.iter().zip(&quick) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }
}

/// Windows run together ([`FastClassifier::scores_batch`]) score as they do
/// one by one, in f32 and int8, with MPNet's per-window relative bias.
#[test]
fn a_batch_of_windows_scores_like_each_window_alone() {
    let (model, _, _) = tiny_crf_model("mpnet");
    let fast = FastClassifier::from_model(&model).expect("fast");
    let windows: [&[u32]; 4] = [&[0, 5, 9, 2], &[0, 2], &[0, 7, 7, 7, 7, 7, 3, 2], &[]];
    for fast in [fast.clone(), fast.to_int8()] {
        let batch = fast.scores_batch(&windows).expect("batch");
        assert_eq!(batch.len(), windows.len());
        for (ids, got) in windows.iter().zip(&batch) {
            let alone = fast.scores(ids).expect("alone");
            assert_eq!(alone.len(), got.len());
            for (x, y) in alone.iter().zip(got) {
                assert!((x - y).abs() < 1e-5, "{x} vs {y}");
            }
        }
        // A bad id anywhere in the batch is an error, not a panic.
        assert!(fast.scores_batch(&[&[0, 2], &[0, 1_000_000]]).is_err());
    }
}

/// The int8 encoder stays close to the f32 one (it is not exact: that would
/// mean the int8 path never ran), and the tagger reports its stages.
#[test]
fn int8_scores_track_f32_and_the_tagger_profiles_its_stages() {
    let (model, tok, aligned) = tiny_crf_model("bert");
    let fast = FastClassifier::from_model(&model).expect("fast");
    let exact = word_scores_fast(&fast, &model.spec, &tok, &aligned, 1).expect("f32");
    let int8 = fast.to_int8();
    assert!(int8.is_int8());
    let approx = word_scores_fast(&int8, &model.spec, &tok, &aligned, 1).expect("int8");
    let scale = exact
        .iter()
        .flatten()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(1e-3);
    let mut worst = 0.0f32;
    for (a, b) in exact.iter().zip(&approx) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            worst = worst.max((x - y).abs());
        }
    }
    assert!(
        worst < 0.05 * scale,
        "int8 drifted: {worst} vs scale {scale}"
    );
    assert!(worst > 0.0, "int8 scores equal f32 ones exactly");

    let tagger = crate::TransformerTagger::from_parts(model, tok, "tiny".into())
        .expect("tagger")
        .with_int8();
    let sentences: Vec<Vec<String>> = tweets()
        .iter()
        .map(|t| t.iter().map(|w| w.to_string()).collect())
        .collect();
    use tweetner_model::Tagger;
    let stages = tagger.profile(&sentences).expect("profile");
    let names: Vec<&str> = stages.iter().map(|s| s.0).collect();
    assert_eq!(names, ["sub-words", "encoder", "decode"]);
    assert!(stages.iter().all(|s| s.1 >= 0.0));
}

/// The CRF head with entry-list features: the layer starts at zero, learns,
/// survives the model directory, and the tagger refuses to run it without
/// its list (or with a list of another width).
#[test]
fn the_entry_list_layer_learns_round_trips_and_needs_its_list() {
    use std::sync::Arc;
    use tweetner_lexicon::{BuildOptions, Lexicon, Row};

    use crate::head::LexiconScores;
    use crate::tagger::TransformerTagger;

    let lex = Arc::new(
        Lexicon::build(
            [
                Row::new("Disney world", "geo-loc"),
                Row::new("cats", "person"),
            ],
            &BuildOptions::default(),
        )
        .expect("lexicon"),
    );
    let dim = lex.feature_dim();
    let device = crate::cpu_device().autodiff();
    let src = tempfile::tempdir().expect("dir");
    let (enc, tok) = setup(src.path());
    device.seed(5);
    let head = HeadSpec {
        lexicon_dim: dim,
        ..spec(HeadKind::Crf, PieceLabelling::FirstPiece)
    };
    let softmax = HeadSpec {
        lexicon_dim: dim,
        ..spec(HeadKind::Softmax, PieceLabelling::FirstPiece)
    };
    assert!(softmax.check().is_err(), "features need the CRF head");
    let mut model = TokenClassifier::new(enc, head, &device).expect("head");
    let tweets = tweets();
    let aligned: Vec<_> = tweets
        .iter()
        .map(|t| tok.tokenize(t).expect("tokenize"))
        .collect();
    let features: Vec<Vec<f32>> = tweets.iter().map(|t| lex.feature_rows(t)).collect();
    let zero = LexiconScores::of(&model.valid())
        .expect("read")
        .expect("layer");
    let mut probe = vec![0.0f32; 5];
    zero.add_to(&mut probe, &features[0][3 * dim..4 * dim]);
    assert!(probe.iter().all(|&x| x == 0.0), "starts at zero: {probe:?}");
    // Wrong widths are errors, not panics.
    assert!(model
        .loss(&aligned, &gold(), &features[..2], &tok, &device)
        .is_err());
    let mut optim = AdamConfig::new().init();
    for _ in 0..10 {
        let loss = model
            .loss(&aligned, &gold(), &features, &tok, &device)
            .expect("loss");
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    let valid = model.valid();
    let learned = LexiconScores::of(&valid).expect("read").expect("layer");
    let mut moved = vec![0.0f32; 5];
    learned.add_to(&mut moved, &features[0][3 * dim..4 * dim]);
    assert!(moved.iter().any(|&x| x != 0.0), "the layer learned nothing");

    let out = tempfile::tempdir().expect("out");
    save_model_dir(out.path(), &valid, src.path(), "tiny").expect("save");
    let (loaded, tok2, manifest) = load_model_dir(out.path(), &crate::cpu_device()).expect("load");
    assert_eq!(manifest.head.lexicon_dim, dim);
    let again = LexiconScores::of(&loaded).expect("read").expect("layer");
    let mut back = vec![0.0f32; 5];
    again.add_to(&mut back, &features[0][3 * dim..4 * dim]);
    for (a, b) in moved.iter().zip(&back) {
        assert!((a - b).abs() < 1e-6, "{moved:?} vs {back:?}");
    }
    let bare = TransformerTagger::from_parts(loaded, tok2, "tiny".into()).expect("tagger");
    assert!(bare.predict(&tweets).is_err(), "tagged without its list");
    let other = Arc::new(
        Lexicon::build(
            [
                Row::new("a", "movie"),
                Row::new("b", "tvshow"),
                Row::new("c", "product"),
            ],
            &BuildOptions::default(),
        )
        .expect("lexicon"),
    );
    assert_ne!(other.feature_dim(), dim);
    assert!(bare.with_lexicon(other).is_err());
    let (loaded, tok2, _) = load_model_dir(out.path(), &crate::cpu_device()).expect("load");
    let tagger = TransformerTagger::from_parts(loaded, tok2, "tiny".into())
        .expect("tagger")
        .with_lexicon(Arc::clone(&lex))
        .expect("same width");
    assert_eq!(tagger.predict(&tweets).expect("tags").len(), tweets.len());
}
