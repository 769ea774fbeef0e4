//! Deterministic pseudo-random inputs for property tests.

/// The project's generator, reproducible by seed.
pub(crate) type Rng = tweetner_core::rng::SplitMix64;

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
