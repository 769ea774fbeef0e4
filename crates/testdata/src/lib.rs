//! Where the tests find their data, in one place.
//!
//! A checkout normally sits beside `../shared` (CI clones it there), but a
//! user who cloned the repository alone can still run the tests after one
//! `tweetner data fetch wnut16`, or by pointing `TWEETNER_DATA` at a copy.
//! Every test that reads WNUT-16 goes through [`wnut16_dir`], so these rules
//! hold for all of them.

use std::path::{Path, PathBuf};

/// The shared data tree: `$TWEETNER_SHARED`, else `../shared` beside the
/// checkout. Holds WNUT-16, the extra corpora, the entry lists and
/// `tools/conlleval.pl`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("TWEETNER_SHARED").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

/// The WNUT-16 directory (`train.conll`, `dev.conll`, `lexicon/`), in the
/// order the CLI's `--data-dir` resolution uses after the flag:
/// 1. `$TWEETNER_DATA`,
/// 2. `<shared>/data/wnut16` when it holds `train.conll`,
/// 3. the fetch cache (`tweetner data fetch wnut16`).
///
/// # Panics
/// When none holds the data: a test that needs WNUT-16 cannot run without it,
/// and the message says how to get it.
pub fn wnut16_dir() -> PathBuf {
    let env = std::env::var_os(tweetner_fetch::DATA_ENV);
    let shared = shared_dir().join("data/wnut16");
    let cache = tweetner_fetch::cache_dir().map(|c| c.join("wnut16"));
    match pick(env.as_deref().map(Path::new), &shared, cache.as_deref()) {
        Some(dir) => dir,
        None => panic!(
            "WNUT-16 not found: set {}=DIR, put the shared data at {}, or run `tweetner data fetch wnut16` (cache: {})",
            tweetner_fetch::DATA_ENV,
            shared.display(),
            cache.map_or_else(|| "none: HOME is unset".to_owned(), |c| c.display().to_string()),
        ),
    }
}

/// A file of the WNUT-16 directory, e.g. `wnut16("dev.conll")`.
pub fn wnut16(file: &str) -> PathBuf {
    wnut16_dir().join(file)
}

/// A file under the shared `data/` tree, e.g. `extra/wnut17/emerging.dev.conll`;
/// `wnut16/...` resolves through [`wnut16_dir`].
pub fn data_file(rel: &str) -> PathBuf {
    match rel.strip_prefix("wnut16/") {
        Some(file) => wnut16(file),
        None => shared_dir().join("data").join(rel),
    }
}

/// The resolution of [`wnut16_dir`] with every input explicit. A directory
/// named by the environment is taken as it is (a wrong one fails loudly at
/// the first read instead of being replaced by other data).
fn pick(env: Option<&Path>, shared: &Path, cache: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = env.filter(|d| !d.as_os_str().is_empty()) {
        return Some(dir.to_path_buf());
    }
    let holds_data = |d: &Path| d.join("train.conll").is_file();
    if holds_data(shared) {
        return Some(shared.to_path_buf());
    }
    cache.filter(|c| holds_data(c)).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with_train(root: &Path, name: &str) -> PathBuf {
        let d = root.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("train.conll"), "a\tO\n").unwrap();
        d
    }

    #[test]
    fn the_environment_wins_even_over_data_beside_the_checkout() {
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let shared = dir_with_train(tmp, "shared");
        let env = tmp.join("named");
        assert_eq!(pick(Some(&env), &shared, None), Some(env));
    }

    #[test]
    fn shared_data_comes_before_the_fetch_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let shared = dir_with_train(tmp, "shared");
        let cache = dir_with_train(tmp, "cache");
        assert_eq!(pick(None, &shared, Some(&cache)), Some(shared));
    }

    #[test]
    fn a_clone_without_shared_finds_the_fetched_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let cache = dir_with_train(tmp, "cache");
        let absent = tmp.join("no-shared");
        assert_eq!(pick(None, &absent, Some(&cache)), Some(cache.clone()));
        assert_eq!(
            pick(Some(Path::new("")), &absent, Some(&cache)),
            Some(cache)
        );
    }

    #[test]
    fn nothing_installed_is_none() {
        let tmp = tempfile::tempdir().unwrap();
        let tmp = tmp.path();
        let empty = tmp.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert_eq!(pick(None, &tmp.join("x"), Some(&empty)), None);
        assert_eq!(pick(None, &tmp.join("x"), None), None);
    }
}
