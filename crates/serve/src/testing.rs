//! A deterministic stand-in tagger, so the server can be tested and load
//! tested without a trained model: its answers are known in advance, it can
//! be made slow (a fixed CPU cost per token) or held at a gate (to fill the
//! queue on purpose), and it fails or panics on request.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use tweetner_core::{ModelError, SpanScore, TaggedSentence, Tagger};

/// Tags each run of capitalised tokens as one `person` entity (score 0.75).
/// A token `FAIL` makes the batch return an error, `PANIC` makes it panic.
#[derive(Debug)]
pub struct MockTagger {
    labels: Vec<String>,
    cost_per_token: Duration,
    /// `true` while closed: `tag_batch` waits until [`MockTagger::release`].
    gate: Mutex<bool>,
    opened: Condvar,
    entered: Mutex<usize>,
    batch_sizes: Mutex<Vec<usize>>,
}

impl Default for MockTagger {
    fn default() -> Self {
        MockTagger {
            labels: ["O", "B-person", "I-person"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            cost_per_token: Duration::ZERO,
            gate: Mutex::new(false),
            opened: Condvar::new(),
            entered: Mutex::new(0),
            batch_sizes: Mutex::new(Vec::new()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MockTagger {
    /// An instant tagger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spend `cost` of CPU (busy-waiting, like real inference) per token, plus
    /// the same once per batch, so batching pays off as it does with a model.
    pub fn with_cost_per_token(mut self, cost: Duration) -> Self {
        self.cost_per_token = cost;
        self
    }

    /// Every batch waits until [`MockTagger::release`] is called.
    pub fn gated(self) -> Self {
        *lock(&self.gate) = true;
        self
    }

    /// Open the gate for good.
    pub fn release(&self) {
        *lock(&self.gate) = false;
        self.opened.notify_all();
    }

    /// Batches that have entered `tag_batch` (including ones held at the gate).
    pub fn entered(&self) -> usize {
        *lock(&self.entered)
    }

    /// Sizes (sentences) of the batches seen so far, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        lock(&self.batch_sizes).clone()
    }

    fn spin(&self, tokens: usize) {
        if self.cost_per_token.is_zero() {
            return;
        }
        let until = Instant::now() + self.cost_per_token * (tokens as u32 + 1);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

impl Tagger for MockTagger {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
        *lock(&self.entered) += 1;
        lock(&self.batch_sizes).push(sentences.len());
        let mut closed = lock(&self.gate);
        while *closed {
            closed = self.opened.wait(closed).unwrap_or_else(|p| p.into_inner());
        }
        drop(closed);
        let words = sentences.iter().flatten();
        if words.clone().any(|w| w == "PANIC") {
            panic!("mock tagger asked to panic");
        }
        if words.clone().any(|w| w == "FAIL") {
            return Err(ModelError::Features("mock tagger asked to fail".into()));
        }
        self.spin(sentences.iter().map(Vec::len).sum());
        Ok(sentences.iter().map(|s| tag_caps(s)).collect())
    }
}

fn tag_caps(words: &[String]) -> TaggedSentence {
    let caps: Vec<bool> = words
        .iter()
        .map(|w| w.chars().next().is_some_and(char::is_uppercase))
        .collect();
    let mut tags = Vec::with_capacity(words.len());
    let mut spans: Vec<SpanScore> = Vec::new();
    for (i, &c) in caps.iter().enumerate() {
        if !c {
            tags.push("O".to_string());
        } else if i > 0 && caps[i - 1] {
            tags.push("I-person".to_string());
            if let Some(last) = spans.last_mut() {
                last.end = i + 1;
            }
        } else {
            tags.push("B-person".to_string());
            spans.push(SpanScore {
                start: i,
                end: i + 1,
                ty: "person".into(),
                score: 0.75,
            });
        }
    }
    TaggedSentence {
        token_scores: vec![0.9; words.len()],
        tags,
        spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn runs_of_capitals_become_one_span() {
        let out = MockTagger::new()
            .tag_batch(&[words("met Barack Obama in Paris"), vec![]])
            .unwrap();
        assert_eq!(out[0].tags, ["O", "B-person", "I-person", "O", "B-person"]);
        let spans: Vec<(usize, usize)> = out[0].spans.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, [(1, 3), (4, 5)]);
        assert!(out[1].tags.is_empty());
    }

    #[test]
    fn fail_token_is_an_error_and_gate_blocks_until_released() {
        let t = std::sync::Arc::new(MockTagger::new().gated());
        let t2 = std::sync::Arc::clone(&t);
        let h = std::thread::spawn(move || t2.tag_batch(&[words("FAIL now")]));
        while t.entered() < 1 {
            std::thread::yield_now();
        }
        assert!(!h.is_finished());
        t.release();
        assert!(h.join().unwrap().is_err());
        assert_eq!(t.batch_sizes(), [1]);
    }
}
