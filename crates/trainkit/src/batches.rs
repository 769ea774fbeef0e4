//! The order in which an epoch visits the training set.
//!
//! Batches are drawn from a shuffle that depends only on the seed and the
//! epoch number, so a run resumed after a kill replays exactly the batches the
//! killed run would have seen. With bucketing, windows of
//! [`BUCKET_BATCHES`] batches are sorted by length before being cut, so a
//! batch pads little, and the batches are shuffled again so that length does
//! not follow a pattern through the epoch.

use crate::rng::SplitMix64;

/// Batches per length-sorting window.
pub const BUCKET_BATCHES: usize = 20;

/// Index batches of 0-based `epoch` over items of the given lengths.
pub fn epoch_batches(
    lengths: &[usize],
    batch_size: usize,
    bucketing: bool,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut rng = SplitMix64::new(seed ^ (epoch as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
    let mut idx: Vec<usize> = (0..lengths.len()).collect();
    rng.shuffle(&mut idx);
    let bs = batch_size.max(1);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    if bucketing {
        for window in idx.chunks(bs * BUCKET_BATCHES) {
            let mut w = window.to_vec();
            w.sort_by_key(|&i| lengths[i]);
            batches.extend(w.chunks(bs).map(<[usize]>::to_vec));
        }
        rng.shuffle(&mut batches);
    } else {
        batches.extend(idx.chunks(bs).map(<[usize]>::to_vec));
    }
    batches
}

/// Seed of the backend RNG (dropout masks) for 0-based `epoch`.
pub fn dropout_seed(seed: u64, epoch: usize) -> u64 {
    SplitMix64::new(seed.wrapping_add(0x5EED) ^ epoch as u64).next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_per_epoch_and_reproducible() {
        let lengths: Vec<usize> = (0..103).map(|i| (i * 7) % 31).collect();
        for bucketing in [false, true] {
            let a = epoch_batches(&lengths, 8, bucketing, 3, 2);
            assert_eq!(a, epoch_batches(&lengths, 8, bucketing, 3, 2));
            assert_ne!(a, epoch_batches(&lengths, 8, bucketing, 3, 3));
            let mut all: Vec<usize> = a.iter().flatten().copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..103).collect::<Vec<_>>());
            assert!(a.iter().all(|b| !b.is_empty() && b.len() <= 8));
        }
        assert_ne!(dropout_seed(1, 0), dropout_seed(1, 1));
    }

    #[test]
    fn bucketed_batches_hold_similar_lengths() {
        let lengths: Vec<usize> = (0..640).map(|i| (i * 37) % 100).collect();
        let spread = |bs: &[Vec<usize>]| -> usize {
            bs.iter()
                .map(|b| {
                    let l: Vec<usize> = b.iter().map(|&i| lengths[i]).collect();
                    l.iter().max().unwrap() - l.iter().min().unwrap()
                })
                .sum()
        };
        let plain = spread(&epoch_batches(&lengths, 16, false, 1, 0));
        let bucketed = spread(&epoch_batches(&lengths, 16, true, 1, 0));
        assert!(bucketed * 4 < plain, "{bucketed} vs {plain}");
    }
}
