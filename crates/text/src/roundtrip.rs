//! Round-trip check against pre-tokenized data: join a tweet's tokens with
//! single spaces, re-tokenize, and see whether the same tokens come back.
//! This measures how closely [`crate::tokenize`] follows the data's
//! tokenization conventions (it can only split a gold token or not, since
//! spaces always separate tokens).

/// Result of [`roundtrip_rate`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoundTrip {
    /// Tweets checked.
    pub total: usize,
    /// Tweets whose tokens came back identical.
    pub identical: usize,
    /// `(tweet index, gold tokens, re-tokenized tokens)` of the others.
    pub mismatches: Vec<(usize, Vec<String>, Vec<String>)>,
}

impl RoundTrip {
    /// Fraction of identical tweets (1.0 for an empty input).
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.identical as f64 / self.total as f64
        }
    }
}

/// Re-tokenize each tweet's tokens joined by spaces and compare.
pub fn roundtrip_rate(tweets: &[Vec<String>]) -> RoundTrip {
    let mut rt = RoundTrip {
        total: tweets.len(),
        ..RoundTrip::default()
    };
    for (idx, gold) in tweets.iter().enumerate() {
        let got: Vec<String> = crate::tokenize(&gold.join(" "))
            .into_iter()
            .map(|t| t.text)
            .collect();
        if &got == gold {
            rt.identical += 1;
        } else {
            rt.mismatches.push((idx, gold.clone(), got));
        }
    }
    rt
}
