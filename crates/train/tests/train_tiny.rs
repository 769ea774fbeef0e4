//! End-to-end training on a slice of WNUT-16: model directory, reload, resume, final
//! model and configuration errors. Tiny dims and ~50 sentences keep each run to a few
//! seconds.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tweetner_data::{read_conll, ReadOptions};
use tweetner_eval::evaluate;
use tweetner_tagger::{load_model, model_info, ModelCard, ModelManifest};
use tweetner_train::{train, TrainOptions, CHECKPOINT_DIR};

/// The tensor backend's RNG is process-global: runs that must be reproducible may not
/// overlap with other runs in this test binary.
static SERIAL: Mutex<()> = Mutex::new(());

use tweetner_testdata::wnut16 as wnut;

/// A tiny config in `dir` (written as `name`), training `epochs` epochs into `dir/out`.
fn write_config(dir: &Path, name: &str, epochs: usize, extra: &str) -> PathBuf {
    let text = format!(
        r#"
seed = 11
[data]
train = "{train}"
dev = "{dev}"
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
epochs = {epochs}
batch_size = 8
lr = 0.01
max_train_sentences = 50
max_dev_sentences = 20
patience = 0
threads = 1
[output]
dir = "out"
{extra}
"#,
        train = wnut("train.conll").display(),
        dev = wnut("dev.conll").display(),
    );
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

fn quiet() -> TrainOptions {
    TrainOptions {
        quiet: true,
        ..TrainOptions::default()
    }
}

/// The error of resuming `config`, which the caller expects to fail.
fn resume_error(config: &Path) -> String {
    let opts = TrainOptions {
        resume: true,
        ..quiet()
    };
    train(config, &opts).unwrap_err().to_string()
}

fn dev_slice() -> Vec<tweetner_data::Sentence> {
    let mut dev = read_conll(&wnut("dev.conll"), &ReadOptions::default()).expect("dev");
    dev.truncate(20);
    dev
}

#[test]
fn trains_writes_a_loadable_model_directory() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), "tiny.toml", 2, "");
    let s = train(&cfg, &quiet()).expect("training");
    let out = dir.path().join("out");
    assert_eq!(s.out_dir, out);
    assert_eq!(s.epochs_run, 2);
    assert_eq!(s.history.len(), 2);
    assert!(s
        .history
        .iter()
        .all(|r| r.train_loss.is_finite() && r.dev_f1.is_some()));
    // The loss goes down on a task this small.
    assert!(
        s.history[1].train_loss < s.history[0].train_loss,
        "{:?}",
        s.history
    );
    for f in [
        "tweetner-model.json",
        "weights.safetensors",
        "features.json",
        "labels.json",
        "card.json",
        "MODEL_CARD.md",
        "train-log.jsonl",
        "learning-curves.png",
        "learning-curves.svg",
        "train-config.toml",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    assert!(!out.join(CHECKPOINT_DIR).exists(), "checkpoint left behind");

    // The reloaded model scores the dev slice exactly as the in-memory model did at the
    // kept epoch.
    let best = s.best_epoch.expect("best epoch");
    let in_memory_f1 = s.history[best - 1].dev_f1.expect("dev f1");
    let tagger = load_model(&out).expect("load");
    let dev = dev_slice();
    let sentences: Vec<Vec<String>> = dev.iter().map(|d| d.tokens.clone()).collect();
    let tagged = tagger.tag_batch(&sentences).expect("tag");
    let report = evaluate(
        dev.iter()
            .zip(&tagged)
            .map(|(d, t)| (d.tags.clone(), t.tags.clone())),
    )
    .expect("score");
    assert_eq!(report.f1, in_memory_f1);
    let card = ModelCard::read(&out).expect("card");
    assert_eq!(card.dev.as_ref().map(|d| d.overall.f1), Some(in_memory_f1));
    assert_eq!(card.best_epoch, Some(best));
    assert!(!card.final_model);
    assert!(card
        .data
        .iter()
        .any(|d| d.role == "train" && d.sha256.len() == 64));
    let info = model_info(&out).expect("info");
    assert_eq!(info.labels.len(), 21);
    assert_eq!(info.name, "out");

    // A second run into the same directory is refused only while a checkpoint exists.
    train(&cfg, &quiet()).expect("retrain over a finished run");
}

#[test]
fn a_second_stage_starts_from_the_trained_model() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), "one.toml", 2, "");
    train(&cfg, &quiet()).expect("first stage");
    let first = dir.path().join("out");
    // A learning rate too small to move any weight: the second stage must tag
    // exactly as the first-stage model, which a fresh network would not.
    let text = std::fs::read_to_string(&cfg)
        .expect("read")
        .replace("lr = 0.01", "lr = 1e-30")
        .replace("epochs = 2", "epochs = 1\ninit_from = \"out\"")
        .replace("dir = \"out\"", "dir = \"second\"");
    let two = dir.path().join("two.toml");
    std::fs::write(&two, text).expect("write");
    train(&two, &quiet()).expect("second stage");
    let second = dir.path().join("second");
    let sentences: Vec<Vec<String>> = dev_slice().into_iter().map(|d| d.tokens).collect();
    let tag = |d: &Path| {
        let tagger = load_model(d).expect("load");
        tagger.tag_batch(&sentences).expect("tag")
    };
    let (a, b) = (tag(&first), tag(&second));
    assert!(a.iter().zip(&b).all(|(x, y)| x.tags == y.tags));
    let card = ModelCard::read(&second).expect("card");
    assert!(card
        .data
        .iter()
        .any(|d| d.role == "init" && d.sha256.len() == 64));
    // A directory that is not a model is a clear error.
    let bad = std::fs::read_to_string(&two)
        .expect("read")
        .replace("init_from = \"out\"", "init_from = \"nowhere\"");
    std::fs::write(&two, bad).expect("write");
    let err = train(&two, &quiet()).unwrap_err().to_string();
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn resume_continues_exactly_where_the_run_stopped() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let straight = tempfile::tempdir().expect("dir");
    let cfg = write_config(straight.path(), "a.toml", 2, "");
    let a = train(&cfg, &quiet()).expect("two epochs");

    // One epoch with the checkpoint kept stands in for a run killed after epoch 1.
    let split = tempfile::tempdir().expect("dir");
    let one = write_config(split.path(), "one.toml", 1, "keep_checkpoint = true");
    let first = train(&one, &quiet()).expect("one epoch");
    assert_eq!(first.epochs_run, 1);
    assert!(split.path().join("out").join(CHECKPOINT_DIR).is_dir());
    // The resumed run reads the data from another place (a moved checkout): same
    // contents, so the checkpoint is accepted.
    let moved = split.path().join("moved");
    std::fs::create_dir(&moved).expect("dir");
    for f in ["train.conll", "dev.conll"] {
        std::fs::copy(wnut(f), moved.join(f)).expect("copy data");
    }
    let two = write_config(split.path(), "two.toml", 2, "");
    let text = std::fs::read_to_string(&two)
        .expect("read")
        .replace(
            &wnut("train.conll").display().to_string(),
            &moved.join("train.conll").display().to_string(),
        )
        .replace(
            &wnut("dev.conll").display().to_string(),
            &moved.join("dev.conll").display().to_string(),
        );
    std::fs::write(&two, text).expect("write");
    let b = train(
        &two,
        &TrainOptions {
            resume: true,
            ..quiet()
        },
    )
    .expect("resume");
    assert_eq!(b.epochs_run, 2);
    assert_eq!(b.history.len(), 2);
    for (x, y) in a.history.iter().zip(&b.history) {
        assert_eq!(x.epoch, y.epoch);
        assert_eq!(x.train_loss, y.train_loss, "epoch {}", x.epoch);
        assert_eq!(x.dev_f1, y.dev_f1, "epoch {}", x.epoch);
    }
    let log = std::fs::read_to_string(split.path().join("out/train-log.jsonl")).expect("log");
    assert_eq!(log.lines().count(), 2);

    // Nothing to resume once finished; a changed setting is refused.
    let err = resume_error(&two);
    assert!(err.contains("no checkpoint"), "{err}");
    let changed = write_config(split.path(), "c.toml", 1, "keep_checkpoint = true");
    train(&changed, &quiet()).expect("fresh run");
    // Changed data contents are refused, even at the same path.
    let mut dev = std::fs::read_to_string(moved.join("dev.conll")).expect("read");
    dev.push_str("x\tO\n\n");
    let changed_data = std::fs::read_to_string(&changed).expect("read").replace(
        &wnut("dev.conll").display().to_string(),
        &moved.join("dev.conll").display().to_string(),
    );
    std::fs::write(&changed, changed_data).expect("write");
    std::fs::write(moved.join("dev.conll"), &dev).expect("write");
    let err = resume_error(&changed);
    assert!(err.contains("different settings"), "{err}");
    std::fs::copy(wnut("dev.conll"), moved.join("dev.conll")).expect("restore dev");
    let other = std::fs::read_to_string(&changed)
        .expect("read")
        .replace("hidden = 10", "hidden = 12");
    std::fs::write(&changed, other).expect("write");
    let err = resume_error(&changed);
    assert!(err.contains("different settings"), "{err}");
    // Without --resume an interrupted run's checkpoint is not silently overwritten.
    let err = train(&changed, &quiet()).unwrap_err().to_string();
    assert!(err.contains("--resume"), "{err}");
}

#[test]
fn final_model_trains_on_train_and_dev_and_claims_no_dev_score() {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), "t.toml", 2, "");
    let err = train(
        &cfg,
        &TrainOptions {
            final_model: true,
            ..quiet()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("--epochs"), "{err}");
    let sel = train(&cfg, &quiet()).expect("selection run");
    let fin = train(
        &cfg,
        &TrainOptions {
            final_model: true,
            ..quiet()
        },
    )
    .expect("final run");
    assert_eq!(fin.out_dir, dir.path().join("out-final"));
    assert_eq!(Some(fin.epochs_run), sel.best_epoch);
    assert!(fin.dev.is_none() && fin.best_epoch.is_none());
    let card = ModelCard::read(&fin.out_dir).expect("card");
    assert!(card.final_model && card.dev.is_none());
    assert!(card.data.iter().any(|d| d.role == "dev"));
    let md = std::fs::read_to_string(fin.out_dir.join("MODEL_CARD.md")).expect("md");
    assert!(
        md.contains("Final model") && !md.contains("Dev scores"),
        "{md}"
    );
    load_model(&fin.out_dir).expect("final model loads");

    let out = dir.path().join("explicit");
    let fixed = train(
        &cfg,
        &TrainOptions {
            final_model: true,
            final_epochs: Some(1),
            out_dir: Some(out.clone()),
            ..quiet()
        },
    )
    .expect("final with --epochs");
    assert_eq!(fixed.epochs_run, 1);
    assert!(ModelManifest::read(&out).is_ok());
}

#[test]
fn configuration_errors_name_file_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), "bad.toml", 1, "");
    let text = std::fs::read_to_string(&cfg).expect("read");
    std::fs::write(&cfg, text.replace("hidden = 10", "hiden = 10")).expect("write");
    let err = train(&cfg, &quiet()).unwrap_err().to_string();
    assert!(err.contains("bad.toml") && err.contains("hiden"), "{err}");

    let cfg = write_config(dir.path(), "missing.toml", 1, "");
    let text = std::fs::read_to_string(&cfg).expect("read");
    std::fs::write(&cfg, text.replace("dev.conll", "nope.conll")).expect("write");
    let err = train(&cfg, &quiet()).unwrap_err().to_string();
    assert!(err.contains("nope.conll"), "{err}");

    let err = train(&dir.path().join("absent.toml"), &quiet())
        .unwrap_err()
        .to_string();
    assert!(err.contains("absent.toml"), "{err}");

    let cfg = write_config(dir.path(), "emb.toml", 1, "");
    let text = std::fs::read_to_string(&cfg).expect("read");
    std::fs::write(
        &cfg,
        text.replace("path = \"none\"", "path = \"no-such.emb\""),
    )
    .expect("write");
    let err = train(&cfg, &quiet()).unwrap_err().to_string();
    assert!(
        err.contains("no-such.emb") && err.contains("fetch-embeddings"),
        "{err}"
    );
}
