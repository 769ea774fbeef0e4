//! `tweetner calibrate` on a copy of the shipped model: the fitted temperature
//! lands in the manifest, scores move, tags and F1 do not; a fitted entity
//! bias lands there too, with the card's dev scores at it.

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, run, stderr, stdout, wnut};

fn dev() -> PathBuf {
    wnut("dev.conll")
}

#[test]
fn calibrate_writes_a_temperature_that_keeps_the_tags() {
    let tmp = tempfile::tempdir().unwrap();
    // The first 300 dev tweets keep the test quick.
    let (model, file) = model_and_slice(tmp.path(), 300);
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

/// A copy of the shipped model and the first `n` dev tweets, in `tmp`.
fn model_and_slice(tmp: &Path, n: usize) -> (PathBuf, PathBuf) {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    let model = tmp.join("model");
    copy_dir(&shipped, &model);
    let all = std::fs::read_to_string(dev()).unwrap();
    let slice: Vec<&str> = all.split("\n\n").take(n).collect();
    let file = tmp.join("held.conll");
    std::fs::write(&file, slice.join("\n\n") + "\n\n").unwrap();
    (model, file)
}

#[test]
fn entity_bias_fit_writes_the_bias_and_the_dev_scores_at_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, file) = model_and_slice(tmp.path(), 300);
    let (m, f) = (model.to_str().unwrap(), file.to_str().unwrap());
    let o = run(&[
        "calibrate",
        "--model",
        m,
        f,
        "--threads",
        "1",
        "--entity-bias",
        "--write",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // The whole curve, then the fit.
    assert_eq!(
        out.matches("\n       -1.0 ").count() + out.matches("\n        3.0 ").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("entity bias fitted on all 300 tweets"),
        "{out}"
    );
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(model.join(name)).unwrap()).unwrap()
    };
    let bias = json("tweetner-model.json")["entity_bias"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((-1.0..=3.0).contains(&bias), "{bias}");
    // The card's dev F1 is what eval now measures on the file, at the bias.
    let card_f1 = json("card.json")["dev"]["overall"]["f1"].as_f64().unwrap();
    let o = run(&["eval", "--model", m, f, "--threads", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("FB1: {card_f1:6.2}")),
        "{card_f1} vs {}",
        stdout(&o)
    );
    let md = std::fs::read_to_string(model.join("MODEL_CARD.md")).unwrap();
    assert_eq!(md.matches("scores raised by").count(), 1, "{md}");

    // An out-of-range bias in the manifest is refused, naming the file.
    let mut manifest = json("tweetner-model.json");
    manifest["entity_bias"] = serde_json::json!(50.0);
    std::fs::write(model.join("tweetner-model.json"), manifest.to_string()).unwrap();
    let o = run(&["eval", "--model", m, f, "--threads", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("tweetner-model.json") && err.contains("entity bias 50"),
        "{err}"
    );
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
