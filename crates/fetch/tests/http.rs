//! Downloads from a loopback HTTP server serving copies of the shared data.

mod common;

use std::fs;
use std::path::Path;

use common::{copy_into, corrupt_copy, leftover_temps, serve, wnut16_dir, TestResult};
use tweetner_fetch::{dataset, fetch, sha256_file, Action, DatasetSpec, FetchError, Source};

/// The WNUT-16 entry restricted to train and dev: the real test split is not
/// available here to serve.
fn train_dev() -> Result<DatasetSpec, FetchError> {
    let real = dataset("wnut16")?;
    Ok(DatasetSpec {
        files: &real.files[..2],
        url_env: "TWEETNER_TEST_UNUSED_URL",
        ..real.clone()
    })
}

/// Lays out `root/data/{train,dev}` as upstream does.
fn upstream_layout(root: &Path) -> TestResult {
    copy_into(&wnut16_dir().join("train.conll"), &root.join("data/train"))?;
    copy_into(&wnut16_dir().join("dev.conll"), &root.join("data/dev"))
}

fn url(base: &str) -> Source {
    Source::Url {
        base_url: Some(base.to_string()),
    }
}

#[test]
fn download_installs_verified_files_and_is_idempotent() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    upstream_layout(&served)?;
    let base = serve(&served, 16)?;
    let spec = train_dev()?;
    let out = tmp.path().join("out");

    let summary = fetch(&spec, &out, &url(&base))?;
    assert_eq!(summary.files.len(), 2);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    for (file, spec_file) in summary.files.iter().zip(spec.files) {
        assert_eq!(file.action, Action::Downloaded);
        assert_eq!(file.path, out.join(spec_file.local));
        assert_eq!(sha256_file(&file.path)?, spec_file.sha256);
        assert_eq!(
            fs::read(&file.path)?,
            fs::read(wnut16_dir().join(spec_file.local))?
        );
    }
    assert!(leftover_temps(&out).is_empty());
    let shown = summary.to_string();
    assert!(
        shown.contains("train.conll") && shown.contains("downloaded"),
        "{shown}"
    );

    // A second run finds everything in place and downloads nothing: serve an
    // empty directory to prove no request was needed.
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty)?;
    let again = fetch(&spec, &out, &url(&serve(&empty, 4)?))?;
    assert!(again
        .files
        .iter()
        .all(|f| f.action == Action::AlreadyPresent));
    Ok(())
}

#[test]
fn corrupted_download_is_rejected_and_leaves_nothing() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    upstream_layout(&served)?;
    corrupt_copy(
        &wnut16_dir().join("train.conll"),
        &served.join("data/train"),
        1000,
    )?;
    let base = serve(&served, 16)?;
    let spec = train_dev()?;
    let out = tmp.path().join("out");

    let err = fetch(&spec, &out, &url(&base))
        .err()
        .ok_or("expected failure")?;
    let actual = sha256_file(&served.join("data/train"))?;
    match &err {
        FetchError::Checksum {
            file,
            expected,
            actual: got,
            ..
        } => {
            assert_eq!(file, "train.conll");
            assert_eq!(expected, spec.files[0].sha256);
            assert_eq!(got, &actual);
        }
        other => return Err(format!("wrong error: {other}").into()),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("train.conll") && msg.contains(&actual),
        "{msg}"
    );
    assert!(msg.contains(spec.files[0].sha256), "{msg}");
    assert!(!out.join("train.conll").exists());
    assert!(
        leftover_temps(&out).is_empty(),
        "{:?}",
        leftover_temps(&out)
    );
    Ok(())
}

#[test]
fn damaged_earlier_install_is_replaced() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    upstream_layout(&served)?;
    let base = serve(&served, 16)?;
    let spec = train_dev()?;
    let out = tmp.path().join("out");
    // A damaged earlier install is detected and replaced by a good download.
    corrupt_copy(&wnut16_dir().join("dev.conll"), &out.join("dev.conll"), 10)?;
    let summary = fetch(&spec, &out, &url(&base))?;
    assert_eq!(summary.files[1].action, Action::Downloaded);
    assert_eq!(sha256_file(&out.join("dev.conll"))?, spec.files[1].sha256);
    Ok(())
}

#[test]
fn wrong_test_split_fails_the_real_registry_entry() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    upstream_layout(&served)?;
    // No real test split is available here: serve dev under its name.
    copy_into(&wnut16_dir().join("dev.conll"), &served.join("data/test"))?;
    let base = serve(&served, 16)?;
    let out = tmp.path().join("out");

    let err = fetch(dataset("wnut16")?, &out, &url(&base))
        .err()
        .ok_or("expected failure")?;
    assert!(
        matches!(&err, FetchError::Checksum { file, .. } if file == "test.conll"),
        "{err}"
    );
    assert!(!out.join("test.conll").exists());
    assert!(leftover_temps(&out).is_empty());
    Ok(())
}

#[test]
fn missing_file_reports_http_404_with_url() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    copy_into(
        &wnut16_dir().join("train.conll"),
        &served.join("data/train"),
    )?;
    let base = serve(&served, 16)?;
    let out = tmp.path().join("out");

    let err = fetch(&train_dev()?, &out, &url(&base))
        .err()
        .ok_or("expected failure")?;
    assert!(
        matches!(&err, FetchError::HttpStatus { status: 404, url } if url.ends_with("/data/dev")),
        "{err}"
    );
    assert!(err.to_string().contains("404"), "{err}");
    assert!(!out.join("dev.conll").exists());
    assert!(leftover_temps(&out).is_empty());
    Ok(())
}

#[test]
fn unreachable_server_is_a_transport_error() -> TestResult {
    // Bind and drop a listener to get a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let tmp = tempfile::tempdir()?;
    let err = fetch(
        &train_dev()?,
        tmp.path(),
        &url(&format!("http://127.0.0.1:{port}")),
    )
    .err()
    .ok_or("expected failure")?;
    assert!(matches!(err, FetchError::Http { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    Ok(())
}
