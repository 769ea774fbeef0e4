//! In-memory word vectors with fallback lookup, coverage and pruning.

use std::collections::HashMap;

use crate::coverage::Coverage;
use crate::error::EmbedError;
use crate::fallback::{resolve, MatchRule};

/// A pretrained embedding table: `words[i]` owns `vectors[i*dim .. (i+1)*dim]`.
///
/// Words keep the source file's order, which for GloVe is descending corpus frequency;
/// [`Embeddings::prune`] relies on that to keep the most frequent words.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// Values per vector (always positive).
    pub dim: usize,
    /// Unique words in row order; row `i` belongs to `words[i]`.
    pub words: Vec<String>,
    /// Row id of each word, the inverse of `words`; kept in step with it.
    pub index: HashMap<String, u32>,
    /// All rows back to back, `words.len() * dim` values.
    pub vectors: Vec<f32>,
}

/// Result of a fallback lookup: the row found and the rule that found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup {
    /// Row of the matched word, for [`Embeddings::row`].
    pub id: u32,
    /// Which step of the fallback chain matched.
    pub rule: MatchRule,
}

impl Embeddings {
    /// Builds a table, checking that sizes agree and words are unique.
    pub fn new(dim: usize, words: Vec<String>, vectors: Vec<f32>) -> Result<Self, EmbedError> {
        if dim == 0 {
            return Err(EmbedError::Invalid("dimension must be positive".into()));
        }
        if words.len().checked_mul(dim) != Some(vectors.len()) {
            return Err(EmbedError::Invalid(format!(
                "{} words x {dim} dims needs {} values, got {}",
                words.len(),
                words.len().saturating_mul(dim),
                vectors.len()
            )));
        }
        if u32::try_from(words.len()).is_err() {
            return Err(EmbedError::Invalid("more than 2^32 words".into()));
        }
        let mut index = HashMap::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            // `i` fits in u32: checked above.
            if index.insert(w.clone(), i as u32).is_some() {
                return Err(EmbedError::Invalid(format!("duplicate word {w:?}")));
            }
        }
        Ok(Embeddings {
            dim,
            words,
            index,
            vectors,
        })
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when the table has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The vector of row `id` (panics only on an id not produced by this table).
    pub fn row(&self, id: u32) -> &[f32] {
        let start = id as usize * self.dim;
        &self.vectors[start..start + self.dim]
    }

    /// Row id of `word` as written (no fallback).
    pub fn id(&self, word: &str) -> Option<u32> {
        self.index.get(word).copied()
    }

    /// Vector of `word` as written (no fallback).
    pub fn get(&self, word: &str) -> Option<&[f32]> {
        self.id(word).map(|id| self.row(id))
    }

    /// Finds `token` through the fallback chain (see [`crate::fallback`]).
    pub fn lookup(&self, token: &str) -> Option<Lookup> {
        resolve(token, |c| self.id(c)).map(|(id, rule)| Lookup { id, rule })
    }

    /// Vector of `token` through the fallback chain, with the rule that matched.
    pub fn lookup_vector(&self, token: &str) -> Option<(&[f32], MatchRule)> {
        self.lookup(token).map(|l| (self.row(l.id), l.rule))
    }

    /// How many tokens (and distinct token strings) the table covers, per rule.
    pub fn coverage<I, S>(&self, tokens: I) -> Coverage
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Coverage::measure(tokens, |t| self.lookup(t).map(|l| l.rule))
    }

    /// A smaller table with the `top_n_frequent` first words (GloVe order is by
    /// frequency) plus every word for which `keep` is true, in the original order.
    ///
    /// Used to ship a default model whose vectors cover the training vocabulary and
    /// the commonest English words without the full 341k-word table.
    pub fn prune(&self, keep: impl Fn(&str) -> bool, top_n_frequent: usize) -> Embeddings {
        let mut words = Vec::new();
        let mut vectors = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            if i < top_n_frequent || keep(w) {
                words.push(w.clone());
                vectors.extend_from_slice(self.row(i as u32));
            }
        }
        // Subset of a valid table: sizes agree and words are unique.
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        Embeddings {
            dim: self.dim,
            words,
            index,
            vectors,
        }
    }

    /// Like [`Embeddings::prune`], keeping every word that some token of `tokens`
    /// reaches through the fallback chain.
    pub fn prune_for_tokens<I, S>(&self, tokens: I, top_n_frequent: usize) -> Embeddings
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut needed = vec![false; self.len()];
        for t in tokens {
            if let Some(l) = self.lookup(t.as_ref()) {
                needed[l.id as usize] = true;
            }
        }
        self.prune(
            |w| self.id(w).is_some_and(|id| needed[id as usize]),
            top_n_frequent,
        )
    }

    /// Mean and standard deviation over all values, so that vectors for words without a
    /// pretrained row can be initialised at a comparable scale.
    pub fn value_stats(&self) -> (f32, f32) {
        if self.vectors.is_empty() {
            return (0.0, 0.0);
        }
        let n = self.vectors.len() as f64;
        let mean = self.vectors.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = self
            .vectors
            .iter()
            .map(|&x| (x as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean as f32, var.sqrt() as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Embeddings {
        let words = ["the", "trump", "three", "so", "pm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vectors = (0..10).map(|x| x as f32).collect();
        Embeddings::new(2, words, vectors).unwrap()
    }

    #[test]
    fn new_rejects_bad_shapes() {
        assert!(Embeddings::new(2, vec!["a".into()], vec![1.0]).is_err());
        assert!(Embeddings::new(0, vec![], vec![]).is_err());
        assert!(Embeddings::new(1, vec!["a".into(), "a".into()], vec![1.0, 2.0]).is_err());
    }

    #[test]
    fn get_and_lookup() {
        let e = table();
        assert_eq!(e.get("trump"), Some(&[2.0, 3.0][..]));
        assert_eq!(e.get("Trump"), None);
        let (v, rule) = e.lookup_vector("#Trump").unwrap();
        assert_eq!((v, rule), (&[2.0, 3.0][..], MatchRule::StripSigil));
        assert_eq!(e.lookup("3").map(|l| l.id), Some(2));
        assert!(e.lookup("xyz").is_none());
    }

    #[test]
    fn prune_keeps_top_and_selected_in_order() {
        let e = table();
        let p = e.prune(|w| w == "pm", 2);
        assert_eq!(p.words, vec!["the", "trump", "pm"]);
        assert_eq!(p.get("pm"), Some(&[8.0, 9.0][..]));
        assert_eq!(p.id("pm"), Some(2));
        let q = e.prune_for_tokens(["SOOO", "3pm"], 0);
        assert_eq!(q.words, vec!["so", "pm"]);
    }

    #[test]
    fn stats() {
        let e = table();
        let (m, s) = e.value_stats();
        assert!((m - 4.5).abs() < 1e-6);
        assert!((s - 8.25f32.sqrt()).abs() < 1e-5);
    }
}
