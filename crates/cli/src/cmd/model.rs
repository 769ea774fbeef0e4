//! Where models come from when the user names none, and how they are loaded.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tweetner_tagger::{LoadOptions, Tagger};

/// Environment variable naming the model directory to use by default.
pub const MODEL_ENV: &str = "TWEETNER_MODEL";

/// Environment variable with more directories of named models (`:`-separated).
pub const MODELS_ENV: &str = "TWEETNER_MODELS";

const MANIFEST: &str = "tweetner-model.json";

/// Where named models are looked up, in order: `$TWEETNER_MODELS`, the user's
/// data directory (`$XDG_DATA_HOME/tweetner/models`, default
/// `~/.local/share/tweetner/models`), the `models/` of an installed prefix
/// (`BIN/../share/tweetner/models`) or of the checkout the binary sits in
/// (`target/release/../../models`), and last the checkout it was built from.
pub fn model_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(list) = std::env::var_os(MODELS_ENV) {
        roots.extend(std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    if let Some(d) = data {
        roots.push(d.join("tweetner/models"));
    }
    if let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        roots.push(bin.join("../share/tweetner/models"));
        roots.push(bin.join("../../models"));
    }
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let mut seen = Vec::new();
    roots.retain(|r| {
        let key = r.canonicalize().unwrap_or_else(|_| r.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    roots
}

/// A name (one path component, no directory of that name here) is looked up
/// in [`model_roots`]; anything else is a directory.
fn find_model(spec: &Path, what: &str) -> Result<PathBuf> {
    let is_name = spec.components().count() == 1 && !spec.is_dir();
    if !is_name {
        return Ok(spec.to_path_buf());
    }
    let roots = model_roots();
    for root in &roots {
        let dir = root.join(spec);
        if dir.join(MANIFEST).is_file() {
            return Ok(dir);
        }
    }
    let looked: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    anyhow::bail!(
        "{what} `{}` is neither a model directory nor a model name found in {} \
         (`tweetner models list` shows the models there; add directories with {MODELS_ENV})",
        spec.display(),
        looked.join(", ")
    )
}

/// The model directory: `--model` (a directory or a name), then
/// `$TWEETNER_MODEL` (the same), then the model named `default`, so that a
/// fresh clone, or an install with its models, tags without downloading.
pub fn resolve_model_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(spec) = flag {
        return find_model(spec, "--model");
    }
    if let Some(spec) = std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty()) {
        return find_model(Path::new(&spec), MODEL_ENV);
    }
    find_model(Path::new("default"), "the default model")
}

/// Loads a model for inference (BiLSTM-CRF or fine-tuned transformer, by the
/// directory's manifest kind), spreading each batch over `threads` threads.
/// `int8` asks for int8 encoder projections; a model without an int8 path
/// loads as usual, with a warning so the user is not misled about what ran.
pub fn load_tagger(
    flag: Option<&Path>,
    threads: usize,
    batch_size: usize,
    int8: bool,
) -> Result<(PathBuf, Box<dyn Tagger + Send + Sync>)> {
    let dir = resolve_model_dir(flag)?;
    let context = || format!("loading model {}", dir.display());
    warn_if_int8_unused(&dir, int8).with_context(context)?;
    let opts = LoadOptions {
        threads,
        batch_size,
        int8,
    };
    let tagger = tweetner_tagger::load_model_opts(&dir, &opts).with_context(context)?;
    Ok((dir, tagger))
}

/// Warn when `--int8` was given for a model without an int8 path, so the user
/// is not misled about what ran.
pub fn warn_if_int8_unused(dir: &Path, int8: bool) -> Result<()> {
    if int8 && !tweetner_tagger::int8_applies(dir)? {
        tracing::warn!(
            "--int8 has no effect on {}: only transformer models have an int8 path",
            dir.display()
        );
    }
    Ok(())
}

/// Threads to use when the user does not say: every core this process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
