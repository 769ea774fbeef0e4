//! Small file helpers shared with the training crate: atomic writes and JSON files.

use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::TaggerError;

pub use tweetner_core::fsio::temp_sibling;

/// Write `bytes` to `path` atomically ([`tweetner_core::fsio::write_atomic`]), so a
/// reader (or a run killed half-way) never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TaggerError> {
    tweetner_core::fsio::write_atomic(path, bytes).map_err(|e| TaggerError::io(path, e))
}

/// Serialize `value` as pretty JSON into `path`, atomically.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), TaggerError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| TaggerError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Parse the JSON file `path`; errors name the file (and line/column for syntax errors).
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, TaggerError> {
    let text = fs::read_to_string(path).map_err(|e| TaggerError::io(path, e))?;
    serde_json::from_str(&text).map_err(|source| TaggerError::Json {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.json");
        write_json(&p, &vec![1, 2]).expect("write");
        write_json(&p, &vec![3]).expect("overwrite");
        let back: Vec<i32> = read_json(&p).expect("read");
        assert_eq!(back, vec![3]);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bad.json");
        fs::write(&p, "{\n  \"a\": ").expect("write");
        let err = read_json::<serde_json::Value>(&p).unwrap_err().to_string();
        assert!(err.contains("bad.json") && err.contains("line 2"), "{err}");
        let missing = read_json::<serde_json::Value>(&dir.path().join("none.json"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("none.json"), "{missing}");
    }
}
