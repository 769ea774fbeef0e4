//! Test inputs: deterministic pseudo-random tags for property tests, and
//! sentences written inline.

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

/// A sentence from space-separated tokens and tags.
pub(crate) fn sentence(tokens: &str, tags: &str) -> crate::conll::Sentence {
    crate::conll::Sentence::new(
        tokens.split_whitespace().map(str::to_string).collect(),
        tags.split_whitespace().map(str::to_string).collect(),
    )
}
