//! Deterministic pseudo-random inputs for property tests (no dependency:
//! the crate must stay quick to build).

/// SplitMix64: tiny, good enough for test inputs, reproducible by seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A BIO-shaped tag sequence (0–11 tags over 3 types) that may contain
/// orphan `I-` tags, i.e. what a model might emit.
pub(crate) fn random_bio(rng: &mut Rng) -> Vec<String> {
    let len = rng.below(12);
    (0..len)
        .map(|_| {
            let ty = ["a", "b", "c"][rng.below(3)];
            match rng.below(3) {
                0 => "O".to_string(),
                1 => format!("B-{ty}"),
                _ => format!("I-{ty}"),
            }
        })
        .collect()
}
