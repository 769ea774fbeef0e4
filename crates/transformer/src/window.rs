//! Cutting tweets into encoder inputs no longer than the model allows, and
//! mapping outputs back to words.
//!
//! A tweet whose pieces fit in one input gets exactly one window. A longer one
//! is covered by overlapping windows (each starting at a word boundary where
//! possible); nothing is truncated. Every piece is *owned* by the window in
//! which it sits most centrally (furthest from either edge, so it saw the most
//! context on both sides); labels are trained and predictions read only at
//! owned positions, so each word is counted exactly once.

use serde::{Deserialize, Serialize};

use crate::error::TransformerError;
use crate::subword::{AlignedSentence, SubwordTokenizer};

/// Label value of positions the loss ignores (specials, non-first pieces,
/// pieces owned by another window), as in PyTorch's cross-entropy.
pub const IGNORE_INDEX: i64 = -100;

/// Which pieces of a word carry its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceLabelling {
    /// Only the first piece; the rest are ignored (the usual choice).
    #[default]
    FirstPiece,
    /// Every piece; continuation pieces get a continuation label (B-x → I-x).
    AllPieces,
}

/// How tweets are cut into inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowConfig {
    /// Longest input, special tokens included (at most the encoder's
    /// [`crate::EncoderConfig::max_input_len`]).
    pub max_length: usize,
    /// Pieces shared by consecutive windows of one tweet (what Hugging Face
    /// tokenizers call `stride`); must be below the window's piece budget.
    pub overlap: usize,
    /// Which pieces are labelled.
    #[serde(default)]
    pub labelling: PieceLabelling,
}

impl Default for WindowConfig {
    /// 128-token inputs (every WNUT-16 tweet fits), 32 pieces of overlap.
    fn default() -> Self {
        WindowConfig {
            max_length: 128,
            overlap: 32,
            labelling: PieceLabelling::FirstPiece,
        }
    }
}

impl WindowConfig {
    /// Pieces per window once `overhead` special tokens are placed, checked.
    pub fn budget(&self, overhead: usize) -> Result<usize, TransformerError> {
        let budget = self.max_length.saturating_sub(overhead);
        if budget == 0 {
            return Err(TransformerError::Input(format!(
                "max_length {} leaves no room beside {overhead} special tokens",
                self.max_length
            )));
        }
        if self.overlap >= budget {
            return Err(TransformerError::Input(format!(
                "overlap {} must be below the {budget} pieces a window holds",
                self.overlap
            )));
        }
        Ok(budget)
    }
}

/// One encoder input: a contiguous run of one tweet's pieces plus specials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Index of the tweet in the slice given to [`Windows::new`].
    pub sentence: usize,
    /// First piece (index into the tweet's pieces).
    pub start: usize,
    /// One past the last piece.
    pub end: usize,
    /// Token ids, special tokens included.
    pub input_ids: Vec<u32>,
    /// Input position of piece `start` (the number of leading specials).
    pub offset: usize,
}

/// Where to read one output: window index and input position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Window index.
    pub window: usize,
    /// Position inside the window's input.
    pub position: usize,
}

/// A labelled piece at an owned window position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelledPiece {
    /// Word index within its tweet.
    pub word: usize,
    /// Whether the piece starts its word.
    pub first: bool,
}

/// Windows over a batch of tweets and the maps back to words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows {
    /// All windows, tweet by tweet.
    pub windows: Vec<Window>,
    /// `[tweet][word]`: where the word's first piece is owned.
    pub word_locations: Vec<Vec<Location>>,
    /// `[window][position]`: the labelled piece this window owns there.
    pub labelled: Vec<Vec<Option<LabelledPiece>>>,
}

/// Window ranges `[start, end)` over `n` pieces with the given budget and
/// overlap; starts are moved back to a word start when that still advances.
fn ranges(sentence: &AlignedSentence, budget: usize, overlap: usize) -> Vec<(usize, usize)> {
    let n = sentence.pieces.len();
    let step = budget - overlap;
    let mut out = vec![(0, n.min(budget))];
    while let Some(&(start, end)) = out.last() {
        if end >= n {
            break;
        }
        let nominal = start + step;
        let word = sentence.piece_word.get(nominal).copied().unwrap_or(0);
        let snapped = sentence.word_start.get(word).copied().unwrap_or(nominal);
        let next = if snapped > start { snapped } else { nominal };
        out.push((next, (next + budget).min(n)));
    }
    out
}

impl Windows {
    /// Cut each tweet into windows. Empty tweets get none.
    pub fn new(
        sentences: &[AlignedSentence],
        tokenizer: &SubwordTokenizer,
        config: &WindowConfig,
    ) -> Result<Self, TransformerError> {
        let budget = config.budget(tokenizer.special_overhead())?;
        let offset = tokenizer.prefix().len();
        let mut out = Windows {
            windows: Vec::new(),
            word_locations: Vec::with_capacity(sentences.len()),
            labelled: Vec::new(),
        };
        for (s, sentence) in sentences.iter().enumerate() {
            let first_window = out.windows.len();
            let spans = if sentence.pieces.is_empty() {
                Vec::new()
            } else {
                ranges(sentence, budget, config.overlap)
            };
            for &(start, end) in &spans {
                out.windows.push(Window {
                    sentence: s,
                    start,
                    end,
                    input_ids: tokenizer.with_specials(&sentence.pieces[start..end]),
                    offset,
                });
                out.labelled
                    .push(vec![None; end - start + tokenizer.special_overhead()]);
            }
            let mut locations = vec![
                Location {
                    window: 0,
                    position: 0
                };
                sentence.num_words()
            ];
            for (p, &w) in sentence.piece_word.iter().enumerate() {
                // Most central window holding p; the earlier one on ties.
                let Some((k, &(start, _))) = spans
                    .iter()
                    .enumerate()
                    .filter(|(_, &(a, b))| a <= p && p < b)
                    .max_by_key(|(k, &(a, b))| (std::cmp::min(p - a, b - 1 - p), usize::MAX - k))
                else {
                    return Err(TransformerError::Input(format!(
                        "internal: piece {p} of tweet {s} is in no window"
                    )));
                };
                let window = first_window + k;
                let position = offset + p - start;
                let first = sentence.is_first_piece(p);
                if first {
                    locations[w] = Location { window, position };
                }
                if first || config.labelling == PieceLabelling::AllPieces {
                    out.labelled[window][position] = Some(LabelledPiece { word: w, first });
                }
            }
            out.word_locations.push(locations);
        }
        Ok(out)
    }

    /// The input rows, one per window, for [`crate::Encoder::input`].
    pub fn input_rows(&self) -> Vec<Vec<u32>> {
        self.windows.iter().map(|w| w.input_ids.clone()).collect()
    }

    /// Per-window, per-position training labels from per-word gold labels
    /// (`gold[tweet][word]`): the word's label at its first piece,
    /// `continuation(label)` at further labelled pieces, [`IGNORE_INDEX`]
    /// everywhere else.
    pub fn label_ids(
        &self,
        gold: &[Vec<usize>],
        continuation: impl Fn(usize) -> usize,
    ) -> Result<Vec<Vec<i64>>, TransformerError> {
        if gold.len() != self.word_locations.len() {
            return Err(TransformerError::Input(format!(
                "{} gold sequences for {} tweets",
                gold.len(),
                self.word_locations.len()
            )));
        }
        for (s, (g, words)) in gold.iter().zip(&self.word_locations).enumerate() {
            if g.len() != words.len() {
                return Err(TransformerError::Input(format!(
                    "tweet {s} has {} words but {} gold labels",
                    words.len(),
                    g.len()
                )));
            }
        }
        Ok(self
            .windows
            .iter()
            .zip(&self.labelled)
            .map(|(window, positions)| {
                positions
                    .iter()
                    .map(|slot| match slot {
                        Some(piece) => {
                            let label = gold[window.sentence][piece.word];
                            let label = if piece.first {
                                label
                            } else {
                                continuation(label)
                            };
                            label as i64
                        }
                        None => IGNORE_INDEX,
                    })
                    .collect()
            })
            .collect())
    }

    /// Per-word outputs `[tweet][word]` from per-window, per-position outputs
    /// (`outputs[window][position]`, e.g. predicted labels or score rows).
    pub fn gather_words<T: Clone>(
        &self,
        outputs: &[Vec<T>],
    ) -> Result<Vec<Vec<T>>, TransformerError> {
        if outputs.len() != self.windows.len() {
            return Err(TransformerError::Input(format!(
                "{} output rows for {} windows",
                outputs.len(),
                self.windows.len()
            )));
        }
        self.word_locations
            .iter()
            .map(|words| {
                words
                    .iter()
                    .map(|loc| {
                        outputs[loc.window]
                            .get(loc.position)
                            .cloned()
                            .ok_or_else(|| {
                                TransformerError::Input(format!(
                                    "window {} has no output at position {}",
                                    loc.window, loc.position
                                ))
                            })
                    })
                    .collect()
            })
            .collect()
    }

    /// For each tweet, the flat row of each word's first piece in a
    /// `[windows · padded_len, hidden]` view of the encoder output, to
    /// `select` word states for a word-level head (e.g. a CRF over words).
    pub fn word_rows(&self, padded_len: usize) -> Vec<Vec<usize>> {
        self.word_locations
            .iter()
            .map(|words| {
                words
                    .iter()
                    .map(|loc| loc.window * padded_len + loc.position)
                    .collect()
            })
            .collect()
    }
}
