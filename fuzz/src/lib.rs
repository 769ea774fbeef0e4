//! Invariant checkers behind tweetner's fuzz targets.
//!
//! Each module takes the fuzzer's raw bytes and asserts what the crate under
//! test documents about its output, so a fuzz run finds wrong answers as well
//! as panics. The checkers live in a library rather than in the target files
//! so that `cargo test` (no libFuzzer, stable flags) can replay the seeds and
//! every saved regression input through exactly the same assertions.
//!
//! A failed assertion panics; libFuzzer reports the panic as a crash and
//! saves the input.

pub mod conll;
pub mod conlleval;
pub mod soft;
pub mod tags;
pub mod text;
pub mod tweetner7;

/// The names of the fuzz targets, which are also the names of the seed and
/// regression directories.
pub const TARGETS: [&str; 6] = [
    "tokenize",
    "conll_reader",
    "conlleval_reader",
    "tag_schemes",
    "tweetner7_reader",
    "soft_labels",
];

/// Runs the checker of `target` on `data`; `false` for an unknown target.
pub fn check(target: &str, data: &[u8]) -> bool {
    match target {
        "tokenize" => text::check_bytes(data),
        "conll_reader" => conll::check(data),
        "conlleval_reader" => conlleval::check(data),
        "tag_schemes" => tags::check(data),
        "tweetner7_reader" => tweetner7::check(data),
        "soft_labels" => soft::check(data),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests;
