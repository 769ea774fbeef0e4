//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use tweetner_data::{ConllReader, DataError, ReadOptions, Sentence};

/// The shared data tree (`tweetner_testdata::shared_dir`).
pub fn shared() -> PathBuf {
    tweetner_testdata::shared_dir()
}

pub fn wnut16(split: &str) -> PathBuf {
    tweetner_testdata::wnut16(&format!("{split}.conll"))
}

/// Reads an in-memory file with the source name `t.conll`.
pub fn read(text: &str, opts: ReadOptions) -> Result<Vec<Sentence>, DataError> {
    read_bytes(text.as_bytes(), opts)
}

pub fn read_bytes(bytes: &[u8], opts: ReadOptions) -> Result<Vec<Sentence>, DataError> {
    ConllReader::new(bytes, "t.conll", opts).collect()
}

/// The project's generator, for reproducible pseudo-random inputs.
pub type Rng = tweetner_core::rng::SplitMix64;
