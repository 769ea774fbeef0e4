//! Words → sub-word pieces with a Hugging Face `tokenizer.json`, keeping for
//! every piece the word it came from.
//!
//! Tweets arrive already split into words (the CoNLL tokens), so the
//! tokenizer runs in pre-tokenized mode: each word is normalised and split on
//! its own, and every piece carries its word's index. Two repairs keep the
//! word ↔ piece mapping total:
//!
//! * a word that yields no piece at all (a lone variation selector U+FE0F, a
//!   private-use character or a control character, all of which the BERT
//!   normaliser deletes) becomes the unknown token, so no word loses its label;
//! * a special token spelled out inside a tweet (`[SEP]`, `<mask>`) is
//!   matched by the tokenizer's added vocabulary before normalisation; it
//!   becomes the unknown token too, so text can never inject a separator.
//!
//! Padding and truncation configured in the file are switched off: windows
//! over long tweets are made explicitly by [`crate::window`].

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use tokenizers::models::ModelWrapper;
use tokenizers::Tokenizer;

use crate::error::TransformerError;

/// A tweet as sub-word pieces, without special tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignedSentence {
    /// Piece ids in order.
    pub pieces: Vec<u32>,
    /// The word each piece belongs to (non-decreasing).
    pub piece_word: Vec<usize>,
    /// Index of each word's first piece; word `w` owns
    /// `word_start[w]..word_start[w + 1]` (the last word runs to the end).
    /// Every word owns at least one piece.
    pub word_start: Vec<usize>,
    /// Words that produced no piece and were given the unknown token.
    pub unknown_words: Vec<usize>,
}

impl AlignedSentence {
    /// Number of words.
    pub fn num_words(&self) -> usize {
        self.word_start.len()
    }

    /// The pieces of word `w` (empty for an out-of-range `w`).
    pub fn word_pieces(&self, w: usize) -> Range<usize> {
        match self.word_start.get(w) {
            Some(&start) => {
                let end = self
                    .word_start
                    .get(w + 1)
                    .copied()
                    .unwrap_or(self.pieces.len());
                start..end
            }
            None => 0..0,
        }
    }

    /// Whether piece `p` starts its word.
    pub fn is_first_piece(&self, p: usize) -> bool {
        match self.piece_word.get(p) {
            Some(&w) => self.word_start.get(w) == Some(&p),
            None => false,
        }
    }
}

/// A `tokenizer.json` set up for pre-tokenized tweets.
#[derive(Clone)]
pub struct SubwordTokenizer {
    tokenizer: Tokenizer,
    path: PathBuf,
    prefix: Vec<u32>,
    suffix: Vec<u32>,
    unk_id: u32,
    special_ids: HashSet<u32>,
}

impl std::fmt::Debug for SubwordTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubwordTokenizer")
            .field("path", &self.path)
            .field("prefix", &self.prefix)
            .field("suffix", &self.suffix)
            .field("unk_id", &self.unk_id)
            .finish()
    }
}

impl SubwordTokenizer {
    /// Load a `tokenizer.json`, switch its padding and truncation off and
    /// find its unknown token and the special tokens it wraps inputs in.
    pub fn from_file(path: &Path) -> Result<Self, TransformerError> {
        let err = |message: String| TransformerError::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        let mut tokenizer = Tokenizer::from_file(path).map_err(|e| err(e.to_string()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| err(format!("cannot switch truncation off: {e}")))?;
        tokenizer.with_padding(None);
        let unk_token = match tokenizer.get_model() {
            ModelWrapper::WordPiece(wp) => Some(wp.unk_token.clone()),
            ModelWrapper::BPE(bpe) => bpe.unk_token.clone(),
            _ => None,
        };
        let unk_id = unk_token
            .into_iter()
            .chain(["[UNK]".to_string(), "<unk>".to_string()])
            .find_map(|t| tokenizer.token_to_id(&t))
            .ok_or_else(|| err("the vocabulary has no unknown token".into()))?;
        let special_ids: HashSet<u32> = tokenizer
            .get_added_tokens_decoder()
            .into_iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| id)
            .collect();
        // The specials the post-processor puts around one word are the
        // prefix and suffix of every input.
        let probe = tokenizer
            .encode(&["a"][..], true)
            .map_err(|e| err(format!("encoding a probe word: {e}")))?;
        let is_word: Vec<bool> = probe.get_word_ids().iter().map(|w| w.is_some()).collect();
        let first = is_word.iter().position(|&b| b).unwrap_or(probe.len());
        let last = is_word.iter().rposition(|&b| b).map_or(first, |l| l + 1);
        let ids = probe.get_ids();
        Ok(SubwordTokenizer {
            prefix: ids[..first].to_vec(),
            suffix: ids[last.max(first)..].to_vec(),
            tokenizer,
            path: path.to_path_buf(),
            unk_id,
            special_ids,
        })
    }

    /// Id given to words without pieces and to smuggled special tokens.
    pub fn unk_id(&self) -> u32 {
        self.unk_id
    }

    /// Special ids before the pieces of every input (`[CLS]`, `<s>`).
    pub fn prefix(&self) -> &[u32] {
        &self.prefix
    }

    /// Special ids after the pieces of every input (`[SEP]`, `</s>`).
    pub fn suffix(&self) -> &[u32] {
        &self.suffix
    }

    /// Number of special tokens around each input.
    pub fn special_overhead(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// The text of a piece id (for diagnostics).
    pub fn piece_text(&self, id: u32) -> Option<String> {
        self.tokenizer.id_to_token(id)
    }

    /// Split pre-tokenized `words` into pieces, every word keeping ≥ 1 piece.
    pub fn tokenize<S: AsRef<str>>(
        &self,
        words: &[S],
    ) -> Result<AlignedSentence, TransformerError> {
        let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
        let mut sentence = AlignedSentence {
            pieces: Vec::new(),
            piece_word: Vec::new(),
            word_start: Vec::with_capacity(words.len()),
            unknown_words: Vec::new(),
        };
        if words.is_empty() {
            return Ok(sentence);
        }
        let encoding = self
            .tokenizer
            .encode(words.as_slice(), false)
            .map_err(|e| TransformerError::Tokenizer {
                path: self.path.clone(),
                message: format!("encoding {:?}: {e}", words.join(" ")),
            })?;
        let mut by_word: Vec<Vec<u32>> = vec![Vec::new(); words.len()];
        for (&id, word) in encoding.get_ids().iter().zip(encoding.get_word_ids()) {
            let Some(pieces) = word.and_then(|w| by_word.get_mut(w as usize)) else {
                return Err(TransformerError::Tokenizer {
                    path: self.path.clone(),
                    message: format!("piece {id} has no word index (word ids {word:?})"),
                });
            };
            pieces.push(if self.special_ids.contains(&id) {
                self.unk_id
            } else {
                id
            });
        }
        for (w, mut pieces) in by_word.into_iter().enumerate() {
            if pieces.is_empty() {
                pieces.push(self.unk_id);
                sentence.unknown_words.push(w);
            }
            sentence.word_start.push(sentence.pieces.len());
            sentence
                .piece_word
                .extend(std::iter::repeat_n(w, pieces.len()));
            sentence.pieces.extend(pieces);
        }
        Ok(sentence)
    }

    /// `pieces` wrapped in the model's special tokens.
    pub fn with_specials(&self, pieces: &[u32]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(pieces.len() + self.special_overhead());
        ids.extend_from_slice(&self.prefix);
        ids.extend_from_slice(pieces);
        ids.extend_from_slice(&self.suffix);
        ids
    }
}
