//! Accepted ranges of the numeric flags.
//!
//! Every numeric flag has one, so an absurd value (`--batch-size
//! 18446744073709551615`) is a usage error (exit 2) before anything is
//! allocated, never a capacity overflow or an abort. The upper bounds are far
//! above any sensible setting on one machine; the server's come from
//! [`tweetner_serve::RANGES`], which also checks its TOML file.

use std::ops::RangeInclusive;

use clap::builder::RangedU64ValueParser;

/// Threads of one process.
pub const THREADS: RangeInclusive<u64> = 1..=1024;
/// Tweets per network batch.
pub const BATCH_SIZE: RangeInclusive<u64> = 1..=4096;
/// Timed runs of `bench`.
pub const RUNS: RangeInclusive<u64> = 1..=1000;
/// Bytes of one input record (tweets are under 2 KB).
pub const RECORD_BYTES: RangeInclusive<u64> = 1..=(64 << 20);
/// Epochs of a final model.
pub const EPOCHS: RangeInclusive<u64> = 1..=10_000;

/// A probability in `[0, 1]` (floats have no ranged clap parser).
pub fn probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s:?} is not a probability in [0, 1]")),
    }
}

/// A parser for a `T` flag within `range`.
pub fn ranged<T>(range: RangeInclusive<u64>) -> RangedU64ValueParser<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
    <T as TryFrom<u64>>::Error: Send + Sync + 'static + std::error::Error + ToString,
{
    RangedU64ValueParser::<T>::new().range(range)
}

/// A parser for the server setting `name` (its range in [`tweetner_serve::RANGES`]).
pub fn serve<T>(name: &str) -> RangedU64ValueParser<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
    <T as TryFrom<u64>>::Error: Send + Sync + 'static + std::error::Error + ToString,
{
    let range = tweetner_serve::RANGES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(1..=1, |(_, r)| r.clone());
    ranged(range)
}
