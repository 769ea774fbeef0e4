//! Entity spans from tag sequences, with the reference scorer's chunk rules.
//!
//! Entity counts in statistics and entity-level scores must agree with
//! `conlleval`, so the extractor follows its rules rather than a stricter
//! reading of BIO: an `I-x` after `O` or after another type opens an entity,
//! a change of type closes one, and `E-`/`S-` (BIOES) are understood too, so
//! the same function works for BIO, IOB1 and BIOES sequences. BILOU's `L-`
//! and `U-` are read as `E-` and `S-`.

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
fn split(tag: &str) -> (&str, &str) {
    let (p, ty) = tag.split_once('-').unwrap_or((tag, ""));
    let p = match p {
        "L" => "E",
        "U" => "S",
        p => p,
    };
    (p, ty)
}

/// Whether an entity that includes the previous token ends before this one.
fn ends(prev: &str, prev_ty: &str, cur: &str, ty: &str) -> bool {
    let by_prefix = match prev {
        "B" | "I" => matches!(cur, "B" | "S" | "O"),
        "E" | "S" => matches!(cur, "B" | "I" | "E" | "S" | "O"),
        _ => false,
    };
    by_prefix || (prev != "O" && prev != "." && prev_ty != ty)
}

/// Whether an entity starts at this token.
fn starts(prev: &str, prev_ty: &str, cur: &str, ty: &str) -> bool {
    matches!(cur, "B" | "S")
        || (matches!(prev, "E" | "S" | "O") && matches!(cur, "I" | "E"))
        || (cur != "O" && cur != "." && prev_ty != ty)
}

/// Extracts the entities of one sentence, in order.
pub fn spans<S: AsRef<str>>(tags: &[S]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    let (mut prev, mut prev_ty) = ("O", "");
    for (i, tag) in tags.iter().enumerate() {
        let (cur, ty) = split(tag.as_ref());
        let start = starts(prev, prev_ty, cur, ty);
        if start || ends(prev, prev_ty, cur, ty) {
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
            end: tags.len(),
            ty: t.to_string(),
        });
    }
    out
}
