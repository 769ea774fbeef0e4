//! Installing from a local directory (`--from DIR`).

mod common;

use std::fs;

use common::{copy_into, corrupt_copy, leftover_temps, wnut16_dir, TestResult};
use tweetner_fetch::{dataset, fetch, sha256_file, Action, FetchError, Source};

#[test]
fn shared_copy_installs_train_dev_and_warns_about_test() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("wnut16");
    let spec = dataset("wnut16")?;
    let summary = fetch(spec, &out, &Source::LocalDir(wnut16_dir()))?;

    let names: Vec<_> = summary.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["train.conll", "dev.conll"]);
    for f in &summary.files {
        assert_eq!(f.action, Action::Copied);
        assert_eq!(sha256_file(&f.path)?, f.sha256);
    }
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(summary.warnings[0].contains("test.conll"));
    assert!(
        summary.to_string().contains("warning: test.conll"),
        "{summary}"
    );
    assert!(!out.join("test.conll").exists());
    assert!(leftover_temps(&out).is_empty());
    Ok(())
}

#[test]
fn upstream_layout_is_accepted_too() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let src = tmp.path().join("checkout");
    copy_into(&wnut16_dir().join("train.conll"), &src.join("data/train"))?;
    copy_into(&wnut16_dir().join("dev.conll"), &src.join("data/dev"))?;
    let out = tmp.path().join("out");
    let summary = fetch(dataset("wnut16")?, &out, &Source::LocalDir(src))?;
    assert_eq!(summary.files.len(), 2);
    assert!(out.join("train.conll").is_file() && out.join("dev.conll").is_file());
    Ok(())
}

#[test]
fn missing_required_files_fail_before_writing_anything() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let src = tmp.path().join("partial");
    copy_into(&wnut16_dir().join("dev.conll"), &src.join("dev.conll"))?;
    let out = tmp.path().join("out");
    let err = fetch(dataset("wnut16")?, &out, &Source::LocalDir(src.clone()))
        .err()
        .ok_or("expected failure")?;
    match &err {
        FetchError::MissingLocal { missing, dir, .. } => {
            assert_eq!(missing, &["train.conll"]);
            assert_eq!(dir, &src);
        }
        other => return Err(format!("wrong error: {other}").into()),
    }
    assert!(err.to_string().contains("train.conll"), "{err}");
    assert!(!out.exists(), "nothing may be written");
    Ok(())
}

#[test]
fn corrupted_local_copy_is_rejected() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let src = tmp.path().join("src");
    corrupt_copy(
        &wnut16_dir().join("train.conll"),
        &src.join("train.conll"),
        0,
    )?;
    copy_into(&wnut16_dir().join("dev.conll"), &src.join("dev.conll"))?;
    let out = tmp.path().join("out");
    let err = fetch(dataset("wnut16")?, &out, &Source::LocalDir(src.clone()))
        .err()
        .ok_or("expected failure")?;
    assert!(
        matches!(&err, FetchError::Checksum { file, from, .. }
            if file == "train.conll" && from.contains("src")),
        "{err}"
    );
    assert!(!out.join("train.conll").exists());
    assert!(leftover_temps(&out).is_empty());
    Ok(())
}

#[test]
fn lexicon_installs_from_the_shared_copy() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("lexicon");
    let spec = dataset("wnut16-lexicon")?;
    let summary = fetch(spec, &out, &Source::LocalDir(wnut16_dir().join("lexicon")))?;
    assert_eq!(summary.files.len(), spec.files.len());
    assert!(summary.warnings.is_empty());
    let on_disk = fs::read_dir(&out)?.count();
    assert_eq!(on_disk, spec.files.len());
    Ok(())
}
