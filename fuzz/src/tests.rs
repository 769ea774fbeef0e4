//! Replays the committed seeds and every saved regression input through the
//! checkers, so `cargo test` catches a regression without libFuzzer.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_target_has_seeds_and_they_pass() {
    for target in TARGETS {
        let seeds = files_in(&root().join("seeds").join(target));
        assert!(seeds.len() >= 3, "{target}: too few seeds");
        for f in seeds {
            let data = fs::read(&f).unwrap();
            assert!(check(target, &data), "unknown target {target}");
        }
    }
}

#[test]
fn regressions_pass() {
    let mut failing = Vec::new();
    for target in TARGETS {
        for f in files_in(&root().join("regressions").join(target)) {
            let data = fs::read(&f).unwrap();
            if std::panic::catch_unwind(|| check(target, &data)).is_err() {
                failing.push(f.display().to_string());
            }
        }
    }
    assert!(failing.is_empty(), "failing regression inputs: {failing:?}");
}

#[test]
fn unknown_target_is_reported() {
    assert!(!check("nope", b""));
}

#[test]
fn tag_decoding_uses_the_whole_alphabet() {
    let bytes: Vec<u8> = (0..=255).collect();
    let tags = tags::decode(&bytes);
    assert_eq!(tags.len(), 256);
    for tag in tags::ALPHABET {
        assert!(tags.contains(&tag), "{tag} unreachable");
    }
}
