//! Where data lives: the fetch cache, and which directory a command reads.
//!
//! Resolution is split into a pure function taking every input explicitly
//! ([`resolve_data_dir_from`]) and a thin wrapper reading the process
//! environment ([`resolve_data_dir`]), so the precedence rules are testable
//! without mutating the environment of parallel tests.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::registry::DatasetSpec;
use crate::FetchError;

/// Environment variable naming the WNUT-16 data directory.
pub const DATA_ENV: &str = "TWEETNER_DATA";

/// File whose presence marks a directory as holding installed WNUT-16 data.
const MARKER: &str = "train.conll";

/// The tweetner data cache, `$XDG_CACHE_HOME/tweetner/data` or
/// `$HOME/.cache/tweetner/data`, from explicit variable values.
///
/// A relative `XDG_CACHE_HOME` is ignored, as the XDG spec requires.
pub fn cache_dir_from(xdg_cache_home: Option<&OsStr>, home: Option<&OsStr>) -> Option<PathBuf> {
    let base = xdg_cache_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| Path::new(h).join(".cache"))
        })?;
    Some(base.join("tweetner").join("data"))
}

/// The tweetner data cache from the process environment.
pub fn cache_dir() -> Option<PathBuf> {
    cache_dir_from(
        std::env::var_os("XDG_CACHE_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )
}

/// Where `fetch` installs a dataset when no target is given:
/// `<cache>/<dataset.cache_subdir>`.
pub fn default_install_dir(dataset: &DatasetSpec) -> Result<PathBuf, FetchError> {
    cache_dir()
        .map(|c| c.join(dataset.cache_subdir))
        .ok_or(FetchError::NoCacheDir)
}

/// The WNUT-16 data directory, from explicit inputs, in this order:
/// 1. `cli` (a `--data-dir` flag),
/// 2. `env` (the value of `TWEETNER_DATA`; empty counts as unset),
/// 3. `<cache>/wnut16` when it holds an installed `train.conll`.
///
/// An explicitly named directory that does not exist is an error rather than
/// a reason to fall through: silently reading other data than the user named
/// would make results unreproducible.
pub fn resolve_data_dir_from(
    cli: Option<&Path>,
    env: Option<&OsStr>,
    cache: Option<&Path>,
) -> Result<PathBuf, FetchError> {
    if let Some(dir) = cli {
        return existing(dir, "--data-dir");
    }
    if let Some(dir) = env.filter(|v| !v.is_empty()) {
        return existing(Path::new(dir), DATA_ENV);
    }
    let installed = cache.map(|c| c.join("wnut16"));
    match installed {
        Some(dir) if dir.join(MARKER).is_file() => Ok(dir),
        _ => Err(FetchError::NoDataDir { cache: installed }),
    }
}

/// [`resolve_data_dir_from`] with `TWEETNER_DATA` and the cache taken from the
/// process environment.
pub fn resolve_data_dir(cli: Option<&Path>) -> Result<PathBuf, FetchError> {
    let env: Option<OsString> = std::env::var_os(DATA_ENV);
    resolve_data_dir_from(cli, env.as_deref(), cache_dir().as_deref())
}

fn existing(dir: &Path, origin: &'static str) -> Result<PathBuf, FetchError> {
    if dir.is_dir() {
        Ok(dir.to_path_buf())
    } else {
        Err(FetchError::DataDirMissing {
            path: dir.to_path_buf(),
            origin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn cache_prefers_absolute_xdg_then_home() {
        let xdg = OsStr::new("/x/cache");
        let home = OsStr::new("/home/u");
        assert_eq!(
            cache_dir_from(Some(xdg), Some(home)),
            Some(PathBuf::from("/x/cache/tweetner/data"))
        );
        assert_eq!(
            cache_dir_from(Some(OsStr::new("rel/cache")), Some(home)),
            Some(PathBuf::from("/home/u/.cache/tweetner/data"))
        );
        assert_eq!(
            cache_dir_from(None, Some(home)),
            Some(PathBuf::from("/home/u/.cache/tweetner/data"))
        );
        assert_eq!(cache_dir_from(None, Some(OsStr::new(""))), None);
        assert_eq!(cache_dir_from(None, None), None);
    }

    #[test]
    fn flag_beats_env_beats_cache() -> TestResult {
        let root = tempfile::tempdir()?;
        let flag = root.path().join("flag");
        let env = root.path().join("env");
        let cache = root.path().join("cache");
        fs::create_dir_all(&flag)?;
        fs::create_dir_all(&env)?;
        fs::create_dir_all(cache.join("wnut16"))?;
        fs::write(cache.join("wnut16").join(MARKER), "a\tO\n")?;

        let env_os = env.as_os_str();
        assert_eq!(
            resolve_data_dir_from(Some(&flag), Some(env_os), Some(&cache))?,
            flag
        );
        assert_eq!(
            resolve_data_dir_from(None, Some(env_os), Some(&cache))?,
            env
        );
        assert_eq!(
            resolve_data_dir_from(None, Some(OsStr::new("")), Some(&cache))?,
            cache.join("wnut16")
        );
        assert_eq!(
            resolve_data_dir_from(None, None, Some(&cache))?,
            cache.join("wnut16")
        );
        Ok(())
    }

    #[test]
    fn named_but_missing_directory_is_an_error_not_a_fallthrough() -> TestResult {
        let root = tempfile::tempdir()?;
        let cache = root.path().join("cache");
        fs::create_dir_all(cache.join("wnut16"))?;
        fs::write(cache.join("wnut16").join(MARKER), "a\tO\n")?;
        let gone = root.path().join("gone");

        let err = resolve_data_dir_from(Some(&gone), None, Some(&cache))
            .err()
            .ok_or("expected an error")?;
        let msg = err.to_string();
        assert!(msg.contains("--data-dir") && msg.contains("gone"), "{msg}");

        let err = resolve_data_dir_from(None, Some(gone.as_os_str()), Some(&cache))
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains(DATA_ENV), "{err}");
        Ok(())
    }

    #[test]
    fn empty_cache_explains_how_to_get_data() -> TestResult {
        let root = tempfile::tempdir()?;
        let cache = root.path().join("cache");
        // A directory left by a failed fetch, without data, does not count.
        fs::create_dir_all(cache.join("wnut16"))?;
        let err = resolve_data_dir_from(None, None, Some(&cache))
            .err()
            .ok_or("expected an error")?;
        let msg = err.to_string();
        assert!(msg.contains("tweetner fetch wnut16"), "{msg}");
        assert!(msg.contains("--from"), "{msg}");
        assert!(
            msg.contains(&cache.join("wnut16").display().to_string()),
            "{msg}"
        );

        let err = resolve_data_dir_from(None, None, None)
            .err()
            .ok_or("expected an error")?;
        assert!(err.to_string().contains("TWEETNER_DATA"), "{err}");
        Ok(())
    }
}
