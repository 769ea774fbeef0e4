//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use tweetner_data::{ConllReader, DataError, ReadOptions, Sentence};

/// The shared data directory: `$TWEETNER_SHARED`, else `../shared` beside
/// the repository.
pub fn shared() -> PathBuf {
    match std::env::var_os("TWEETNER_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

pub fn wnut16(split: &str) -> PathBuf {
    shared().join("data/wnut16").join(format!("{split}.conll"))
}

/// Reads an in-memory file with the source name `t.conll`.
pub fn read(text: &str, opts: ReadOptions) -> Result<Vec<Sentence>, DataError> {
    read_bytes(text.as_bytes(), opts)
}

pub fn read_bytes(bytes: &[u8], opts: ReadOptions) -> Result<Vec<Sentence>, DataError> {
    ConllReader::new(bytes, "t.conll", opts).collect()
}

/// SplitMix64, for reproducible pseudo-random inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
