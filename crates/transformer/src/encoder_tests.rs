//! Encoder tests on tiny randomly initialised BERT and MPNet configs.

use burn::tensor::Tensor;

use crate::encoder::Encoder;
use crate::export::{write_safetensors, NamedTensor};
use crate::load::load_weights;
use crate::testutil::{tiny_config, Rng};
use crate::TransformerError;

const VOCAB: usize = 50;

fn to_vec(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().expect("read tensor")
}

fn random_rows(rng: &mut Rng, lengths: &[usize]) -> Vec<Vec<u32>> {
    // Ids from 2 up, so no row contains either architecture's padding id.
    lengths
        .iter()
        .map(|&l| (0..l).map(|_| 2 + rng.below(VOCAB - 2) as u32).collect())
        .collect()
}

fn tiny(arch: &str) -> Encoder {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = tiny_config(dir.path(), arch, VOCAB);
    Encoder::new(config, &crate::cpu_device()).expect("tiny encoder")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn forward_shapes_and_finite_outputs() {
    let device = crate::cpu_device();
    for arch in ["bert", "mpnet"] {
        let enc = tiny(arch);
        assert_eq!(enc.relative_attention_bias.is_some(), arch == "mpnet");
        assert_eq!(enc.embeddings.token_type.is_some(), arch == "bert");
        let rows = random_rows(&mut Rng::new(1), &[5, 3, 7]);
        let input = enc.input(&rows, &device).expect("input");
        let out = enc.forward(&input);
        assert_eq!(out.dims(), [3, 7, 16], "{arch}");
        let values = to_vec(out);
        assert!(values.iter().all(|v| v.is_finite()), "{arch}");
        // Post-LN with unit gamma and zero beta: each real state has mean 0, variance ~1.
        let state = &values[..16];
        let mean = state.iter().sum::<f32>() / 16.0;
        let var = state.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 16.0;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-2,
            "{arch}: {mean} {var}"
        );
    }
}

/// Real tokens' states must not depend on how much padding their row gets or
/// on which other rows share the batch.
#[test]
fn padding_does_not_change_real_tokens() {
    let device = crate::cpu_device();
    for arch in ["bert", "mpnet"] {
        let enc = tiny(arch);
        let mut rng = Rng::new(7);
        let rows = random_rows(&mut rng, &[4, 9, 1]);
        let batched = to_vec(enc.forward(&enc.input(&rows, &device).expect("input")));
        // Widen the padding further with an extra, longer row.
        let mut wider = rows.clone();
        wider.extend(random_rows(&mut rng, &[15]));
        let wide = to_vec(enc.forward(&enc.input(&wider, &device).expect("input")));
        for (r, row) in rows.iter().enumerate() {
            let alone = to_vec(
                enc.forward(
                    &enc.input(std::slice::from_ref(row), &device)
                        .expect("input"),
                ),
            );
            let n = row.len() * 16;
            let in_batch = &batched[r * 9 * 16..r * 9 * 16 + n];
            let in_wide = &wide[r * 15 * 16..r * 15 * 16 + n];
            assert!(max_abs_diff(&alone, in_batch) < 1e-5, "{arch} row {r}");
            assert!(
                max_abs_diff(&alone, in_wide) < 1e-5,
                "{arch} row {r} (wide)"
            );
        }
    }
}

/// Word order must matter (positions are used), and for MPNet the relative
/// bias table must reach the output.
#[test]
fn positions_and_relative_bias_reach_the_output() {
    let device = crate::cpu_device();
    for arch in ["bert", "mpnet"] {
        let enc = tiny(arch);
        let row = vec![5u32, 6, 7, 8];
        let rev: Vec<u32> = row.iter().rev().copied().collect();
        let a = to_vec(
            enc.forward(
                &enc.input(std::slice::from_ref(&row), &device)
                    .expect("input"),
            ),
        );
        let b = to_vec(enc.forward(&enc.input(&[rev], &device).expect("input")));
        // Token 5 sits first in `row` and last in `rev`.
        assert!(max_abs_diff(&a[..16], &b[3 * 16..]) > 1e-3, "{arch}");
        if let Some(table) = &enc.relative_attention_bias {
            // A bias that grows with the bucket index (a per-head constant
            // would cancel in the softmax).
            let [buckets, heads] = table.weight.dims();
            let ramp: Vec<f32> = (0..buckets * heads)
                .map(|i| (i / heads) as f32 * 0.3)
                .collect();
            let mut new_table = table.clone();
            new_table.weight = burn::module::Param::from_tensor(Tensor::from_data(
                burn::tensor::TensorData::new(ramp, [buckets, heads]),
                &device,
            ));
            let mut changed = enc.clone();
            changed.relative_attention_bias = Some(new_table);
            let c = to_vec(
                changed.forward(
                    &changed
                        .input(std::slice::from_ref(&row), &device)
                        .expect("input"),
                ),
            );
            assert!(max_abs_diff(&a, &c) > 1e-3);
        }
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let device = crate::cpu_device();
    let enc = tiny("mpnet");
    let cases: Vec<(Vec<Vec<u32>>, &str)> = vec![
        (vec![], "empty batch"),
        (vec![vec![3], vec![]], "row 1 is empty"),
        (vec![vec![3, VOCAB as u32]], "outside the vocabulary"),
        // MPNet positions start at pad + 1 = 2, so 40 rows of table hold 38 tokens.
        (vec![vec![3; 39]], "at most 38"),
    ];
    for (rows, needle) in cases {
        let err = enc.input(&rows, &device).expect_err(needle).to_string();
        assert!(err.contains(needle), "{err}");
    }
    assert!(enc.input(&[vec![3; 38]], &device).is_ok());
}

/// Exporting under HF names and loading back must reproduce the encoder
/// exactly, with or without a task-model prefix on the names.
#[test]
fn hf_export_and_load_round_trip() {
    let device = crate::cpu_device();
    let dir = tempfile::tempdir().expect("tempdir");
    for arch in ["bert", "mpnet"] {
        let enc = tiny(arch);
        let rows = random_rows(&mut Rng::new(3), &[6, 2]);
        let want = to_vec(enc.forward(&enc.input(&rows, &device).expect("input")));
        for prefix in ["", "bert.", "mpnet."] {
            let mut tensors = enc.hf_tensors(prefix).expect("export");
            // A task head and a pooler next to the encoder are ignored.
            tensors.push(NamedTensor {
                name: "classifier.weight".into(),
                shape: vec![3, 16],
                values: vec![0.5; 48],
            });
            let path = dir.path().join(format!("{arch}{prefix}model.safetensors"));
            write_safetensors(&tensors, &path).expect("write");
            let loaded = load_weights(enc.config.clone(), &path, &device).expect("load");
            let got = to_vec(loaded.forward(&loaded.input(&rows, &device).expect("input")));
            assert_eq!(want, got, "{arch} with prefix {prefix:?}");
        }
        // Linear weights are stored [out, in] in the file.
        let q = enc.hf_tensors("").expect("export");
        let ffn = q
            .iter()
            .find(|t| t.name == "encoder.layer.0.intermediate.dense.weight")
            .expect("ffn weight");
        assert_eq!(ffn.shape, vec![24, 16]);
    }
}

#[test]
fn load_errors_name_the_file_and_tensor() {
    let device = crate::cpu_device();
    let dir = tempfile::tempdir().expect("tempdir");
    let enc = tiny("bert");
    let all = enc.hf_tensors("").expect("export");
    let path = dir.path().join("model.safetensors");

    let missing: Vec<NamedTensor> = all
        .iter()
        .filter(|t| t.name != "encoder.layer.1.attention.self.key.bias")
        .cloned()
        .collect();
    write_safetensors(&missing, &path).expect("write");
    let err = load_weights(enc.config.clone(), &path, &device).expect_err("missing");
    assert!(matches!(err, TransformerError::Weights { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("model.safetensors") && msg.contains("layer.1.attention.self.key.bias"),
        "{msg}"
    );

    let mut reshaped = all.clone();
    if let Some(t) = reshaped
        .iter_mut()
        .find(|t| t.name.ends_with("word_embeddings.weight"))
    {
        t.shape = vec![VOCAB / 2, 32];
    }
    write_safetensors(&reshaped, &path).expect("write");
    let msg = load_weights(enc.config.clone(), &path, &device)
        .expect_err("shape")
        .to_string();
    assert!(
        msg.contains("word_embeddings") && msg.contains("[25, 32]"),
        "{msg}"
    );

    let mut poisoned = all.clone();
    poisoned[3].values[0] = f32::NAN;
    write_safetensors(&poisoned, &path).expect("write");
    let msg = load_weights(enc.config.clone(), &path, &device)
        .expect_err("nan")
        .to_string();
    assert!(msg.contains("non-finite"), "{msg}");

    std::fs::write(&path, b"not a checkpoint").expect("write");
    let msg = load_weights(enc.config.clone(), &path, &device)
        .expect_err("garbage")
        .to_string();
    assert!(msg.contains("not a safetensors file"), "{msg}");
    let msg = load_weights(enc.config.clone(), &dir.path().join("absent"), &device)
        .expect_err("absent")
        .to_string();
    assert!(msg.contains("absent"), "{msg}");
}

/// A loaded encoder on the autodiff device must be trainable end to end:
/// gradients reach the bottom layer, the embeddings and MPNet's shared bias
/// table, and dropout is active only there.
#[test]
fn loaded_encoder_trains_on_the_autodiff_device() {
    use burn::optim::GradientsParams;
    let dir = tempfile::tempdir().expect("tempdir");
    let device = crate::cpu_device().autodiff();
    for arch in ["bert", "mpnet"] {
        let enc = tiny(arch);
        let path = dir.path().join(format!("{arch}.safetensors"));
        write_safetensors(&enc.hf_tensors("").expect("export"), &path).expect("write");
        let mut config = enc.config.clone();
        config.hidden_dropout_prob = 0.0;
        config.attention_probs_dropout_prob = 0.0;
        let enc = load_weights(config, &path, &device).expect("load on autodiff device");
        let rows = random_rows(&mut Rng::new(5), &[6, 3]);
        let out = enc.forward(&enc.input(&rows, &device).expect("input"));
        let loss = (out.clone() * out.clone().sin()).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &enc);
        let norm = |id| -> f32 {
            let g: Tensor<2> = grads.get(id).expect("gradient present");
            g.abs().sum().into_scalar::<f32>()
        };
        assert!(
            norm(enc.layers[0].attention.query.weight.id) > 0.0,
            "{arch}"
        );
        assert!(norm(enc.embeddings.word.weight.id) > 0.0, "{arch}");
        if let Some(table) = &enc.relative_attention_bias {
            assert!(norm(table.weight.id) > 0.0);
        }
    }
    // With dropout on, two autodiff forwards differ; on the plain device they agree.
    let enc = tiny("bert");
    let rows = random_rows(&mut Rng::new(6), &[5]);
    let plain = crate::cpu_device();
    let a = to_vec(enc.forward(&enc.input(&rows, &plain).expect("input")));
    let b = to_vec(enc.forward(&enc.input(&rows, &plain).expect("input")));
    assert_eq!(a, b);
    let path = dir.path().join("dropout.safetensors");
    write_safetensors(&enc.hf_tensors("").expect("export"), &path).expect("write");
    let train = load_weights(enc.config.clone(), &path, &device).expect("load");
    let c = to_vec(train.forward(&train.input(&rows, &device).expect("input")));
    let d = to_vec(train.forward(&train.input(&rows, &device).expect("input")));
    assert!(max_abs_diff(&c, &d) > 1e-3);
}
