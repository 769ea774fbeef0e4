//! Packages the repository's bundled models into the Python package.
//!
//! `pip install ./bindings/python` must give a working `Tagger()` without a
//! download, but the weights must not be committed twice. maturin collects
//! the Python sources after cargo has built the extension, so copying
//! `models/NAME` into `python/tweetner/models/NAME` here (a git-ignored
//! directory, listed in `[tool.maturin] include`) puts it into the wheel.
//!
//! `TWEETNER_WHEEL_MODELS` (comma-separated, default `default`) picks the
//! models; names missing from the checkout are skipped with a warning, so a
//! build outside the repository (an sdist) still succeeds.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=TWEETNER_WHEEL_MODELS");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let source_root = manifest.join("../../models");
    let target_root = manifest.join("python/tweetner/models");
    let names = std::env::var("TWEETNER_WHEEL_MODELS").unwrap_or_else(|_| "default".into());
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let src = source_root.join(name);
        let dst = target_root.join(name);
        // A deleted copy must be restored even when the source is unchanged:
        // watching a missing path makes cargo rerun this script every build.
        println!("cargo:rerun-if-changed={}", src.display());
        println!(
            "cargo:rerun-if-changed={}",
            dst.join("tweetner-model.json").display()
        );
        if !src.join("tweetner-model.json").is_file() {
            println!(
                "cargo:warning=model {name} not found at {}: the wheel will not contain it",
                src.display()
            );
            continue;
        }
        if let Err(e) = copy_dir(&src, &dst) {
            panic!("copying {} to {}: {e}", src.display(), dst.display());
        }
    }
}

/// Copies regular files (one level; model directories are flat), skipping
/// files already identical so repeated builds do not touch the tree, and
/// removes files the source no longer has (a retrained model may drop one,
/// which the wheel must not keep shipping).
fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(dst)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && !src.join(entry.file_name()).exists() {
            fs::remove_file(entry.path())?;
        }
    }
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        println!("cargo:rerun-if-changed={}", from.display());
        if !entry.file_type()?.is_file() {
            continue;
        }
        let to = dst.join(entry.file_name());
        let bytes = fs::read(&from)?;
        if fs::read(&to).is_ok_and(|old| old == bytes) {
            continue;
        }
        fs::write(&to, bytes)?;
    }
    Ok(())
}
