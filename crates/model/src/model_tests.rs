//! End-to-end checks of the BiLSTM-CRF: padding invariance, the fast `f32`
//! path against burn, save/load, training, freezing and input validation.

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};

use crate::testutil::Rng;
use crate::util::tensor_to_vec;
use crate::{
    BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig, FastBiLstmCrf, ModelError, SentenceInput,
    TaggerBatch,
};

const LABELS: [&str; 5] = ["O", "B-a", "I-a", "B-b", "I-b"];

fn config(chars: CharEncoderConfig, layers: usize) -> BiLstmCrfConfig {
    BiLstmCrfConfig {
        word_vocab_size: 30,
        word_dim: 6,
        freeze_word_embeddings: false,
        char_vocab_size: 12,
        char_dim: 4,
        char_encoder: chars,
        max_word_chars: 5,
        dense_dim: 3,
        hidden_size: 7,
        num_layers: layers,
        dropout: 0.3,
        labels: LABELS.iter().map(|s| s.to_string()).collect(),
        bio_constraints: true,
    }
}

fn encoders() -> Vec<CharEncoderConfig> {
    vec![
        CharEncoderConfig::None,
        CharEncoderConfig::Cnn {
            filters: 5,
            kernel_size: 3,
        },
        CharEncoderConfig::Lstm { hidden: 3 },
    ]
}

fn sentence(rng: &mut Rng, len: usize) -> SentenceInput {
    SentenceInput {
        word_ids: (0..len).map(|_| 1 + rng.below(29) as u32).collect(),
        // Some tokens longer than max_word_chars, to exercise the cap.
        char_ids: (0..len)
            .map(|_| {
                (0..1 + rng.below(7))
                    .map(|_| 1 + rng.below(11) as u32)
                    .collect()
            })
            .collect(),
        // Mostly zero, like orthographic and gazetteer columns.
        dense: (0..len)
            .map(|_| {
                let mut row = rng.vec(3, 1.0);
                row.iter_mut()
                    .filter(|_| rng.below(3) > 0)
                    .for_each(|v| *v = 0.0);
                row
            })
            .collect(),
    }
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn predictions_do_not_depend_on_batch_mates() {
    let device = crate::cpu_device();
    let mut rng = Rng::new(1);
    for chars in encoders() {
        let model = BiLstmCrf::new(config(chars, 2), &device).expect("valid config");
        let target = sentence(&mut rng, 4);
        let alone = model
            .predict_sentences(std::slice::from_ref(&target))
            .expect("ok");
        let batch = vec![
            sentence(&mut rng, 9),
            target.clone(),
            SentenceInput::default(),
        ];
        let together = model.predict_sentences(&batch).expect("ok");
        assert_eq!(alone[0].tags, together[1].tags);
        for (a, b) in alone[0]
            .token_marginals
            .iter()
            .zip(&together[1].token_marginals)
        {
            assert!(close(a, b, 1e-5));
        }
        assert!(together[2].tags.is_empty() && together[2].spans.is_empty());
    }
}

#[test]
fn fast_path_matches_burn() {
    let device = crate::cpu_device();
    let mut rng = Rng::new(2);
    for chars in encoders() {
        for layers in [1, 2] {
            let model = BiLstmCrf::new(config(chars.clone(), layers), &device).expect("valid");
            let mut fast = FastBiLstmCrf::from_model(&model).expect("weights readable");
            // Words 0..12 cached, the rest projected per token.
            fast.cache_words(12);
            let sents: Vec<SentenceInput> = [3, 1, 6, 0, 2]
                .iter()
                .map(|&n| sentence(&mut rng, n))
                .collect();
            let batch = model.batch(&sents, &device).expect("valid batch");
            let em = model.emissions(&batch).expect("ok");
            let [_, t, l] = em.dims();
            let em = tensor_to_vec(em).expect("read");
            let fast_em = fast.emissions(&sents).expect("ok");
            let mut row = 0;
            for (b, s) in sents.iter().enumerate() {
                for ti in 0..s.len() {
                    let want = &em[(b * t + ti) * l..(b * t + ti + 1) * l];
                    let got = &fast_em[row * l..(row + 1) * l];
                    assert!(
                        close(got, want, 1e-4),
                        "{chars:?} {layers}: {got:?} vs {want:?}"
                    );
                    row += 1;
                }
            }
            let slow = model.predict(&batch).expect("ok");
            // A batch built without the character cap gives the same result.
            let uncapped = TaggerBatch::from_features(&sents, &device).expect("valid");
            assert_eq!(model.predict(&uncapped).expect("ok"), slow);
            let quick = fast.predict_parallel(&sents, 2).expect("ok");
            assert_eq!(slow.len(), quick.len());
            for (a, b) in slow.iter().zip(&quick) {
                assert_eq!(a.tags, b.tags);
            }
        }
    }
}

/// The first layer's word projections give the same emissions whether they
/// come from the load-time cache or from a matmul per batch.
#[test]
fn cached_and_computed_word_projections_agree() {
    let device = crate::cpu_device();
    let mut rng = Rng::new(7);
    let model = BiLstmCrf::new(config(encoders().remove(0), 1), &device).expect("valid");
    let sents: Vec<SentenceInput> = [5, 2, 8].iter().map(|&n| sentence(&mut rng, n)).collect();
    let mut fast = FastBiLstmCrf::from_model(&model).expect("weights readable");
    let all = fast.emissions(&sents).expect("ok");
    for rows in [0, 1, 17] {
        fast.cache_words(rows);
        let got = fast.emissions(&sents).expect("ok");
        assert!(close(&got, &all, 1e-5), "{rows} cached: {got:?} vs {all:?}");
    }
}

#[test]
fn save_and_load_reproduce_predictions() {
    let device = crate::cpu_device();
    let mut rng = Rng::new(3);
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, chars) in encoders().into_iter().enumerate() {
        let model = BiLstmCrf::new(config(chars, 2), &device).expect("valid");
        let sents: Vec<SentenceInput> = (1..6).map(|n| sentence(&mut rng, n)).collect();
        let path = dir.path().join(format!("m{i}"));
        model.save(&path).expect("saved");
        let loaded = BiLstmCrf::load(&path, &device).expect("loaded");
        assert_eq!(loaded.config, model.config);
        let a = model.predict_sentences(&sents).expect("ok");
        let b = loaded.predict_sentences(&sents).expect("ok");
        assert_eq!(a, b);
        // A fresh model (different random weights) does not, so loading did something.
        let fresh = BiLstmCrf::new(loaded.config.clone(), &device).expect("valid");
        assert_ne!(fresh.predict_sentences(&sents).expect("ok"), a);
    }
}

#[test]
fn loading_reports_the_failing_file() {
    let device = crate::cpu_device();
    let dir = tempfile::tempdir().expect("tempdir");
    let err = BiLstmCrf::load(dir.path(), &device).expect_err("no files");
    assert!(matches!(err, ModelError::Io { ref path, .. } if path.ends_with("config.json")));
    std::fs::write(dir.path().join("config.json"), "{ not json").expect("write");
    let err = BiLstmCrf::load(dir.path(), &device).expect_err("bad json");
    assert!(err.to_string().contains("config.json"), "{err}");
    let cfg = serde_json::to_string(&config(CharEncoderConfig::None, 1)).expect("json");
    std::fs::write(dir.path().join("config.json"), cfg).expect("write");
    let err = BiLstmCrf::load(dir.path(), &device).expect_err("no weights");
    assert!(matches!(err, ModelError::Weights { .. }), "{err}");
    // Weights of a differently sized model do not load.
    let other =
        BiLstmCrf::new(config(CharEncoderConfig::Lstm { hidden: 2 }, 2), &device).expect("valid");
    other.save(&dir.path().join("other")).expect("saved");
    std::fs::copy(
        dir.path().join("other").join("weights.safetensors"),
        dir.path().join("weights.safetensors"),
    )
    .expect("copy");
    assert!(BiLstmCrf::load(dir.path(), &device).is_err());
}

/// A toy task the network can only solve by learning from words, characters
/// and context: tag = f(word id), with entity runs. Loss must drop and the
/// model must fit its training set.
#[test]
fn training_fits_a_toy_task() {
    let device = crate::cpu_device().autodiff();
    device.seed(7);
    let mut cfg = config(
        CharEncoderConfig::Cnn {
            filters: 5,
            kernel_size: 3,
        },
        1,
    );
    cfg.dropout = 0.1;
    cfg.hidden_size = 16;
    let mut model = BiLstmCrf::new(cfg, &device).expect("valid");
    let mut rng = Rng::new(11);
    // Words 1..10 are O, 10..20 start entity a (followed by I-a on word 20..25), 25..30 are B-b.
    let mut sents = Vec::new();
    let mut gold = Vec::new();
    for _ in 0..24 {
        let mut s = sentence(&mut rng, 0);
        let mut g = Vec::new();
        while g.len() < 6 {
            let kind = rng.below(3);
            let (w, tags): (Vec<u32>, Vec<usize>) = match kind {
                0 => (vec![1 + rng.below(9) as u32], vec![0]),
                1 => (
                    vec![10 + rng.below(10) as u32, 20 + rng.below(5) as u32],
                    vec![1, 2],
                ),
                _ => (vec![25 + rng.below(5) as u32], vec![3]),
            };
            for (wi, ti) in w.into_iter().zip(tags) {
                s.word_ids.push(wi);
                s.char_ids.push(vec![1 + (wi % 11)]);
                s.dense.push(vec![0.0; 3]);
                g.push(ti);
            }
        }
        sents.push(s);
        gold.push(g);
    }
    let batch = model.batch(&sents, &device).expect("valid");
    // Gradient clipping as the trainer will use it.
    let mut optim = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
        .init();
    let mut losses = Vec::new();
    for _ in 0..60 {
        let loss = model.forward_loss(&batch, &gold).expect("ok");
        losses.push(tensor_to_vec(loss.clone()).expect("read")[0]);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.02, model, grads);
    }
    assert!(losses[59] < 0.2 * losses[0], "{losses:?}");
    let preds = model.predict(&batch).expect("ok");
    let correct: usize = preds
        .iter()
        .zip(&gold)
        .map(|(p, g)| p.tags.iter().zip(g).filter(|(a, b)| a == b).count())
        .sum();
    let total: usize = gold.iter().map(Vec::len).sum();
    assert!(correct as f32 >= 0.95 * total as f32, "{correct}/{total}");
}

#[test]
fn frozen_embeddings_do_not_move() {
    let device = crate::cpu_device().autodiff();
    let mut rng = Rng::new(4);
    for freeze in [true, false] {
        let mut cfg = config(CharEncoderConfig::None, 1);
        cfg.freeze_word_embeddings = freeze;
        let pretrained = rng.vec(30 * 6, 1.0);
        let mut model = BiLstmCrf::new(cfg, &device)
            .expect("valid")
            .with_pretrained_words(pretrained.clone())
            .expect("right size");
        assert_eq!(
            tensor_to_vec(model.word_embedding.weight.val()).expect("read"),
            pretrained
        );
        let sents: Vec<SentenceInput> = (1..5).map(|n| sentence(&mut rng, n)).collect();
        let gold: Vec<Vec<usize>> = sents.iter().map(|s| vec![0; s.len()]).collect();
        let batch = model.batch(&sents, &device).expect("valid");
        let mut optim = AdamConfig::new().init();
        for _ in 0..3 {
            let loss = model.forward_loss(&batch, &gold).expect("ok");
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(0.05, model, grads);
        }
        let after = tensor_to_vec(model.word_embedding.weight.val()).expect("read");
        assert_eq!(after == pretrained, freeze, "freeze = {freeze}");
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let device = crate::cpu_device();
    let model =
        BiLstmCrf::new(config(CharEncoderConfig::Lstm { hidden: 2 }, 1), &device).expect("valid");
    let fast = FastBiLstmCrf::from_model(&model).expect("ok");
    let mut rng = Rng::new(5);
    let good = sentence(&mut rng, 3);
    let mut bad_word = good.clone();
    bad_word.word_ids[1] = 30;
    let mut bad_char = good.clone();
    bad_char.char_ids[0] = vec![12];
    let bad_char_copy = bad_char.clone();
    let mut bad_dense = good.clone();
    for row in &mut bad_dense.dense {
        row.push(0.0);
    }
    for bad in [bad_word, bad_char, bad_dense] {
        assert!(model.predict_sentences(std::slice::from_ref(&bad)).is_err());
        assert!(fast.predict(std::slice::from_ref(&bad)).is_err());
    }
    assert!(model.with_pretrained_words(vec![0.0; 5]).is_err());
    let batch = TaggerBatch::from_features(&[good], &device).expect("valid");
    let model = BiLstmCrf::new(config(CharEncoderConfig::None, 1), &device).expect("valid");
    // Without a char encoder, char ids are ignored rather than range-checked.
    assert!(model
        .predict_sentences(std::slice::from_ref(&bad_char_copy))
        .is_ok());
    assert!(model.forward_loss(&batch, &[vec![0, 0]]).is_err());
    assert!(model.forward_loss(&batch, &[]).is_err());
    let mut cfg = config(
        CharEncoderConfig::Cnn {
            filters: 3,
            kernel_size: 2,
        },
        1,
    );
    assert!(matches!(
        BiLstmCrf::new(cfg.clone(), &device),
        Err(ModelError::Config(_))
    ));
    cfg.char_encoder = CharEncoderConfig::None;
    cfg.num_layers = 3;
    assert!(BiLstmCrf::new(cfg.clone(), &device).is_err());
    cfg.num_layers = 1;
    cfg.labels.clear();
    assert!(BiLstmCrf::new(cfg, &device).is_err());
}

#[test]
fn autodiff_model_predicts_like_its_plain_copy() {
    let device = crate::cpu_device().autodiff();
    let mut rng = Rng::new(6);
    let model = BiLstmCrf::new(
        config(
            CharEncoderConfig::Cnn {
                filters: 4,
                kernel_size: 3,
            },
            1,
        ),
        &device,
    )
    .expect("valid");
    let sents: Vec<SentenceInput> = (1..4).map(|n| sentence(&mut rng, n)).collect();
    let batch = model.batch(&sents, &device).expect("valid");
    let a = model.predict(&batch).expect("ok");
    let b = model.valid().predict_sentences(&sents).expect("ok");
    assert_eq!(a, b);
}

#[test]
fn config_json_roundtrip() {
    let cfg = config(
        CharEncoderConfig::Cnn {
            filters: 5,
            kernel_size: 3,
        },
        2,
    );
    let json = serde_json::to_string(&cfg).expect("json");
    assert!(json.contains("\"kind\":\"cnn\""));
    let back: BiLstmCrfConfig = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, cfg);
}
