//! Character vocabulary for the tagger's character encoder.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Character ids: 0 = PAD, 1 = UNK, then characters seen in training (case kept: case is
/// a strong entity cue), most frequent first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CharVocabRepr", into = "CharVocabRepr")]
pub struct CharVocab {
    chars: Vec<char>,
    index: HashMap<char, u32>,
    max_len: usize,
}

#[derive(Serialize, Deserialize)]
struct CharVocabRepr {
    max_len: usize,
    /// All known characters in id order (ids 2, 3, ...), as one string.
    chars: String,
}

impl From<CharVocab> for CharVocabRepr {
    fn from(v: CharVocab) -> Self {
        CharVocabRepr {
            max_len: v.max_len,
            chars: v.chars.into_iter().collect(),
        }
    }
}

impl TryFrom<CharVocabRepr> for CharVocab {
    type Error = String;
    fn try_from(r: CharVocabRepr) -> Result<Self, String> {
        if r.max_len == 0 {
            return Err("char max_len must be positive".into());
        }
        let chars: Vec<char> = r.chars.chars().collect();
        let index = index_of(&chars);
        if index.len() != chars.len() {
            return Err("duplicate character in char vocabulary".into());
        }
        Ok(CharVocab {
            chars,
            index,
            max_len: r.max_len,
        })
    }
}

fn index_of(chars: &[char]) -> HashMap<char, u32> {
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i as u32 + 2))
        .collect()
}

impl CharVocab {
    /// Id of padding positions, and the single id of an empty token.
    pub const PAD: u32 = 0;
    /// Id of every character not kept from training.
    pub const UNK: u32 = 1;

    /// Characters occurring at least `min_count` times in `train_tokens`; token char
    /// sequences are cut to `max_len` (at least 1).
    pub fn build<I, S>(train_tokens: I, min_count: usize, max_len: usize) -> CharVocab
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut counts: HashMap<char, usize> = HashMap::new();
        for t in train_tokens {
            for c in t.as_ref().chars() {
                *counts.entry(c).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(char, usize)> = counts
            .into_iter()
            .filter(|(_, n)| *n >= min_count.max(1))
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let chars: Vec<char> = kept.into_iter().map(|(c, _)| c).collect();
        CharVocab {
            index: index_of(&chars),
            chars,
            max_len: max_len.max(1),
        }
    }

    /// Number of ids (PAD and UNK included).
    pub fn len(&self) -> usize {
        self.chars.len() + 2
    }

    /// Always false: PAD and UNK are always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Longest char sequence produced per token.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Id of one character.
    pub fn id(&self, c: char) -> u32 {
        self.index.get(&c).copied().unwrap_or(Self::UNK)
    }

    /// Char ids of `token`, at most `max_len` long (an empty token yields `[PAD]`, so
    /// every token has at least one position). Longer tokens keep their first and last
    /// characters and drop the middle: prefixes carry `@`/`#`/capitals, suffixes carry
    /// morphology (`-ville`, `'s`), and URLs' middles say little.
    pub fn ids(&self, token: &str) -> Vec<u32> {
        let chars: Vec<char> = token.chars().collect();
        if chars.is_empty() {
            return vec![Self::PAD];
        }
        if chars.len() <= self.max_len {
            return chars.iter().map(|&c| self.id(c)).collect();
        }
        let head = self.max_len.div_ceil(2);
        let tail = self.max_len - head;
        chars[..head]
            .iter()
            .chain(&chars[chars.len() - tail..])
            .map(|&c| self.id(c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_ids_and_truncation() {
        let v = CharVocab::build(["aab", "Ab", "z"], 2, 4);
        // a and b (2 each) kept; A and z (1 each) dropped
        assert_eq!(v.len(), 4);
        assert_eq!(v.ids("ab"), vec![2, 3]);
        assert_eq!(v.ids("Az"), vec![CharVocab::UNK, CharVocab::UNK]);
        assert_eq!(v.ids(""), vec![CharVocab::PAD]);
        // 6 chars -> first 2 + last 2
        assert_eq!(v.ids("abzzba"), vec![2, 3, 3, 2]);
        let odd = CharVocab::build(["abcde"], 1, 3);
        assert_eq!(odd.ids("abcde").len(), 3);
        assert_eq!(
            odd.ids("abcde"),
            vec![odd.id('a'), odd.id('b'), odd.id('e')]
        );
    }

    #[test]
    fn serde_roundtrip() {
        let v = CharVocab::build(["h\u{e9}llo \u{1F600}\"\\"], 1, 20);
        let json = serde_json::to_string(&v).unwrap();
        let back: CharVocab = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        assert!(serde_json::from_str::<CharVocab>(r#"{"max_len":0,"chars":"a"}"#).is_err());
        assert!(serde_json::from_str::<CharVocab>(r#"{"max_len":3,"chars":"aa"}"#).is_err());
    }
}
