//! Where models come from when the user names none, and how they are loaded.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tweetner_tagger::{LoadOptions, Tagger};

/// Environment variable naming the model directory to use by default.
pub const MODEL_ENV: &str = "TWEETNER_MODEL";

/// The model directory: `--model`, then `$TWEETNER_MODEL`, then the model
/// shipped in the repository (`models/default`), so that a fresh clone can
/// tag without downloading anything.
pub fn resolve_model_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
    if shipped.join("tweetner-model.json").is_file() {
        return Ok(shipped);
    }
    anyhow::bail!(
        "no model given: pass --model DIR or set {MODEL_ENV} (the shipped model was expected at {})",
        shipped.display()
    )
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
