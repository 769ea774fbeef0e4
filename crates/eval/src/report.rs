//! Scores and their renderings. The conlleval renderings reproduce the
//! reference scorer's output byte for byte, so that numbers we report can be
//! checked against (and quoted next to) the scorer everyone else uses.

use serde::Serialize;
use std::fmt::Write as _;

use crate::analysis::{BoundaryErrors, Confusion};
use crate::counter::ChunkCounter;

/// Raw tallies, named after the scorer's own counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Tokens scored (sentence boundaries excluded).
    pub tokens: usize,
    /// Tokens whose guessed tag equals the gold tag (after type normalisation).
    pub correct_tags: usize,
    /// Gold chunks ("phrases").
    pub found_gold: usize,
    /// Guessed chunks.
    pub found_guessed: usize,
    /// Guessed chunks matching a gold chunk in span and type.
    pub correct_chunks: usize,
}

/// Scores of one entity type; percentages in 0–100 as the scorer prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeScore {
    /// Entity type as written after the tag prefix; empty for hyphenless tags.
    pub ty: String,
    /// Share of guessed chunks of this type that are correct, in percent.
    pub precision: f64,
    /// Share of gold chunks of this type that were found, in percent.
    pub recall: f64,
    /// Harmonic mean of precision and recall (the scorer's FB1).
    pub f1: f64,
    /// Gold chunks of this type.
    pub found_gold: usize,
    /// Guessed chunks of this type (the number the scorer prints last).
    pub found_guessed: usize,
    /// Guessed chunks of this type matching a gold chunk in span and type.
    pub correct: usize,
}

/// Segmentation-only scores: the scorer run with every entity type replaced
/// by one, so only boundaries matter (type changes no longer split chunks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UntypedScore {
    /// Gold chunks with types ignored.
    pub found_gold: usize,
    /// Guessed chunks once types are ignored.
    pub found_guessed: usize,
    /// Guessed chunks whose boundaries equal a gold chunk's.
    pub correct: usize,
    /// Segmentation precision in percent.
    pub precision: f64,
    /// Segmentation recall in percent.
    pub recall: f64,
    /// Segmentation F1 in percent.
    pub f1: f64,
}

/// Everything an evaluation produces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The raw tallies every score below is computed from.
    pub counts: Counts,
    /// Token accuracy in percent (0 when there are no tokens).
    pub accuracy: f64,
    /// Overall chunk precision in percent.
    pub precision: f64,
    /// Overall chunk recall in percent.
    pub recall: f64,
    /// Overall chunk F1 in percent (the scorer's FB1), the published number.
    pub f1: f64,
    /// Types that started a gold or guessed chunk, in byte order.
    pub per_type: Vec<TypeScore>,
    /// Segmentation-only scores; not part of the scorer's output.
    pub untyped: UntypedScore,
    /// Which type each gold entity was predicted as; not part of the scorer's output.
    pub confusion: Confusion,
    /// Gold entities by boundary error class; not part of the scorer's output.
    pub boundary: BoundaryErrors,
}

/// Precision, recall and F1 in percent from chunk counts, computed in the
/// scorer's order of floating-point operations so that rounded output agrees
/// digit for digit (0 where a denominator is 0).
pub fn precision_recall_f1(correct: usize, gold: usize, guessed: usize) -> (f64, f64, f64) {
    let precision = if guessed > 0 {
        (100 * correct) as f64 / guessed as f64
    } else {
        0.0
    };
    let recall = if gold > 0 {
        (100 * correct) as f64 / gold as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// Pads to `width` bytes like the scorer's `%17s`/`%-7s`: it works on bytes,
/// so a multi-byte UTF-8 type gets fewer visible padding characters.
fn pad_bytes(s: &str, width: usize, left_align: bool) -> String {
    let pad = " ".repeat(width.saturating_sub(s.len()));
    if left_align {
        format!("{s}{pad}")
    } else {
        format!("{pad}{s}")
    }
}

impl Report {
    pub(crate) fn build(
        typed: &ChunkCounter,
        untyped: &ChunkCounter,
        confusion: Confusion,
        boundary: BoundaryErrors,
    ) -> Report {
        let counts = Counts {
            tokens: typed.tokens,
            correct_tags: typed.correct_tags,
            found_gold: typed.found_gold,
            found_guessed: typed.found_guessed,
            correct_chunks: typed.correct_chunks,
        };
        let accuracy = if counts.tokens > 0 {
            (100 * counts.correct_tags) as f64 / counts.tokens as f64
        } else {
            0.0
        };
        let (precision, recall, f1) = precision_recall_f1(
            counts.correct_chunks,
            counts.found_gold,
            counts.found_guessed,
        );
        let per_type = typed
            .per_type
            .iter()
            .filter(|(_, t)| t.gold > 0 || t.guessed > 0)
            .map(|(ty, t)| {
                let (precision, recall, f1) = precision_recall_f1(t.correct, t.gold, t.guessed);
                TypeScore {
                    ty: ty.clone(),
                    precision,
                    recall,
                    f1,
                    found_gold: t.gold,
                    found_guessed: t.guessed,
                    correct: t.correct,
                }
            })
            .collect();
        let (up, ur, uf) = precision_recall_f1(
            untyped.correct_chunks,
            untyped.found_gold,
            untyped.found_guessed,
        );
        Report {
            counts,
            accuracy,
            precision,
            recall,
            f1,
            per_type,
            untyped: UntypedScore {
                found_gold: untyped.found_gold,
                found_guessed: untyped.found_guessed,
                correct: untyped.correct_chunks,
                precision: up,
                recall: ur,
                f1: uf,
            },
            confusion,
            boundary,
        }
    }

    /// The per-type rows in the scorer's print order. Its duplicate removal
    /// compares against the previous name only when that name is "true", so
    /// the empty type is listed twice when it started both a gold and a
    /// guessed chunk; we repeat that.
    fn printed_types(&self) -> impl Iterator<Item = &TypeScore> {
        self.per_type.iter().flat_map(|t| {
            let twice = t.ty.is_empty() && t.found_gold > 0 && t.found_guessed > 0;
            std::iter::repeat_n(t, if twice { 2 } else { 1 })
        })
    }

    /// The scorer's standard output, byte for byte.
    pub fn to_conlleval_text(&self) -> String {
        let c = &self.counts;
        let mut out = format!(
            "processed {} tokens with {} phrases; found: {} phrases; correct: {}.\n",
            c.tokens, c.found_gold, c.found_guessed, c.correct_chunks
        );
        if c.tokens > 0 {
            let _ = writeln!(
                out,
                "accuracy: {:6.2}%; precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}",
                self.accuracy, self.precision, self.recall, self.f1
            );
        }
        for t in self.printed_types() {
            let _ = writeln!(
                out,
                "{}: precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}  {}",
                pad_bytes(&t.ty, 17, false),
                t.precision,
                t.recall,
                t.f1,
                t.found_guessed
            );
        }
        out
    }

    /// The scorer's LaTeX table output (`conlleval -l`), byte for byte.
    pub fn to_conlleval_latex(&self) -> String {
        let mut out = String::from("        & Precision &  Recall  & F$_{\\beta=1} \\\\\\hline");
        for t in self.printed_types() {
            let _ = write!(
                out,
                "\n{} &  {:6.2}\\% & {:6.2}\\% & {:6.2} \\\\",
                pad_bytes(&t.ty, 7, true),
                t.precision,
                t.recall,
                t.f1
            );
        }
        out.push_str("\\hline\n");
        let _ = writeln!(
            out,
            "Overall &  {:6.2}\\% & {:6.2}\\% & {:6.2} \\\\\\hline",
            self.precision, self.recall, self.f1
        );
        out
    }

    /// One line with the segmentation-only scores, in the scorer's style.
    pub fn untyped_line(&self) -> String {
        let u = &self.untyped;
        format!(
            "untyped (segmentation only): precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}  \
             (gold {}, found {}, correct {})\n",
            u.precision, u.recall, u.f1, u.found_gold, u.found_guessed, u.correct
        )
    }

    /// The scorer's output followed by the untyped scores, the boundary error
    /// table and the type confusion table.
    pub fn to_text(&self) -> String {
        format!(
            "{}{}\nboundary errors (per gold type; spurious per predicted type):\n{}\n\
             type confusion (rows gold, columns predicted; O = no overlapping entity):\n{}",
            self.to_conlleval_text(),
            self.untyped_line(),
            self.boundary.to_text(),
            self.confusion.to_text()
        )
    }

    /// The report as JSON (all fields; percentages in 0–100).
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain structs with string keys cannot fail; Null is an
        // unreachable fallback that avoids a panic path.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_matches_hand_computation() {
        let (p, r, f) = precision_recall_f1(1, 4, 2);
        assert_eq!(p, 50.0);
        assert_eq!(r, 25.0);
        assert!((f - 100.0 / 3.0).abs() < 1e-12);
        assert_eq!(precision_recall_f1(0, 0, 0), (0.0, 0.0, 0.0));
    }

    #[test]
    fn padding_counts_bytes() {
        assert_eq!(pad_bytes("ab", 4, false), "  ab");
        assert_eq!(pad_bytes("ab", 4, true), "ab  ");
        assert_eq!(pad_bytes("é", 3, false), " é");
        assert_eq!(pad_bytes("toolongname", 4, false), "toolongname");
    }
}
