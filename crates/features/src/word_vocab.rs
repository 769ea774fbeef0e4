//! The word vocabulary of the tagger and its initial embedding matrix.
//!
//! Built from training tokens and the pretrained embedding words only (never dev/test
//! text), so evaluation stays honest while test words that training never saw still
//! get pretrained vectors. Tokens map to ids through the same fallback chain as
//! [`tweetner_embed::Embeddings::lookup`], so `#Trump` shares the row of `trump`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tweetner_embed::{fallback_key, resolve, Coverage, Embeddings, MatchRule};

use crate::error::FeatureError;
use tweetner_core::rng::SplitMix64;

/// Settings for [`WordVocab::build`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WordVocabConfig {
    /// A training word without a pretrained vector needs this many occurrences (of its
    /// normalised key) to get its own id; rarer ones stay UNK so that UNK is trained.
    pub min_count: usize,
    /// Keep only the first N pretrained words (by corpus frequency) besides those that
    /// training tokens reach; `None` keeps them all.
    pub max_pretrained: Option<usize>,
}

impl Default for WordVocabConfig {
    fn default() -> Self {
        WordVocabConfig {
            min_count: 2,
            max_pretrained: None,
        }
    }
}

/// Word ids: 0 = PAD, 1 = UNK, then pretrained words (embedding order), then
/// training-only words (most frequent first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WordVocabRepr", into = "WordVocabRepr")]
pub struct WordVocab {
    words: Vec<String>,
    index: HashMap<String, u32>,
    /// Ids `2..2+pretrained` are pretrained words.
    pretrained: usize,
}

#[derive(Serialize, Deserialize)]
struct WordVocabRepr {
    pretrained: usize,
    words: Vec<String>,
}

impl From<WordVocab> for WordVocabRepr {
    fn from(v: WordVocab) -> Self {
        WordVocabRepr {
            pretrained: v.pretrained,
            words: v.words,
        }
    }
}

impl TryFrom<WordVocabRepr> for WordVocab {
    type Error = String;
    fn try_from(r: WordVocabRepr) -> Result<Self, String> {
        if r.words.len() < 2
            || r.words[0] != WordVocab::PAD_TOKEN
            || r.words[1] != WordVocab::UNK_TOKEN
        {
            return Err("word vocabulary must start with the PAD and UNK entries".into());
        }
        if r.pretrained + 2 > r.words.len() {
            return Err("pretrained count exceeds the vocabulary".into());
        }
        WordVocab::from_words(r.words, r.pretrained)
    }
}

/// The initial embedding matrix of a vocabulary: row `id` is `data[id*dim..(id+1)*dim]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingMatrix {
    /// One row per vocabulary id, PAD and UNK included.
    pub rows: usize,
    /// Values per row; equals the embeddings' dimension when they were given.
    pub dim: usize,
    /// Row-major values, `rows * dim` of them.
    pub data: Vec<f32>,
    /// Rows copied from pretrained vectors.
    pub pretrained_rows: usize,
}

impl WordVocab {
    /// Id used to pad sentences to a common length; its matrix row is zero.
    pub const PAD: u32 = 0;
    /// Id of every token the vocabulary does not reach.
    pub const UNK: u32 = 1;
    /// Entry stored for [`WordVocab::PAD`]; a token spelled like this is not looked up.
    pub const PAD_TOKEN: &'static str = "<pad>";
    /// Entry stored for [`WordVocab::UNK`]; a token spelled like this is not looked up.
    pub const UNK_TOKEN: &'static str = "<unk>";

    fn from_words(words: Vec<String>, pretrained: usize) -> Result<Self, String> {
        let mut index = HashMap::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let id = u32::try_from(i).map_err(|_| "vocabulary over 2^32 words".to_string())?;
            if index.insert(w.clone(), id).is_some() {
                return Err(format!("duplicate vocabulary word {w:?}"));
            }
        }
        Ok(WordVocab {
            words,
            index,
            pretrained,
        })
    }

    /// Builds the vocabulary from training tokens and (optionally) pretrained embeddings.
    ///
    /// Each training token is keyed by the embedding word the fallback chain finds for
    /// it, else by [`fallback_key`] (lowercase, digits as `0`), so spelling variants of
    /// one word pool their counts.
    pub fn build<I, S>(
        train_tokens: I,
        emb: Option<&Embeddings>,
        config: &WordVocabConfig,
    ) -> WordVocab
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let n_emb = emb.map_or(0, Embeddings::len);
        let mut emb_used = vec![false; n_emb];
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in train_tokens {
            let t = t.as_ref();
            match emb.and_then(|e| e.lookup(t)) {
                Some(l) => emb_used[l.id as usize] = true,
                None => *counts.entry(fallback_key(t)).or_insert(0) += 1,
            }
        }
        let mut words = vec![Self::PAD_TOKEN.to_string(), Self::UNK_TOKEN.to_string()];
        let limit = config.max_pretrained.unwrap_or(usize::MAX);
        if let Some(e) = emb {
            for (i, w) in e.words.iter().enumerate() {
                if (i < limit || emb_used[i]) && w != Self::PAD_TOKEN && w != Self::UNK_TOKEN {
                    words.push(w.clone());
                }
            }
        }
        let pretrained = words.len() - 2;
        let mut rest: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(w, c)| {
                *c >= config.min_count.max(1) && w != Self::PAD_TOKEN && w != Self::UNK_TOKEN
            })
            .collect();
        rest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.extend(rest.into_iter().map(|(w, _)| w));
        // Words are unique: embedding words are, and training keys missed the embeddings.
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        WordVocab {
            words,
            index,
            pretrained,
        }
    }

    /// Number of ids (PAD and UNK included).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Always false: PAD and UNK are always present.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Number of pretrained words (ids `2..2+n`).
    pub fn pretrained_count(&self) -> usize {
        self.pretrained
    }

    /// The vocabulary entry of `id`.
    pub fn word(&self, id: u32) -> Option<&str> {
        self.words.get(id as usize).map(String::as_str)
    }

    /// Id of `token` and the fallback rule that found it, or `None` (UNK).
    pub fn lookup(&self, token: &str) -> Option<(u32, MatchRule)> {
        if token == Self::PAD_TOKEN || token == Self::UNK_TOKEN {
            return None;
        }
        resolve(token, |c| self.index.get(c).copied())
    }

    /// Id of `token` ([`WordVocab::UNK`] when unknown).
    pub fn id(&self, token: &str) -> u32 {
        self.lookup(token).map_or(Self::UNK, |(id, _)| id)
    }

    /// Coverage of `tokens` by this vocabulary, per rule.
    pub fn coverage<I, S>(&self, tokens: I) -> Coverage
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Coverage::measure(tokens, |t| self.lookup(t).map(|(_, r)| r))
    }

    /// The initial embedding matrix: PAD is zero, pretrained words copy their vector,
    /// all other rows (UNK included) are uniform random with the standard deviation of
    /// the pretrained values (0.1 without embeddings), from `seed`.
    pub fn embedding_matrix(
        &self,
        emb: Option<&Embeddings>,
        dim: usize,
        seed: u64,
    ) -> Result<EmbeddingMatrix, FeatureError> {
        if let Some(e) = emb {
            if e.dim != dim {
                return Err(FeatureError::Invalid(format!(
                    "embedding matrix of dim {dim} requested from {}-dimensional embeddings",
                    e.dim
                )));
            }
        }
        if dim == 0 {
            return Err(FeatureError::Invalid(
                "embedding dimension must be positive".into(),
            ));
        }
        // Uniform on [-a, a] has std a/sqrt(3).
        let std = emb
            .map(|e| e.value_stats().1)
            .filter(|s| *s > 0.0)
            .unwrap_or(0.1);
        let a = std * 3f32.sqrt();
        let mut rng = SplitMix64::new(seed);
        let mut data = vec![0f32; self.len() * dim];
        let mut pretrained_rows = 0;
        for (id, word) in self.words.iter().enumerate().skip(1) {
            let row = &mut data[id * dim..(id + 1) * dim];
            match emb
                .and_then(|e| e.get(word))
                .filter(|_| id != Self::UNK as usize)
            {
                Some(v) => {
                    row.copy_from_slice(v);
                    pretrained_rows += 1;
                }
                None => row.iter_mut().for_each(|x| *x = rng.uniform_f32(a)),
            }
        }
        Ok(EmbeddingMatrix {
            rows: self.len(),
            dim,
            data,
            pretrained_rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb() -> Embeddings {
        let words: Vec<String> = ["the", "trump", "three", "love", "rare"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vectors = (0..10).map(|x| x as f32 / 10.0).collect();
        Embeddings::new(2, words, vectors).unwrap()
    }

    fn train() -> Vec<&'static str> {
        vec![
            "The", "#Trump", "3", "lol", "LOL", "2010", "2011", "xyzzy", "the",
        ]
    }

    #[test]
    fn build_and_fallback_chain() {
        let e = emb();
        let v = WordVocab::build(train(), Some(&e), &WordVocabConfig::default());
        // PAD, UNK, 5 pretrained, then "lol" (2) and "0000" (2); "xyzzy" (1) is dropped
        assert_eq!(v.len(), 2 + 5 + 2);
        assert_eq!(v.pretrained_count(), 5);
        assert_eq!(v.word(0), Some(WordVocab::PAD_TOKEN));
        assert_eq!(v.id("#TRUMP"), v.id("trump"));
        assert_eq!(v.lookup("#Trump").map(|x| x.1), Some(MatchRule::StripSigil));
        assert_eq!(v.lookup("Lol").map(|x| x.1), Some(MatchRule::Lowercase));
        assert_eq!(v.lookup("2015").map(|x| x.1), Some(MatchRule::DigitZero));
        assert_eq!(v.id("xyzzy"), WordVocab::UNK);
        assert_eq!(v.id("<pad>"), WordVocab::UNK);
        // a pretrained word never seen in training still has an id
        assert_ne!(v.id("rare"), WordVocab::UNK);
    }

    #[test]
    fn max_pretrained_keeps_train_hits() {
        let e = emb();
        let cfg = WordVocabConfig {
            min_count: 1,
            max_pretrained: Some(1),
        };
        let v = WordVocab::build(train(), Some(&e), &cfg);
        let kept: Vec<&str> = (2..2 + v.pretrained_count() as u32)
            .filter_map(|i| v.word(i))
            .collect();
        assert_eq!(kept, vec!["the", "trump", "three"]);
        assert_eq!(v.id("rare"), WordVocab::UNK);
        assert_ne!(v.id("xyzzy"), WordVocab::UNK);
    }

    #[test]
    fn matrix_rows() {
        let e = emb();
        let v = WordVocab::build(train(), Some(&e), &WordVocabConfig::default());
        let m = v.embedding_matrix(Some(&e), 2, 42).unwrap();
        assert_eq!((m.rows, m.dim, m.data.len()), (v.len(), 2, v.len() * 2));
        assert_eq!(m.pretrained_rows, 5);
        assert_eq!(&m.data[0..2], &[0.0, 0.0]);
        let t = v.id("trump") as usize;
        assert_eq!(&m.data[t * 2..t * 2 + 2], e.get("trump").unwrap());
        let unk = &m.data[2..4];
        assert!(unk.iter().any(|x| *x != 0.0));
        assert_eq!(m, v.embedding_matrix(Some(&e), 2, 42).unwrap());
        assert_ne!(m, v.embedding_matrix(Some(&e), 2, 43).unwrap());
        assert!(v.embedding_matrix(Some(&e), 3, 1).is_err());
        let plain = v.embedding_matrix(None, 4, 1).unwrap();
        assert_eq!(plain.pretrained_rows, 0);
        assert!(plain.data[4..].iter().all(|x| x.abs() <= 0.1 * 3f32.sqrt()));
    }

    #[test]
    fn serde_roundtrip_and_validation() {
        let e = emb();
        let v = WordVocab::build(train(), Some(&e), &WordVocabConfig::default());
        let json = serde_json::to_string(&v).unwrap();
        let back: WordVocab = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        assert!(serde_json::from_str::<WordVocab>(r#"{"pretrained":0,"words":["a"]}"#).is_err());
        assert!(serde_json::from_str::<WordVocab>(
            r#"{"pretrained":0,"words":["<pad>","<unk>","a","a"]}"#
        )
        .is_err());
        assert!(
            serde_json::from_str::<WordVocab>(r#"{"pretrained":5,"words":["<pad>","<unk>"]}"#)
                .is_err()
        );
    }
}
