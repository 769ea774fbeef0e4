//! The reference scorer's counting state machine.
//!
//! Chunks are never materialised: a chunk is counted when it starts, and a
//! correct chunk is counted when gold and guess started together with the
//! same type and then end together. This module replays exactly that, token
//! by token, because materialising spans first gives different numbers on
//! malformed input (type changes inside chunks, bracket tags, unknown
//! prefixes).

use std::collections::BTreeMap;

use crate::tags::{end_of_chunk, start_of_chunk, Tag};

/// Per-type tallies; a type is listed by the scorer iff it was seen as the
/// start of a gold or a guessed chunk (`gold > 0 || guessed > 0`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TypeTally {
    pub gold: usize,
    pub guessed: usize,
    pub correct: usize,
}

/// Counting state for one pass over a token stream.
#[derive(Debug, Clone)]
pub(crate) struct ChunkCounter {
    last_gold: Tag,
    last_pred: Tag,
    in_correct: bool,
    pub tokens: usize,
    pub correct_tags: usize,
    pub found_gold: usize,
    pub found_guessed: usize,
    pub correct_chunks: usize,
    /// Ordered by byte-wise type name, which is the scorer's sort order.
    pub per_type: BTreeMap<String, TypeTally>,
}

impl ChunkCounter {
    pub fn new() -> Self {
        ChunkCounter {
            last_gold: Tag::outside(),
            last_pred: Tag::outside(),
            in_correct: false,
            tokens: 0,
            correct_tags: 0,
            found_gold: 0,
            found_guessed: 0,
            correct_chunks: 0,
            per_type: BTreeMap::new(),
        }
    }

    fn tally(&mut self, ty: &str) -> &mut TypeTally {
        self.per_type.entry(ty.to_string()).or_default()
    }

    /// Feeds one line. Sentence boundaries are fed as `O`/`O` with
    /// `boundary = true`: they close chunks like an `O` would but are not
    /// counted as tokens.
    pub fn step(&mut self, gold: &Tag, pred: &Tag, boundary: bool) {
        if self.in_correct {
            let gold_end = end_of_chunk(&self.last_gold, gold);
            let pred_end = end_of_chunk(&self.last_pred, pred);
            if gold_end && pred_end && self.last_pred.ty == self.last_gold.ty {
                self.in_correct = false;
                self.correct_chunks += 1;
                let ty = self.last_gold.ty.clone();
                self.tally(&ty).correct += 1;
            } else if gold_end != pred_end || pred.ty != gold.ty {
                self.in_correct = false;
            }
        }

        let gold_start = start_of_chunk(&self.last_gold, gold);
        let pred_start = start_of_chunk(&self.last_pred, pred);
        if gold_start && pred_start && pred.ty == gold.ty {
            self.in_correct = true;
        }
        if gold_start {
            self.found_gold += 1;
            self.tally(&gold.ty).gold += 1;
        }
        if pred_start {
            self.found_guessed += 1;
            self.tally(&pred.ty).guessed += 1;
        }
        if !boundary {
            if gold == pred {
                self.correct_tags += 1;
            }
            self.tokens += 1;
        }
        self.last_gold.clone_from(gold);
        self.last_pred.clone_from(pred);
    }

    /// End of input: a correct chunk still open at the end counts.
    pub fn finish(&mut self) {
        if self.in_correct {
            self.in_correct = false;
            self.correct_chunks += 1;
            let ty = self.last_gold.ty.clone();
            self.tally(&ty).correct += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(gold: &[&str], pred: &[&str]) -> ChunkCounter {
        let mut c = ChunkCounter::new();
        for (g, p) in gold.iter().zip(pred) {
            c.step(&Tag::parse(g), &Tag::parse(p), false);
        }
        c.step(&Tag::outside(), &Tag::outside(), true);
        c.finish();
        c
    }

    #[test]
    fn exact_match_counts_every_chunk() {
        let g = ["B-a", "I-a", "O", "B-b", "B-b"];
        let c = run(&g, &g);
        assert_eq!((c.found_gold, c.found_guessed, c.correct_chunks), (3, 3, 3));
        assert_eq!((c.tokens, c.correct_tags), (5, 5));
        assert_eq!(c.per_type["b"].correct, 2);
    }

    #[test]
    fn longer_guess_is_wrong() {
        let c = run(&["B-a", "O"], &["B-a", "I-a"]);
        assert_eq!((c.found_gold, c.found_guessed, c.correct_chunks), (1, 1, 0));
        assert_eq!(c.correct_tags, 1);
    }

    #[test]
    fn i_without_b_matches_b() {
        let c = run(&["O", "B-a", "I-a"], &["O", "I-a", "I-a"]);
        assert_eq!(c.correct_chunks, 1);
        assert_eq!(c.correct_tags, 2);
    }

    #[test]
    fn correct_chunk_open_at_end_of_input_counts() {
        let mut c = ChunkCounter::new();
        c.step(&Tag::parse("B-a"), &Tag::parse("B-a"), false);
        c.finish();
        assert_eq!(c.correct_chunks, 1);
    }
}
