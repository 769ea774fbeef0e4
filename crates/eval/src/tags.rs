//! Tag decomposition and the chunk start/end rules of the reference scorer.
//!
//! The reference scorer does not validate tags: it splits every tag at its
//! first hyphen into a *prefix* (`B`, `I`, `E`, `S`, `O`, `[`, `]`, `.` or
//! anything else) and a *type*, and decides where chunks start and end from
//! the previous and current (prefix, type) pairs alone. Malformed sequences
//! (an `I-` without a `B-`, type changes inside a chunk, unknown prefixes) are
//! therefore scored by these rules rather than rejected, and reproducing the
//! scorer exactly means reproducing the rules, quirks included.

use std::borrow::Cow;

/// The prefix the scorer treats as "outside any chunk".
pub const OUTSIDE: &str = "O";

/// A tag split the way the reference scorer splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Everything before the first hyphen, or the whole tag when it has none.
    pub prefix: String,
    /// Everything after the first hyphen (possibly containing more hyphens,
    /// e.g. `geo-loc`); empty when the tag has no hyphen.
    pub ty: String,
}

impl Tag {
    /// The state the scorer starts in and returns to at sentence boundaries.
    pub fn outside() -> Self {
        Tag {
            prefix: OUTSIDE.to_string(),
            ty: String::new(),
        }
    }

    /// Splits `tag` at its first hyphen.
    ///
    /// A type spelled `0` is replaced by the empty type because the scorer
    /// normalises types with a truthiness test, and `"0"` is false there.
    pub fn parse(tag: &str) -> Self {
        let (prefix, ty) = match tag.split_once('-') {
            Some((p, t)) => (p, t),
            None => (tag, ""),
        };
        let ty = if ty == "0" { "" } else { ty };
        Tag {
            prefix: prefix.to_string(),
            ty: ty.to_string(),
        }
    }

    /// The same tag with every non-empty type collapsed into one, so that the
    /// chunk rules see a single entity type (segmentation-only scoring).
    pub fn untyped(&self) -> Self {
        Tag {
            prefix: self.prefix.clone(),
            ty: if self.ty.is_empty() {
                String::new()
            } else {
                UNTYPED.to_string()
            },
        }
    }
}

/// The single type every entity gets in segmentation-only scoring.
pub const UNTYPED: &str = "ENT";

/// The raw-mode rewrite (`conlleval -r`): a tag equal to `o_tag` becomes `O`,
/// every other tag except `O` gets a `B-` prefix, so each token is its own
/// one-word chunk typed by the whole tag.
pub fn raw_rewrite<'a>(tag: &'a str, o_tag: &str) -> Cow<'a, str> {
    let tag = if tag == o_tag { OUTSIDE } else { tag };
    if tag == OUTSIDE {
        Cow::Borrowed(OUTSIDE)
    } else {
        Cow::Owned(format!("B-{tag}"))
    }
}

/// True when a chunk ended between the previous and the current token (the
/// rules live once, in [`tweetner_core::spans`]).
///
/// Note the asymmetries copied from the scorer: `S` has no rule of its own,
/// a chunk whose prefix is `.` never ends on a type change, and `[`/`]` are
/// one-token chunks.
pub fn end_of_chunk(prev: &Tag, cur: &Tag) -> bool {
    tweetner_core::spans::chunk_ends(&prev.prefix, &prev.ty, &cur.prefix, &cur.ty)
}

/// True when a chunk started between the previous and the current token.
///
/// An `I-` after `O` starts a chunk (IOB1 and "I without B" both work), and
/// any non-`O`, non-`.` tag whose type differs from the previous one starts a
/// chunk regardless of its prefix.
pub fn start_of_chunk(prev: &Tag, cur: &Tag) -> bool {
    tweetner_core::spans::chunk_starts(&prev.prefix, &prev.ty, &cur.prefix, &cur.ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Tag {
        Tag::parse(s)
    }

    #[test]
    fn parse_splits_at_first_hyphen() {
        assert_eq!(t("B-geo-loc").prefix, "B");
        assert_eq!(t("B-geo-loc").ty, "geo-loc");
        assert_eq!(t("O").prefix, "O");
        assert_eq!(t("O").ty, "");
        assert_eq!(t("-x").prefix, "");
        assert_eq!(t("-x").ty, "x");
        assert_eq!(t("B-").ty, "");
        // "0" is not a type for the scorer, "00" is.
        assert_eq!(t("B-0").ty, "");
        assert_eq!(t("B-00").ty, "00");
    }

    #[test]
    fn raw_rewrite_prefixes_everything_but_outside() {
        assert_eq!(raw_rewrite("PER", "O"), "B-PER");
        assert_eq!(raw_rewrite("O", "O"), "O");
        assert_eq!(raw_rewrite("NONE", "NONE"), "O");
        // "O" stays outside even when another outside tag is configured.
        assert_eq!(raw_rewrite("O", "NONE"), "O");
    }

    #[test]
    fn iob2_rules() {
        assert!(start_of_chunk(&t("O"), &t("B-x")));
        assert!(!start_of_chunk(&t("B-x"), &t("I-x")));
        assert!(start_of_chunk(&t("B-x"), &t("B-x")));
        assert!(end_of_chunk(&t("B-x"), &t("B-x")));
        assert!(end_of_chunk(&t("I-x"), &t("O")));
        assert!(!end_of_chunk(&t("B-x"), &t("I-x")));
    }

    #[test]
    fn odd_sequences_follow_the_scorer() {
        // I without B starts a chunk; a type change inside I- starts another.
        assert!(start_of_chunk(&t("O"), &t("I-x")));
        assert!(start_of_chunk(&t("I-x"), &t("I-y")));
        assert!(end_of_chunk(&t("I-x"), &t("I-y")));
        // S has no rule: S-x S-x is one chunk, E-x B-x neither ends nor starts.
        assert!(!start_of_chunk(&t("S-x"), &t("S-x")));
        assert!(!end_of_chunk(&t("S-x"), &t("S-x")));
        assert!(!start_of_chunk(&t("E-x"), &t("B-x")));
        assert!(!end_of_chunk(&t("E-x"), &t("B-x")));
        // Brackets are one-token chunks.
        assert!(start_of_chunk(&t("B-x"), &t("[-x")));
        assert!(end_of_chunk(&t("[-x"), &t("I-x")));
        // A "." chunk never ends on a type change or on O.
        assert!(!end_of_chunk(&t(".-x"), &t("O")));
        assert!(!start_of_chunk(&t("O"), &t(".-x")));
    }
}
