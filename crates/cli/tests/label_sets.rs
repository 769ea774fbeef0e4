//! Models of other label sets than WNUT-16's, end to end through the binary:
//! a tiny BiLSTM-CRF and a tiny BERT+CRF (written by the test, no download)
//! trained on BTC (PER/LOC/ORG) and on TweetNER7 (7 types) with
//! `labels = "from-data"`, then evaluated, used to tag and served.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{bin, copy_dir, free_port, head_sentences, run, shared, stderr, stdout, KillOnDrop};

/// The two model kinds a round trip trains.
#[derive(Clone, Copy, Debug)]
enum Kind {
    BiLstm,
    Transformer,
}

/// The words of a CoNLL file (first column), for the tiny encoder's vocabulary.
fn conll_tokens(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read");
    text.split("\n\n")
        .map(|s| {
            s.lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        })
        .collect()
}

/// A tiny transformer config on `train`/`dev`, its encoder written next to it.
fn tiny_transformer_config(dir: &Path, train: &Path, dev: &Path) -> PathBuf {
    let enc = dir.join("encoder");
    std::fs::create_dir_all(&enc).expect("mkdir");
    let mut texts = conll_tokens(train);
    texts.extend(conll_tokens(dev));
    tweetner_transformer::tiny::write_tiny_bert(&enc, &texts, 7).expect("tiny encoder");
    let text = format!(
        r#"model = "transformer"
seed = 3
[data]
train = "{}"
dev = "{}"
labels = "from-data"
[encoder]
path = "{}"
[head]
kind = "crf"
max_length = 64
overlap = 16
[train]
epochs = 2
batch_size = 8
lr_encoder = 1e-3
lr_head = 5e-3
threads = 1
patience = 0
[output]
dir = "out"
"#,
        train.display(),
        dev.display(),
        enc.display()
    );
    let path = dir.join("tiny-transformer.toml");
    std::fs::write(&path, text).expect("config");
    path
}

fn tiny_config(dir: &Path, train: &Path, dev: &Path) -> PathBuf {
    let text = format!(
        r#"seed = 3
[data]
train = "{}"
dev = "{}"
labels = "from-data"
[embeddings]
path = "none"
[features]
max_word_chars = 12
min_word_count = 1
[model]
word_dim = 12
char_dim = 6
char_filters = 8
hidden = 10
dropout = 0.3
[train]
epochs = 2
batch_size = 8
lr = 0.01
patience = 0
threads = 1
[output]
dir = "out"
"#,
        train.display(),
        dev.display()
    );
    let path = dir.join("tiny.toml");
    std::fs::write(&path, text).expect("config");
    path
}

fn get(port: u16, path: &str) -> Option<String> {
    common::http(port, &format!("GET {path} HTTP/1.1"))
}

/// `/v1/model` of a server on `model`.
fn served_model(model: &Path) -> String {
    let port = free_port();
    let log = model.with_extension("serve.log");
    let child = bin()
        .args(["serve", "--model"])
        .arg(model)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("serve starts");
    let _server = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(r) = get(port, "/v1/model").filter(|r| r.contains("200 OK")) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "server on {} never answered; its log:\n{}",
        model.display(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// Trains, evaluates, tags and serves a model on `train`/`dev`; `types` are
/// the entity types the data uses.
fn round_trip(name: &str, train: &Path, dev: &Path, types: &[&str]) {
    for kind in [Kind::BiLstm, Kind::Transformer] {
        round_trip_of(kind, &format!("{name} {kind:?}"), train, dev, types);
    }
}

fn round_trip_of(kind: Kind, name: &str, train: &Path, dev: &Path, types: &[&str]) {
    let dir = tempfile::tempdir().expect("dir");
    let (tr, dv) = (dir.path().join("train.conll"), dir.path().join("dev.conll"));
    head_sentences(train, &tr, 80);
    head_sentences(dev, &dv, 30);
    let cfg = match kind {
        Kind::BiLstm => tiny_config(dir.path(), &tr, &dv),
        Kind::Transformer => tiny_transformer_config(dir.path(), &tr, &dv),
    };
    let o = run(&["train", "--config", cfg.to_str().expect("utf8"), "--quiet"]);
    assert!(o.status.success(), "{name}: train: {}", stderr(&o));
    let model = dir.path().join("out");

    let labels: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(model.join("labels.json")).expect("labels.json"),
    )
    .expect("labels");
    let mut expected = vec!["O".to_string()];
    let mut sorted = types.to_vec();
    sorted.sort_unstable();
    for t in &sorted {
        expected.push(format!("B-{t}"));
        expected.push(format!("I-{t}"));
    }
    assert_eq!(labels, expected, "{name}: labels come from the data");

    let m = model.to_str().expect("utf8");
    let o = run(&[
        "eval",
        "--model",
        m,
        dv.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{name}: eval: {}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("eval json");
    let scored: Vec<&str> = report["per_type"]
        .as_array()
        .expect("per_type")
        .iter()
        .filter_map(|t| t["ty"].as_str())
        .collect();
    assert!(
        scored.iter().all(|t| types.contains(t)) && !scored.is_empty(),
        "{name}: eval scores the data's types: {scored:?}"
    );

    let o = run(&[
        "tag",
        "--model",
        m,
        "--format",
        "jsonl",
        "Obama met Merkel in Berlin",
    ]);
    assert!(o.status.success(), "{name}: tag: {}", stderr(&o));
    let rec: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("tag json");
    for e in rec["entities"].as_array().expect("entities") {
        let ty = e["type"].as_str().expect("type");
        assert!(types.contains(&ty), "{name}: tagged type {ty}");
    }

    let served = served_model(&model);
    for t in types {
        assert!(
            served.contains(&format!("\"B-{t}\"")),
            "{name}: /v1/model lacks {t}"
        );
    }
    if let Kind::Transformer = kind {
        let compacted = compacted_copy_tags_and_says_so(name, &model, &dv);
        ensemble_of_two_tags_and_scores(name, &model, &compacted, &dv);
    }
}

/// `models ensemble` of a model and its int8 copy: written with relative
/// paths, scored on dev, usable by `tag`; bad weights and an occupied
/// directory are refused.
fn ensemble_of_two_tags_and_scores(name: &str, a: &Path, b: &Path, dev: &Path) {
    let out = a.with_file_name("out-ensemble");
    let args = |weights: &str| {
        vec![
            "models".to_string(),
            "ensemble".into(),
            a.to_str().expect("utf8").into(),
            b.to_str().expect("utf8").into(),
            "-o".into(),
            out.to_str().expect("utf8").into(),
            "--weights".into(),
            weights.into(),
            "--dev".into(),
            dev.to_str().expect("utf8").into(),
        ]
    };
    let run_args = |v: Vec<String>| run(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run_args(args("1,2,3"));
    assert!(
        !o.status.success() && stderr(&o).contains("3 values for 2 members"),
        "{}",
        stderr(&o)
    );
    let o = run_args(args("2,1"));
    assert!(o.status.success(), "{name}: ensemble: {}", stderr(&o));
    assert!(stdout(&o).contains("dev F1"), "{}", stdout(&o));
    let manifest = std::fs::read_to_string(out.join("tweetner-model.json")).expect("manifest");
    assert!(
        manifest.contains("\"../") && manifest.contains("\"weight\": 2.0"),
        "{manifest}"
    );
    let o = run(&[
        "tag",
        "--model",
        out.to_str().expect("utf8"),
        "--format",
        "jsonl",
        "Obama met Merkel",
    ]);
    assert!(o.status.success(), "{name}: tag ensemble: {}", stderr(&o));
    assert!(stdout(&o).contains("\"entities\""), "{}", stdout(&o));
    let o = run_args(args("1,1"));
    assert!(
        !o.status.success() && stderr(&o).contains("already holds a model"),
        "{}",
        stderr(&o)
    );
}

/// `models compact` of a trained transformer: smaller, re-scored on dev in
/// its card, usable by `tag`, and never written over an existing model.
fn compacted_copy_tags_and_says_so(name: &str, model: &Path, dev: &Path) -> PathBuf {
    let out = model.with_file_name("out-int8");
    let o = run(&[
        "models",
        "compact",
        model.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--min-elements",
        "64",
        "--dev",
        dev.to_str().expect("utf8"),
        "--note",
        "encoder licence: test",
    ]);
    assert!(o.status.success(), "{name}: compact: {}", stderr(&o));
    let said = stdout(&o);
    assert!(
        said.contains("matrices in int8") && said.contains("dev F1"),
        "{said}"
    );
    let size = |d: &Path| {
        std::fs::metadata(d.join("model.safetensors"))
            .expect("weights")
            .len()
    };
    assert!(size(&out) * 2 < size(model), "{name}: not smaller");
    let card = std::fs::read_to_string(out.join("MODEL_CARD.md")).expect("card");
    assert!(
        card.contains("tweetner models compact") && card.contains("encoder licence: test"),
        "{card}"
    );
    let o = run(&[
        "tag",
        "--model",
        out.to_str().expect("utf8"),
        "Obama met Merkel",
    ]);
    assert!(o.status.success(), "{name}: tag compacted: {}", stderr(&o));
    let o = run(&[
        "models",
        "compact",
        model.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("already holds a model"),
        "{}",
        stderr(&o)
    );
    final_model_is_not_rescored_on_dev(&out, dev);
    out
}

/// A card that says `final_model` (dev was trained on) makes `compact --dev`
/// fail before it writes anything.
fn final_model_is_not_rescored_on_dev(model: &Path, dev: &Path) {
    let final_dir = model.with_file_name("out-final");
    copy_dir(model, &final_dir);
    let card_path = final_dir.join("card.json");
    let mut card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&card_path).expect("card")).expect("json");
    card["final_model"] = true.into();
    std::fs::write(&card_path, card.to_string()).expect("write card");
    let out = model.with_file_name("out-final-int8");
    let o = run(&[
        "models",
        "compact",
        final_dir.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--dev",
        dev.to_str().expect("utf8"),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("is a final model"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "a refused compact wrote {}", out.display());
}

#[test]
fn btc_and_tweetner7_models_train_eval_tag_and_serve() {
    let extra = shared().join("data/extra");
    let btc = extra.join("btc");
    if !btc.join("btc.train").is_file() {
        eprintln!("skipping: no BTC data at {}", btc.display());
        return;
    }
    round_trip(
        "btc",
        &btc.join("btc.train"),
        &btc.join("btc.dev"),
        &["PER", "LOC", "ORG"],
    );

    // TweetNER7 is JSON lines: converted to CoNLL by the CLI itself (WNUT-style
    // tokens: its `{@user@}` placeholders hold spaces, which CoNLL cannot).
    let dir = tempfile::tempdir().expect("dir");
    let mut files = Vec::new();
    for split in ["train", "dev"] {
        let src = extra.join(format!("tweetner7/2020.{split}.json"));
        let o = run(&[
            "data",
            "convert",
            src.to_str().expect("utf8"),
            "--input-format",
            "tweetner7",
            "--wnut-style",
        ]);
        assert!(o.status.success(), "convert: {}", stderr(&o));
        let dst = dir.path().join(format!("{split}.conll"));
        std::fs::write(&dst, &o.stdout).expect("write");
        files.push(dst);
    }
    round_trip(
        "tweetner7",
        &files[0],
        &files[1],
        &[
            "corporation",
            "creative_work",
            "event",
            "group",
            "location",
            "person",
            "product",
        ],
    );
}
