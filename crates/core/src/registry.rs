//! Model kinds: a model directory's manifest names its `kind`, and a
//! [`Registry`] maps that name to the loader that builds a [`Tagger`] from
//! the directory. Adding a model kind is a crate that implements [`Tagger`]
//! plus one [`Registry::register`] line where the registry is assembled
//! (`tweetner-tagger`); nothing else compares kind strings.

use std::path::Path;

use serde::Deserialize;

use crate::error::ModelError;
use crate::tagger::Tagger;

/// The file every model directory starts with; it names the kind.
pub const MANIFEST_FILE: &str = "tweetner-model.json";

/// A loaded model, shareable across threads (the CLI's workers, the server).
pub type SharedTagger = Box<dyn Tagger + Send + Sync>;

/// Any loader's error, kept whole so callers can downcast to the loader
/// crate's own error type.
pub type LoadError = Box<dyn std::error::Error + Send + Sync>;

/// How a model runs at inference; none of it changes what the model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Threads each call is spread over (at least 1).
    pub threads: usize,
    /// Sentences per network batch.
    pub batch_size: usize,
    /// Int8 projections where the kind has them ([`ModelKind::int8`]).
    pub int8: bool,
}

/// Sentences per network batch unless told otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 64;

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            threads: 1,
            batch_size: DEFAULT_BATCH_SIZE,
            int8: false,
        }
    }
}

/// Builds a tagger from a model directory of one kind.
pub type Loader = fn(&Path, &LoadOptions) -> Result<SharedTagger, LoadError>;

/// One model kind.
#[derive(Debug, Clone, Copy)]
pub struct ModelKind {
    /// The manifest's `kind` value.
    pub name: &'static str,
    /// Whether [`LoadOptions::int8`] changes how this kind runs.
    pub int8: bool,
    /// The loader.
    pub load: Loader,
}

/// The model kinds a build can load.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    kinds: Vec<ModelKind>,
}

impl Registry {
    /// A registry with no kinds.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a kind; a later registration of the same name replaces it.
    #[must_use]
    pub fn register(mut self, kind: ModelKind) -> Self {
        self.kinds.retain(|k| k.name != kind.name);
        self.kinds.push(kind);
        self
    }

    /// The kind called `name`.
    pub fn get(&self, name: &str) -> Option<&ModelKind> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// Names of the registered kinds, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.name).collect()
    }

    /// The kind of the model in `dir`, from its manifest.
    ///
    /// # Errors
    /// `dir` holds no manifest, the manifest is not JSON with a `kind`, or
    /// no registered kind has that name (the message lists those that do).
    pub fn resolve(&self, dir: &Path) -> Result<&ModelKind, ModelError> {
        let kind = manifest_kind(dir)?;
        self.get(&kind).ok_or_else(|| ModelError::Invalid {
            path: dir.join(MANIFEST_FILE),
            message: format!(
                "unknown model kind {kind:?} (this build loads: {})",
                self.names().join(", ")
            ),
        })
    }

    /// Loads the model in `dir` with the loader its kind names.
    ///
    /// # Errors
    /// Those of [`Registry::resolve`], then whatever the loader reports.
    pub fn load(&self, dir: &Path, opts: &LoadOptions) -> Result<SharedTagger, LoadError> {
        let kind = self.resolve(dir)?;
        (kind.load)(dir, opts)
    }
}

/// The `kind` a model directory's manifest declares, read before anything
/// else (the rest of the manifest differs between kinds).
///
/// # Errors
/// No manifest in `dir`, or one that is not JSON with a string `kind`.
pub fn manifest_kind(dir: &Path) -> Result<String, ModelError> {
    #[derive(Deserialize)]
    struct KindOnly {
        kind: String,
    }
    let path = dir.join(MANIFEST_FILE);
    if !path.is_file() {
        return Err(ModelError::Invalid {
            path: dir.to_path_buf(),
            message: format!("not a tweetner model directory (no {MANIFEST_FILE})"),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|source| ModelError::Io {
        path: path.clone(),
        source,
    })?;
    let k: KindOnly =
        serde_json::from_str(&text).map_err(|source| ModelError::Json { path, source })?;
    Ok(k.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::TaggedSentence;

    struct Fixed(Vec<String>);

    impl Tagger for Fixed {
        fn labels(&self) -> &[String] {
            &self.0
        }
        fn tag_batch(&self, s: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
            Ok(s.iter()
                .map(|w| TaggedSentence {
                    tags: vec!["O".into(); w.len()],
                    token_scores: vec![1.0; w.len()],
                    spans: Vec::new(),
                })
                .collect())
        }
    }

    fn load_fixed(_: &Path, opts: &LoadOptions) -> Result<SharedTagger, LoadError> {
        Ok(Box::new(Fixed(vec![format!("threads={}", opts.threads)])))
    }

    fn dir_of_kind(kind: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("dir");
        std::fs::write(
            d.path().join(MANIFEST_FILE),
            format!("{{\"kind\":{kind:?}}}"),
        )
        .expect("write");
        d
    }

    #[test]
    fn the_manifest_kind_picks_the_loader() {
        let reg = Registry::new().register(ModelKind {
            name: "fixed",
            int8: false,
            load: load_fixed,
        });
        let d = dir_of_kind("fixed");
        let opts = LoadOptions {
            threads: 3,
            ..LoadOptions::default()
        };
        let t = reg.load(d.path(), &opts).expect("load");
        assert_eq!(t.labels(), ["threads=3"]);
    }

    #[test]
    fn unknown_kinds_and_missing_manifests_are_named_errors() {
        let reg = Registry::new().register(ModelKind {
            name: "fixed",
            int8: false,
            load: load_fixed,
        });
        let d = dir_of_kind("other");
        let e = reg.resolve(d.path()).expect_err("unknown").to_string();
        assert!(
            e.contains("unknown model kind \"other\"") && e.contains("fixed"),
            "{e}"
        );
        assert!(e.contains(MANIFEST_FILE), "{e}");
        let empty = tempfile::tempdir().expect("dir");
        let e = reg.resolve(empty.path()).expect_err("empty").to_string();
        assert!(e.contains("not a tweetner model directory"), "{e}");
        std::fs::write(empty.path().join(MANIFEST_FILE), "{\"kind\": 3}").expect("write");
        let e = reg.resolve(empty.path()).expect_err("bad").to_string();
        assert!(e.contains(MANIFEST_FILE), "{e}");
    }

    #[test]
    fn registering_a_name_again_replaces_it() {
        let reg = Registry::new()
            .register(ModelKind {
                name: "a",
                int8: false,
                load: load_fixed,
            })
            .register(ModelKind {
                name: "a",
                int8: true,
                load: load_fixed,
            });
        assert_eq!(reg.names(), ["a"]);
        assert!(reg.get("a").expect("a").int8);
    }
}
