//! Entity spans as the scorer's chunk rules delimit them, and the per-entity
//! error analysis built on them.
//!
//! The reference scorer only counts; the confusion table and the boundary
//! error classes need actual spans. Spans here start exactly where the
//! scorer counts a chunk start (so the number of spans equals the scorer's
//! "phrases"), and end where the scorer's end rule fires, where a new chunk
//! starts, at an `O`-prefixed tag, or at a sentence boundary. For every
//! BIO/IOB1/BIOES input those are the scorer's own chunk ends, so the count
//! of exactly matching spans equals its "correct" count; only on tags the
//! scorer never closes (e.g. a `.`-prefixed or untyped chunk running into
//! `O`) do we close earlier than it would.

use std::collections::BTreeMap;

use crate::analysis::{BoundaryCounts, BoundaryErrors, Confusion, TypeBoundaryCounts};
use crate::tags::{end_of_chunk, start_of_chunk, Tag, OUTSIDE};

/// A half-open token range `[start, end)` within one sentence, with a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub ty: String,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    fn same_range(&self, other: &Span) -> bool {
        self.start == other.start && self.end == other.end
    }

    fn overlap_len(&self, other: &Span) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }
}

/// Builds the spans of one tag column, sentence by sentence.
#[derive(Debug, Clone)]
pub(crate) struct SpanTracker {
    last: Tag,
    open: Option<(usize, String)>,
    spans: Vec<Span>,
}

impl SpanTracker {
    pub fn new() -> Self {
        SpanTracker {
            last: Tag::outside(),
            open: None,
            spans: Vec::new(),
        }
    }

    /// Feeds the tag of token `idx` (its index within the sentence).
    pub fn step(&mut self, idx: usize, tag: &Tag) {
        let ends = end_of_chunk(&self.last, tag);
        let starts = start_of_chunk(&self.last, tag);
        if ends || starts || tag.prefix == OUTSIDE {
            self.close(idx);
        }
        if starts {
            self.open = Some((idx, tag.ty.clone()));
        }
        self.last.clone_from(tag);
    }

    fn close(&mut self, end: usize) {
        if let Some((start, ty)) = self.open.take() {
            self.spans.push(Span { start, end, ty });
        }
    }

    /// Ends the sentence at length `len` and hands back its spans.
    pub fn take_sentence(&mut self, len: usize) -> Vec<Span> {
        self.close(len);
        self.last = Tag::outside();
        std::mem::take(&mut self.spans)
    }
}

/// How a gold entity fared, in order of preference when several predictions
/// overlap it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoldOutcome {
    Exact,
    WrongType,
    WrongSpan,
    WrongTypeAndSpan,
    Missed,
}

/// Accumulates the confusion table and boundary error classes.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorAnalysis {
    /// (gold label, predicted label); `None` is the outside/missed label.
    confusion: BTreeMap<(Option<String>, Option<String>), usize>,
    per_type: BTreeMap<String, BoundaryCounts>,
}

impl ErrorAnalysis {
    /// Classifies every gold and predicted span of one sentence.
    pub fn add_sentence(&mut self, gold: &[Span], pred: &[Span]) {
        for g in gold {
            let overlapping: Vec<&Span> = pred.iter().filter(|p| p.overlaps(g)).collect();
            let (outcome, matched) = classify(g, &overlapping);
            let counts = self.per_type.entry(g.ty.clone()).or_default();
            match outcome {
                GoldOutcome::Exact => counts.exact += 1,
                GoldOutcome::WrongType => counts.wrong_type += 1,
                GoldOutcome::WrongSpan => counts.wrong_span += 1,
                GoldOutcome::WrongTypeAndSpan => counts.wrong_type_and_span += 1,
                GoldOutcome::Missed => counts.missed += 1,
            }
            let key = (Some(g.ty.clone()), matched.map(|p| p.ty.clone()));
            *self.confusion.entry(key).or_default() += 1;
        }
        for p in pred {
            if !gold.iter().any(|g| g.overlaps(p)) {
                self.per_type.entry(p.ty.clone()).or_default().spurious += 1;
                *self
                    .confusion
                    .entry((None, Some(p.ty.clone())))
                    .or_default() += 1;
            }
        }
    }

    pub fn confusion(&self) -> Confusion {
        let mut types: Vec<String> = self
            .confusion
            .keys()
            .flat_map(|(g, p)| [g.clone(), p.clone()])
            .flatten()
            .collect();
        types.sort();
        types.dedup();
        let n = types.len() + 1;
        let index = |label: &Option<String>| match label {
            Some(t) => types.binary_search(t).unwrap_or(n - 1),
            None => n - 1,
        };
        let mut matrix = vec![vec![0usize; n]; n];
        for ((g, p), &count) in &self.confusion {
            matrix[index(g)][index(p)] += count;
        }
        Confusion { types, matrix }
    }

    pub fn boundary(&self) -> BoundaryErrors {
        let mut total = BoundaryCounts::default();
        for c in self.per_type.values() {
            total.add(c);
        }
        BoundaryErrors {
            total,
            per_type: self
                .per_type
                .iter()
                .map(|(ty, c)| TypeBoundaryCounts {
                    ty: ty.clone(),
                    counts: *c,
                })
                .collect(),
        }
    }
}

/// Picks the outcome of gold span `g` and the prediction it is confused with.
fn classify<'a>(g: &Span, overlapping: &[&'a Span]) -> (GoldOutcome, Option<&'a Span>) {
    if let Some(p) = overlapping.iter().find(|p| p.same_range(g) && p.ty == g.ty) {
        return (GoldOutcome::Exact, Some(p));
    }
    if let Some(p) = overlapping.iter().find(|p| p.same_range(g)) {
        return (GoldOutcome::WrongType, Some(p));
    }
    if let Some(p) = overlapping.iter().find(|p| p.ty == g.ty) {
        return (GoldOutcome::WrongSpan, Some(p));
    }
    // Largest overlap wins; on ties the earliest prediction (max_by_key
    // keeps the last maximum, so scan in reverse).
    match overlapping.iter().rev().max_by_key(|p| p.overlap_len(g)) {
        Some(p) => (GoldOutcome::WrongTypeAndSpan, Some(p)),
        None => (GoldOutcome::Missed, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(tags: &[&str]) -> Vec<Span> {
        let mut t = SpanTracker::new();
        for (i, tag) in tags.iter().enumerate() {
            t.step(i, &Tag::parse(tag));
        }
        t.take_sentence(tags.len())
    }

    fn sp(start: usize, end: usize, ty: &str) -> Span {
        Span {
            start,
            end,
            ty: ty.to_string(),
        }
    }

    #[test]
    fn spans_follow_chunk_rules() {
        assert_eq!(
            spans(&["B-a", "I-a", "B-a", "O", "I-b", "I-c"]),
            vec![sp(0, 2, "a"), sp(2, 3, "a"), sp(4, 5, "b"), sp(5, 6, "c")]
        );
        // E/S have few rules in this scorer: S-x S-x is a single chunk.
        assert_eq!(spans(&["S-x", "S-x", "O"]), vec![sp(0, 2, "x")]);
        // Open at the end of the sentence.
        assert_eq!(spans(&["O", "B-a", "I-a"]), vec![sp(1, 3, "a")]);
    }

    #[test]
    fn classes_and_confusion() {
        let gold = [
            sp(0, 2, "a"),
            sp(3, 4, "a"),
            sp(5, 7, "b"),
            sp(8, 9, "c"),
            sp(10, 12, "a"),
        ];
        let pred = [
            sp(0, 2, "a"),   // exact
            sp(3, 4, "b"),   // same span, other type
            sp(5, 6, "b"),   // same type, shorter
            sp(11, 13, "b"), // other type and span
            sp(14, 15, "c"), // spurious
        ];
        let mut a = ErrorAnalysis::default();
        a.add_sentence(&gold, &pred);
        let b = a.boundary();
        assert_eq!(b.total.exact, 1);
        assert_eq!(b.total.wrong_type, 1);
        assert_eq!(b.total.wrong_span, 1);
        assert_eq!(b.total.wrong_type_and_span, 1);
        assert_eq!(b.total.missed, 1);
        assert_eq!(b.total.spurious, 1);
        let c = a.confusion();
        assert_eq!(c.types, vec!["a", "b", "c"]);
        assert_eq!(c.get(Some("a"), Some("a")), 1);
        assert_eq!(c.get(Some("a"), Some("b")), 2);
        assert_eq!(c.get(Some("b"), Some("b")), 1);
        assert_eq!(c.get(Some("c"), None), 1);
        assert_eq!(c.get(None, Some("c")), 1);
    }
}
