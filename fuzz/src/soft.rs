//! Soft-label columns of `tweetner_data` (`parse_soft`, `format_soft`).
//!
//! Invariants checked (from `crates/data/src/soft.rs`):
//! * any field either fails with a message or gives one probability per
//!   label, each in `[0, 1]`, summing to 1;
//! * a field that parses, written back with every label, parses to the same
//!   probabilities up to the three written decimals;
//! * probabilities built from the bytes (any distribution over the labels)
//!   survive `format_soft` then `parse_soft` up to the same rounding, and the
//!   most likely label is written first.

use tweetner_data::{format_soft, parse_soft};

/// Labels with a colon and a hyphen in them, as a label set may have.
const LABELS: [&str; 6] = [
    "O",
    "B-person",
    "I-person",
    "B-geo-loc",
    "I-geo-loc",
    "B-a:b",
];

fn labels() -> Vec<String> {
    LABELS.map(String::from).to_vec()
}

/// Asserts that `probs` is a distribution over [`LABELS`].
fn assert_distribution(probs: &[f32], what: &str) {
    assert_eq!(probs.len(), LABELS.len(), "{what}");
    assert!(
        probs.iter().all(|p| (0.0..=1.0).contains(p)),
        "{what}: {probs:?}"
    );
    let sum: f32 = probs.iter().sum();
    assert!((sum - 1.0).abs() < 1e-4, "{what}: sums to {sum}");
}

/// Asserts that two distributions agree up to three-decimal rounding and the
/// renormalisation that follows it.
fn assert_close(a: &[f32], b: &[f32], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 0.02, "{what}: {a:?} vs {b:?}");
    }
}

pub fn check(data: &[u8]) {
    let labels = labels();
    let field = String::from_utf8_lossy(data);
    if let Ok(probs) = parse_soft(&field, &labels) {
        assert_distribution(&probs, &field);
        let written = format_soft(&probs, &labels, 0.0);
        let again = parse_soft(&written, &labels)
            .unwrap_or_else(|e| panic!("{field:?} wrote {written:?}, which fails: {e}"));
        assert_close(&probs, &again, &written);
    }
    // The bytes as weights of a distribution.
    let weights: Vec<f32> = (0..LABELS.len())
        .map(|i| f32::from(data.get(i).copied().unwrap_or(0)))
        .collect();
    let total: f32 = weights.iter().sum();
    if total > 0.0 {
        let probs: Vec<f32> = weights.iter().map(|w| w / total).collect();
        let min = f32::from(data.get(LABELS.len()).copied().unwrap_or(0)) / 255.0;
        let written = format_soft(&probs, &labels, min);
        let best = probs
            .iter()
            .enumerate()
            .fold(0, |b, (i, p)| if *p > probs[b] { i } else { b });
        assert!(
            written.starts_with(&format!("{}:", LABELS[best])),
            "{written}"
        );
        if min == 0.0 {
            let back = parse_soft(&written, &labels)
                .unwrap_or_else(|e| panic!("{probs:?} wrote {written:?}, which fails: {e}"));
            assert_close(&probs, &back, &written);
        }
    }
}
