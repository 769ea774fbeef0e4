//! A read-only view of one whitespace-free chunk of the input, as chars.
//!
//! Matchers work on char indices into the whole tweet but must never look
//! past the chunk: whitespace always ends a token, so nothing a matcher
//! decides can depend on text beyond it.

/// The chars of a tweet plus the bounds of the chunk being tokenized.
pub(crate) struct Cursor<'a> {
    pub cs: &'a [char],
    /// First char of the chunk.
    pub start: usize,
    /// One past the last char of the chunk.
    pub end: usize,
    /// Index of the opening quote of a tweet wrapped in single quotes.
    pub wrap_open: Option<usize>,
    /// Index of the closing quote of such a tweet.
    pub wrap_close: Option<usize>,
    /// No token starting before this index can be an apostrophe chunk
    /// (memo for `scan::apostrophe_chunk`, keeps it linear).
    pub no_apostrophe_before: Cell<usize>,
}

use std::cell::Cell;

/// HTML entities that stand for a single punctuation char in tweet text
/// (Twitter escapes `<`, `>`, `&` and sometimes quotes).
const LOGICAL_ENTITIES: [(&str, char); 5] = [
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&amp;", '&'),
    ("&quot;", '"'),
    ("&apos;", '\''),
];

impl Cursor<'_> {
    /// The char at `i`, if `i` is inside the chunk.
    pub fn at(&self, i: usize) -> Option<char> {
        if i < self.end {
            self.cs.get(i).copied()
        } else {
            None
        }
    }

    /// The char before `i`, if it is inside the chunk.
    pub fn prev(&self, i: usize) -> Option<char> {
        if i > self.start && i <= self.end {
            self.cs.get(i - 1).copied()
        } else {
            None
        }
    }

    /// Whether the chunk has `pat` at `i`, ASCII case-insensitively.
    pub fn starts_with_ci(&self, i: usize, pat: &str) -> bool {
        let mut j = i;
        for p in pat.chars() {
            match self.at(j) {
                Some(c) if c.eq_ignore_ascii_case(&p) => j += 1,
                _ => return false,
            }
        }
        true
    }

    /// The char at `i` with the escaped entities read as what they stand for:
    /// returns the logical char and how many chars it spans.
    pub fn logical(&self, i: usize) -> Option<(char, usize)> {
        let c = self.at(i)?;
        if c == '&' {
            for (pat, ch) in LOGICAL_ENTITIES {
                if self.starts_with_ci(i, pat) {
                    return Some((ch, pat.len()));
                }
            }
        }
        Some((c, 1))
    }

    /// Whether the char at `i` is a word char (false outside the chunk).
    pub fn word_at(&self, i: usize) -> bool {
        self.at(i).is_some_and(crate::chars::is_word)
    }

    /// Whether the char before `i` is a word char (false at the chunk start).
    pub fn word_before(&self, i: usize) -> bool {
        self.prev(i).is_some_and(crate::chars::is_word)
    }

    /// Whether the char before `i` is alphanumeric (false at the chunk start).
    pub fn alnum_before(&self, i: usize) -> bool {
        self.prev(i).is_some_and(char::is_alphanumeric)
    }
}
