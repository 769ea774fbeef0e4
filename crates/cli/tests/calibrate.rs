//! `tweetner calibrate` on a copy of the shipped model: the fitted temperature
//! lands in the manifest, scores move, tags and F1 do not.

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr, stdout, wnut};

fn dev() -> PathBuf {
    wnut("dev.conll")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn calibrate_writes_a_temperature_that_keeps_the_tags() {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    copy_dir(&shipped, &model);
    // The first 300 dev tweets keep the test quick.
    let all = std::fs::read_to_string(dev()).unwrap();
    let slice: Vec<&str> = all.split("\n\n").take(300).collect();
    let file = tmp.path().join("held.conll");
    std::fs::write(&file, slice.join("\n\n") + "\n\n").unwrap();
    let (m, f) = (model.to_str().unwrap(), file.to_str().unwrap());

    let eval = |model: &str| {
        let o = run(&["eval", "--model", model, f, "--threads", "1"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let tag = |model: &str| {
        let o = run(&[
            "tag",
            "--model",
            model,
            "--format",
            "jsonl",
            "Justin Bieber in London",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let before = (eval(m), tag(m));

    let o = run(&["calibrate", "--model", m, f, "--threads", "1", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("held out, all folds"), "{out}");
    assert!(out.contains("wrote temperature"), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("tweetner-model.json")).unwrap())
            .unwrap();
    let t = manifest["temperature"]
        .as_f64()
        .expect("temperature written");
    assert!((0.5..=5.0).contains(&t) && t != 1.0, "{t}");
    let card = std::fs::read_to_string(model.join("MODEL_CARD.md")).unwrap();
    assert_eq!(card.matches("divided by temperature").count(), 1, "{card}");

    // A second fit replaces the card's note instead of adding one.
    let o = run(&["calibrate", "--model", m, f, "--threads", "1", "--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let card = std::fs::read_to_string(model.join("MODEL_CARD.md")).unwrap();
    assert_eq!(card.matches("divided by temperature").count(), 1, "{card}");

    // Same entities and scores (conlleval report), different confidences.
    assert_eq!(eval(m), before.0);
    let after = tag(m);
    let (a, b) = (&before.1["entities"], &after["entities"]);
    assert_eq!(a.as_array().unwrap().len(), b.as_array().unwrap().len());
    for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
        assert_eq!((&x["text"], &x["type"]), (&y["text"], &y["type"]));
        assert_ne!(x["score"], y["score"]);
    }
}

#[test]
fn calibrate_refuses_what_it_cannot_use() {
    let tmp = tempfile::tempdir().unwrap();
    let f = dev();
    let o = run(&[
        "calibrate",
        "--model",
        tmp.path().to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("tweetner model directory"),
        "{}",
        stderr(&o)
    );
    let o = run(&["calibrate", f.to_str().unwrap(), "--folds", "1"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "one fold cannot hold anything out"
    );
}
