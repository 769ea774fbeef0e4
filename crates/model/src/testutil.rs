//! Deterministic pseudo-random numbers for tests.

/// The project's generator ([`tweetner_core::rng::SplitMix64`]) with the
/// helpers these tests use.
pub struct Rng(tweetner_core::rng::SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(tweetner_core::rng::SplitMix64::new(
            seed ^ 0x9E37_79B9_7F4A_7C15,
        ))
    }

    /// Uniform in `[-scale, scale)`.
    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.0.uniform_f32(scale)).collect()
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
}
