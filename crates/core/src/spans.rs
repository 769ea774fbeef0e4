//! The one span reader: entities from tag sequences by the reference
//! scorer's chunk rules, used by the data statistics, the scorer itself and
//! every model's decoder, so the entities a model outputs, the ones the
//! statistics count and the ones `eval` scores can never disagree.
//!
//! Entity-level scores must agree with `conlleval` exactly, so the rules are
//! its rules rather than a stricter reading of BIO: an `I-x` after `O` or
//! after another type opens an entity, and a change of type closes one. These
//! rules also read IOB1 correctly. They do not read BIOES (the scorer
//! predates it: `S-` is unknown to it and `B-` after `E-` continues an
//! entity); `tweetner_data::spans_in` converts other schemes to BIO first.

use serde::{Deserialize, Serialize};

/// An entity: tokens `start..end` (end exclusive) of type `ty`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// Index of the first token.
    pub start: usize,
    /// One past the index of the last token.
    pub end: usize,
    /// Entity type, e.g. `person`.
    pub ty: String,
}

impl Span {
    /// Number of tokens covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no token (never true for extracted spans).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Splits a tag the way the scorer does: prefix before the first `-`, type
/// after it; a tag without `-` has an empty type.
pub fn split_tag(tag: &str) -> (&str, &str) {
    tag.split_once('-').unwrap_or((tag, ""))
}

/// Whether an entity that includes the previous token (prefix `prev`, type
/// `prev_ty`) ends before this one (the scorer's rules, including its IOE
/// `E` and bracket tags).
pub fn chunk_ends(prev: &str, prev_ty: &str, cur: &str, ty: &str) -> bool {
    let by_prefix = match prev {
        "B" | "I" => matches!(cur, "B" | "O"),
        "E" => matches!(cur, "E" | "I" | "O"),
        "[" | "]" => true,
        _ => false,
    };
    by_prefix || (prev != "O" && prev != "." && prev_ty != ty)
}

/// Whether an entity starts at this token (the scorer's rules).
pub fn chunk_starts(prev: &str, prev_ty: &str, cur: &str, ty: &str) -> bool {
    let by_prefix = match cur {
        "B" => matches!(prev, "B" | "I" | "O"),
        "I" => matches!(prev, "O" | "E"),
        "E" => matches!(prev, "O" | "E"),
        "[" | "]" => true,
        _ => false,
    };
    by_prefix || (cur != "O" && cur != "." && prev_ty != ty)
}

/// Extracts the entities of one BIO (or IOB1) sentence, in order, exactly
/// as the reference scorer delimits them.
pub fn spans<S: AsRef<str>>(tags: &[S]) -> Vec<Span> {
    spans_by(tags.len(), |i| split_tag(tags[i].as_ref()))
}

/// [`spans`] over any tag representation: `tag(i)` gives token `i`'s
/// `(prefix, type)` (a model's label ids need no string per token).
pub fn spans_by<'a>(len: usize, tag: impl Fn(usize) -> (&'a str, &'a str)) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    let (mut prev, mut prev_ty) = ("O", "");
    for i in 0..len {
        let (cur, ty) = tag(i);
        let start = chunk_starts(prev, prev_ty, cur, ty);
        if start || chunk_ends(prev, prev_ty, cur, ty) {
            if let Some((s, t)) = open.take() {
                out.push(Span {
                    start: s,
                    end: i,
                    ty: t.to_string(),
                });
            }
        }
        if start {
            open = Some((i, ty));
        }
        prev = cur;
        prev_ty = ty;
    }
    if let Some((s, t)) = open {
        out.push(Span {
            start: s,
            end: len,
            ty: t.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    fn sp(start: usize, end: usize, ty: &str) -> Span {
        Span {
            start,
            end,
            ty: ty.to_string(),
        }
    }

    #[test]
    fn bio_spans() {
        assert_eq!(
            spans(&v("B-a I-a O B-b B-b I-b")),
            vec![sp(0, 2, "a"), sp(3, 4, "b"), sp(4, 6, "b")]
        );
        assert_eq!(spans(&v("O O")), vec![]);
        assert_eq!(spans::<&str>(&[]), vec![]);
        assert_eq!(spans(&v("B-a")), vec![sp(0, 1, "a")]);
        assert_eq!(sp(2, 5, "x").len(), 3);
    }

    #[test]
    fn scorer_rules_for_invalid_bio() {
        // An orphan I- opens an entity; a type change closes one.
        assert_eq!(spans(&v("O I-a I-a")), vec![sp(1, 3, "a")]);
        assert_eq!(spans(&v("I-a")), vec![sp(0, 1, "a")]);
        assert_eq!(spans(&v("B-a I-b I-b")), vec![sp(0, 1, "a"), sp(1, 3, "b")]);
        assert_eq!(spans(&v("I-a I-b")), vec![sp(0, 1, "a"), sp(1, 2, "b")]);
    }

    #[test]
    fn the_scorers_reading_of_ioe() {
        // `E-` closes an entity and the next `I-` opens one; `B-` after `E-` does not.
        assert_eq!(spans(&v("I-a E-a I-a")), vec![sp(0, 2, "a"), sp(2, 3, "a")]);
        assert_eq!(spans(&v("E-a B-a")), vec![sp(0, 2, "a")]);
    }

    #[test]
    fn spans_by_reads_any_representation() {
        let ids = [1usize, 2, 0, 2];
        let table = [("O", ""), ("B", "a"), ("I", "a")];
        assert_eq!(
            spans_by(ids.len(), |i| table[ids[i]]),
            spans(&v("B-a I-a O I-a"))
        );
    }
}
