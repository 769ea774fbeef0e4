//! The base URL falls back to the dataset's environment variable. This lives
//! in its own test binary (one test, one thread) because it sets a variable.

mod common;

use common::{copy_into, serve, wnut16_dir, TestResult};
use tweetner_fetch::{dataset, fetch, Action, DatasetSpec, Source};

#[test]
fn env_variable_overrides_the_public_base_url() -> TestResult {
    let real = dataset("wnut16")?;
    let spec = DatasetSpec {
        files: &real.files[1..2],
        url_env: "TWEETNER_FETCH_TEST_ENV_URL",
        base_url: "http://unused.invalid",
        ..real.clone()
    };
    let tmp = tempfile::tempdir()?;
    let served = tmp.path().join("served");
    copy_into(&wnut16_dir().join("dev.conll"), &served.join("data/dev"))?;
    let base = serve(&served, 4)?;
    std::env::set_var(spec.url_env, &base);
    let summary = fetch(
        &spec,
        &tmp.path().join("out"),
        &Source::Url { base_url: None },
    )?;
    assert_eq!(summary.files[0].action, Action::Downloaded);
    Ok(())
}
