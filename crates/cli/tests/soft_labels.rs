//! Soft-label distillation through the binary: a tiny teacher's probabilities
//! written by `data soften`, a student trained on them with `soft_weight`,
//! and bad soft columns refused with their file and line.

mod common;

use std::path::{Path, PathBuf};

use common::{head_sentences, run, stderr, stdout, wnut};

/// A tiny BiLSTM-CRF config; `extra` and `soft_weight` make it a student.
fn config(dir: &Path, name: &str, extra: Option<&Path>, soft_weight: f64) -> PathBuf {
    let extra = extra.map_or(String::new(), |p| {
        format!("extra = [\"{}\"]\n", p.display())
    });
    let text = format!(
        r#"seed = 3
[data]
train = "train.conll"
dev = "dev.conll"
{extra}[embeddings]
path = "none"
[features]
max_word_chars = 12
min_word_count = 1
[model]
word_dim = 12
char_dim = 6
char_filters = 8
hidden = 10
[train]
epochs = 2
batch_size = 8
lr = 0.01
patience = 0
threads = 1
soft_weight = {soft_weight:?}
[output]
dir = "{name}"
"#
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("config");
    path
}

fn train(config: &Path) -> std::process::Output {
    run(&[
        "train",
        "--config",
        config.to_str().expect("utf8"),
        "--quiet",
    ])
}

/// `--retag`: the tag column becomes a valid BIO path that takes nearly
/// every label the teacher gives more than one half.
fn retagged_tags_follow_the_probabilities(
    soften: &dyn Fn(&str, &Path, bool) -> std::process::Output,
    out: &Path,
) {
    let o = soften("0.001", out, true);
    assert!(o.status.success(), "retag: {}", stderr(&o));
    let text = std::fs::read_to_string(out).expect("retagged");
    let (mut sure, mut taken) = (0, 0);
    for sentence in text.split("\n\n").filter(|s| !s.trim().is_empty()) {
        let mut previous = "O".to_string();
        for line in sentence.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let tag = cols[2];
            if let Some(ty) = tag.strip_prefix("I-") {
                assert!(
                    previous.ends_with(&format!("-{ty}")),
                    "{tag} after {previous}"
                );
            }
            let (top, p) = cols[1]
                .split('|')
                .next()
                .and_then(|f| f.rsplit_once(':'))
                .expect("pair");
            if p.parse::<f32>().expect("number") > 0.5 {
                sure += 1;
                taken += usize::from(tag == top);
            }
            previous = tag.to_string();
        }
    }
    assert!(sure > 0 && taken * 10 >= sure * 9, "{taken} of {sure}");
}

#[test]
fn a_student_learns_from_a_teachers_probabilities() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    head_sentences(&wnut("train.conll"), &d.join("train.conll"), 60);
    head_sentences(&wnut("dev.conll"), &d.join("dev.conll"), 30);
    let o = train(&config(d, "teacher", None, 0.0));
    assert!(o.status.success(), "teacher: {}", stderr(&o));

    // The teacher's probabilities for some other tweets.
    let (silver, soft) = (d.join("silver.conll"), d.join("silver.soft.conll"));
    head_sentences(&wnut("dev.conll"), &silver, 40);
    let teacher = d.join("teacher");
    let soften = |min_prob: &str, out: &Path, retag: bool| {
        let mut args = vec![
            "data",
            "soften",
            silver.to_str().expect("utf8"),
            "--model",
            teacher.to_str().expect("utf8"),
            "-o",
            out.to_str().expect("utf8"),
            "--threads",
            "1",
            "--min-prob",
            min_prob,
        ];
        if retag {
            args.push("--retag");
        }
        run(&args)
    };
    let o = soften("1.5", &soft, false);
    assert!(
        !o.status.success() && stderr(&o).contains("--min-prob"),
        "{}",
        stderr(&o)
    );
    assert!(!soft.exists(), "a refused run writes nothing");
    retagged_tags_follow_the_probabilities(&soften, &d.join("retagged.conll"));
    let o = soften("0.001", &soft, false);
    assert!(o.status.success(), "soften: {}", stderr(&o));
    assert!(
        stderr(&o).contains("40 sentences softened"),
        "{}",
        stderr(&o)
    );
    let written = std::fs::read_to_string(&soft).expect("soft file");
    let input = std::fs::read_to_string(&silver).expect("silver");
    let (mut rows, mut uncertain) = (0, 0);
    for (w, i) in written.lines().zip(input.lines()) {
        if i.trim().is_empty() {
            assert!(w.is_empty(), "sentences stay aligned");
            continue;
        }
        let wc: Vec<&str> = w.split('\t').collect();
        let ic: Vec<&str> = i.split('\t').collect();
        assert_eq!(
            (wc.len(), wc[0], wc[2]),
            (3, ic[0], ic[1]),
            "token and tag kept"
        );
        let sum: f32 = wc[1]
            .split('|')
            .map(|p| {
                p.rsplit_once(':')
                    .expect("pair")
                    .1
                    .parse::<f32>()
                    .expect("number")
            })
            .sum();
        assert!((sum - 1.0).abs() < 0.02, "{w}");
        rows += 1;
        uncertain += usize::from(wc[1].contains('|'));
    }
    assert_eq!(rows, input.lines().filter(|l| !l.trim().is_empty()).count());
    assert!(uncertain > 0, "a two-epoch teacher is unsure somewhere");

    let o = train(&config(d, "student", Some(&soft), 0.5));
    assert!(o.status.success(), "student: {}", stderr(&o));
    assert!(
        d.join("student/tweetner-model.json").is_file(),
        "{}",
        stdout(&o)
    );

    // A soft field naming a label the model lacks: the file and line are named.
    let bad = d.join("bad.soft.conll");
    let mut lines: Vec<String> = written.lines().map(String::from).collect();
    let third = lines.iter().position(|l| !l.is_empty()).expect("a token") + 2;
    let cols: Vec<String> = lines[third].split('\t').map(String::from).collect();
    lines[third] = format!("{}\tB-singer:1.0\t{}", cols[0], cols[2]);
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let o = train(&config(d, "bad-student", Some(&bad), 0.5));
    let e = stderr(&o);
    assert!(!o.status.success(), "a bad soft column must fail");
    assert!(
        e.contains(&format!("bad.soft.conll:{}", third + 1)) && e.contains("B-singer"),
        "{e}"
    );
    // With soft_weight 0 the column is never read, as before this option.
    let o = train(&config(d, "hard-student", Some(&bad), 0.0));
    assert!(o.status.success(), "hard student: {}", stderr(&o));
}
