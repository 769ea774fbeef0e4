//! Writing a model directory and loading it back as a tagger.

use std::fs;
use std::path::Path;

use tweetner_features::gazetteer::GazetteerBuilder;
use tweetner_features::{FeatureConfig, FeatureExtractor};
use tweetner_model::burn::tensor::Device;
use tweetner_model::{BiLstmCrf, BiLstmCrfConfig, CharEncoderConfig, FastBiLstmCrf};
use tweetner_tagger::{
    load_model, model_info, predict_batched, to_input, write_model, ModelCard, ModelManifest,
    NeuralTagger, Tagger, WeightPrecision, MANIFEST_FILE, WEIGHTS_FILE,
};

fn tweets() -> Vec<Vec<String>> {
    [
        "RT @bob : I love New York !",
        "new york is big , bob",
        "Watching #Lost with Mary 2day http://t.co/x :)",
        "Mary and Bob went to Paris and London for the weekend",
        "lol",
        "",
        "the Yankees beat the Red Sox at Fenway Park last night , great game",
    ]
    .iter()
    .map(|t| t.split_whitespace().map(str::to_string).collect())
    .collect()
}

fn extractor() -> FeatureExtractor {
    let mut g = GazetteerBuilder::new(4);
    g.add_group("geo-loc", ["New York", "Paris", "London"]);
    g.add_group("person", ["mary"]);
    let config = FeatureConfig {
        max_word_chars: 12,
        ..FeatureConfig::default()
    };
    FeatureExtractor::build(&tweets(), None, Some(g.build()), config)
}

fn network(fx: &FeatureExtractor, chars: CharEncoderConfig) -> BiLstmCrf {
    let labels = ["O", "B-person", "I-person", "B-geo-loc", "I-geo-loc"];
    let config = BiLstmCrfConfig {
        word_vocab_size: fx.word_vocab.len(),
        word_dim: 8,
        freeze_word_embeddings: false,
        char_vocab_size: fx.char_vocab.len(),
        char_dim: 5,
        char_encoder: chars,
        max_word_chars: 12,
        dense_dim: fx.dense_dim(),
        hidden_size: 6,
        num_layers: 2,
        dropout: 0.5,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        bio_constraints: true,
    };
    let device = Device::default();
    device.seed(7);
    BiLstmCrf::new(config, &device).expect("valid config")
}

fn cnn() -> CharEncoderConfig {
    CharEncoderConfig::Cnn {
        filters: 7,
        kernel_size: 3,
    }
}

fn reference(net: &BiLstmCrf, fx: &FeatureExtractor) -> Vec<Vec<String>> {
    let fast = FastBiLstmCrf::from_model(net).expect("fast copy");
    tweets()
        .iter()
        .map(|t| {
            if t.is_empty() {
                return Vec::new();
            }
            let p = fast.tag_inputs(&[to_input(fx.extract(t))]).expect("tag");
            p[0].tags.clone()
        })
        .collect()
}

#[test]
fn written_directory_loads_and_tags_like_the_network() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fx = extractor();
    for chars in [cnn(), CharEncoderConfig::Lstm { hidden: 4 }] {
        let net = network(&fx, chars);
        write_model(dir.path(), "toy", &net, &fx, WeightPrecision::F32).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(WEIGHTS_FILE))
                .expect("weights")
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "weights not readable by others: {mode:o}"
            );
        }
        let tagger = load_model(dir.path()).expect("load");
        assert_eq!(tagger.labels(), net.config.labels.as_slice());
        let out = tagger.tag_batch(&tweets()).expect("tag");
        let got: Vec<Vec<String>> = out.iter().map(|t| t.tags.clone()).collect();
        assert_eq!(got, reference(&net, &fx));
        for (t, o) in tweets().iter().zip(&out) {
            assert_eq!(o.tags.len(), t.len());
            assert_eq!(o.token_scores.len(), t.len());
            assert!(o.token_scores.iter().all(|s| (0.0..=1.0).contains(s)));
        }
    }
}

#[test]
fn batching_and_threads_do_not_change_results_or_order() {
    let fx = extractor();
    let net = network(&fx, cnn());
    let fast = FastBiLstmCrf::from_model(&net).expect("fast");
    let inputs: Vec<_> = tweets()
        .iter()
        .cycle()
        .take(40)
        .map(|t| to_input(fx.extract(t)))
        .collect();
    let one = predict_batched(&fast, &inputs, 1, 1).expect("batch 1");
    for (bs, th) in [(3, 1), (64, 1), (4, 3), (2, 8)] {
        let other = predict_batched(&fast, &inputs, bs, th).expect("batched");
        assert_eq!(other.len(), one.len());
        for (a, b) in one.iter().zip(&other) {
            assert_eq!(a.tags, b.tags, "batch {bs} threads {th}");
            assert!((a.path_log_prob - b.path_log_prob).abs() < 1e-4);
        }
    }
    let tagger = NeuralTagger::from_parts("x", fx, fast)
        .expect("fits")
        .with_threads(2)
        .with_batch_size(2);
    let out = tagger.tag_batch(&tweets()).expect("tag");
    assert_eq!(out.len(), tweets().len());
    assert!(out[5].tags.is_empty());
}

#[test]
fn half_precision_embeddings_shrink_the_file_and_stay_close() {
    let fx = extractor();
    let net = network(&fx, cnn());
    let (d32, d16) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let b32 = write_model(d32.path(), "a", &net, &fx, WeightPrecision::F32).expect("f32");
    let b16 = write_model(d16.path(), "a", &net, &fx, WeightPrecision::F16Embeddings).expect("f16");
    assert!(b16 < b32, "{b16} >= {b32}");
    let manifest = ModelManifest::read(d16.path()).expect("manifest");
    assert_eq!(manifest.weights.precision, WeightPrecision::F16Embeddings);
    let t16 = NeuralTagger::load(d16.path()).expect("load f16");
    let t32 = NeuralTagger::load(d32.path()).expect("load f32");
    let (p16, p32) = (
        t16.predict(&tweets()).expect("p16"),
        t32.predict(&tweets()).expect("p32"),
    );
    for (a, b) in p16.iter().zip(&p32) {
        for (ra, rb) in a.token_marginals.iter().zip(&b.token_marginals) {
            for (x, y) in ra.iter().zip(rb) {
                assert!((x - y).abs() < 0.02, "{x} vs {y}");
            }
        }
    }
}

#[test]
fn the_same_network_writes_the_same_bytes() {
    // The store lists its metadata from a hash map; five writes of three keys all agreeing
    // by chance is a 1-in-1,296 event, so this fails if the order is not fixed.
    let fx = extractor();
    let net = network(&fx, cnn());
    let write = || {
        let d = tempfile::tempdir().expect("dir");
        write_model(d.path(), "a", &net, &fx, WeightPrecision::F16Embeddings).expect("write");
        fs::read(d.path().join(WEIGHTS_FILE)).expect("weights")
    };
    let first = write();
    let (_, header) = safetensors_header(&first);
    let keys: Vec<&String> = header["__metadata__"]
        .as_object()
        .expect("metadata")
        .keys()
        .collect();
    assert!(keys.len() >= 2, "{keys:?}");
    for _ in 0..4 {
        assert!(write() == first, "weights files differ between writes");
    }
}

fn edit_manifest(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join(MANIFEST_FILE);
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&p).expect("read")).expect("json");
    f(&mut v);
    fs::write(&p, serde_json::to_string(&v).expect("ser")).expect("write");
}

#[test]
fn broken_directories_are_errors_naming_the_problem() {
    let fx = extractor();
    let net = network(&fx, cnn());
    let err = |dir: &Path| match load_model(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    };
    let fresh = || {
        let d = tempfile::tempdir().expect("dir");
        write_model(d.path(), "m", &net, &fx, WeightPrecision::F32).expect("write");
        d
    };

    let empty = tempfile::tempdir().expect("dir");
    assert!(err(empty.path()).contains("not a tweetner model directory"));

    let d = fresh();
    edit_manifest(d.path(), |v| v["kind"] = "no-such-kind".into());
    assert!(err(d.path()).contains("unknown model kind"));

    let d = fresh();
    edit_manifest(d.path(), |v| v["format"] = 99.into());
    assert!(err(d.path()).contains("format 99"));

    let d = fresh();
    edit_manifest(d.path(), |v| v["features"]["word_vocab_size"] = 3.into());
    assert!(err(d.path()).contains("word vocabulary"));

    let d = fresh();
    fs::remove_file(d.path().join(WEIGHTS_FILE)).expect("rm");
    assert!(err(d.path()).contains(WEIGHTS_FILE));

    let d = fresh();
    fs::write(d.path().join(WEIGHTS_FILE), b"not safetensors").expect("write");
    assert!(err(d.path()).contains(WEIGHTS_FILE));

    let d = fresh();
    fs::write(d.path().join(MANIFEST_FILE), "{ \"format\": ").expect("write");
    assert!(err(d.path()).contains(MANIFEST_FILE));

    let d = fresh();
    edit_manifest(d.path(), |v| v["temperature"] = 0.0.into());
    let e = err(d.path());
    assert!(
        e.contains("temperature 0") && e.contains(MANIFEST_FILE),
        "{e}"
    );
}

#[test]
fn manifest_temperature_rescales_scores_but_not_tags() {
    let fx = extractor();
    let net = network(&fx, cnn());
    let d = tempfile::tempdir().expect("dir");
    write_model(d.path(), "m", &net, &fx, WeightPrecision::F32).expect("write");
    let manifest = fs::read_to_string(d.path().join(MANIFEST_FILE)).expect("read");
    assert!(
        !manifest.contains("temperature"),
        "t = 1 is left out, so older builds read new directories"
    );
    let base = load_model(d.path())
        .expect("load")
        .tag_batch(&tweets())
        .expect("tag");
    for t in [0.5, 3.0] {
        edit_manifest(d.path(), |v| v["temperature"] = t.into());
        let out = load_model(d.path())
            .expect("load")
            .tag_batch(&tweets())
            .expect("tag");
        let mut changed = false;
        for (a, b) in base.iter().zip(&out) {
            assert_eq!(a.tags, b.tags, "t {t}");
            changed |= a.token_scores != b.token_scores;
            assert!(b.token_scores.iter().all(|s| (0.0..=1.0).contains(s)));
        }
        assert!(changed, "t {t} left every score as it was");
    }
}

#[test]
fn model_info_reads_card_without_weights() {
    let fx = extractor();
    let net = network(&fx, cnn());
    let d = tempfile::tempdir().expect("dir");
    write_model(d.path(), "toy", &net, &fx, WeightPrecision::F32).expect("write");
    let info = model_info(d.path()).expect("info");
    assert_eq!(info.name, "toy");
    assert_eq!(info.kind, "bilstm-crf");
    assert!(info.card.is_none());
    let card = ModelCard {
        name: "toy".into(),
        best_epoch: Some(3),
        final_model: true,
        ..ModelCard::default()
    };
    card.write(d.path()).expect("card");
    fs::remove_file(d.path().join(WEIGHTS_FILE)).expect("rm");
    let info = model_info(d.path()).expect("info without weights");
    assert_eq!(info.card.as_ref().and_then(|c| c.best_epoch), Some(3));
    assert_eq!(info.labels, net.config.labels);
    let md = fs::read_to_string(d.path().join("MODEL_CARD.md")).expect("md");
    assert!(md.contains("Final model"), "{md}");
    assert_eq!(info.score_temperature, 1.0);
    edit_manifest(d.path(), |v| v["temperature"] = 1.5.into());
    assert_eq!(model_info(d.path()).expect("info").score_temperature, 1.5);
}

/// The length and JSON of a safetensors file's header.
fn safetensors_header(bytes: &[u8]) -> (usize, serde_json::Value) {
    let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = serde_json::from_slice(&bytes[8..8 + len]).expect("header");
    (len, header)
}

/// Overwrite the first value of the output layer's weight with `value`.
fn poke_output_weight(path: &Path, value: f32) {
    let mut bytes = fs::read(path).expect("weights");
    let (len, header) = safetensors_header(&bytes);
    let (name, entry) = header
        .as_object()
        .expect("object")
        .iter()
        .find(|(k, _)| k.starts_with("output.") && k.ends_with("weight"))
        .expect("an output weight");
    assert_eq!(entry["dtype"], "F32", "{name} is stored as f32");
    let start = entry["data_offsets"][0].as_u64().expect("offset") as usize;
    let at = 8 + len + start;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    fs::write(path, bytes).expect("write");
}

/// Issue 16: "a NaN in the weights loads and gives every text one entity with
/// score 1.0 (`"score":null` over HTTP) while `/readyz` says ready".
#[test]
fn nan_or_infinite_weights_are_refused_at_load() {
    let fx = extractor();
    let net = network(&fx, cnn());
    for (value, what) in [(f32::NAN, "NaN"), (f32::INFINITY, "inf")] {
        let d = tempfile::tempdir().expect("dir");
        write_model(d.path(), "tiny", &net, &fx, WeightPrecision::F32).expect("write");
        assert!(load_model(d.path()).is_ok(), "the intact copy loads");
        poke_output_weight(&d.path().join(WEIGHTS_FILE), value);
        let err = match load_model(d.path()) {
            Ok(_) => panic!("{what} weights loaded"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("NaN or infinite") && err.contains(WEIGHTS_FILE),
            "{what}: {err}"
        );
    }
}
