//! CoNLL-style column files: one token per line, a blank line between
//! sentences (tweets), the token in the first column and a tag in another.

mod reader;
mod writer;

pub use reader::{read_conll, ConllReader, MAX_LINE_BYTES};
pub(crate) use writer::check_token;
pub use writer::{write_conll, write_conll_file, write_sentence};

use crate::labels::LabelSet;
use crate::scheme::Scheme;

/// One sentence (tweet).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    /// The tokens, in order.
    pub tokens: Vec<String>,
    /// One BIO tag per token (the reader converts other schemes to BIO).
    pub tags: Vec<String>,
    /// Per token, the columns other than the token and the tag, in file order
    /// (the middle columns of `token ... tag`). Either empty (no such
    /// columns) or one entry per token, all of the same length.
    pub columns: Vec<Vec<String>>,
    /// 1-based line of the first token in the source (0 when not from a file).
    pub line: usize,
}

impl Sentence {
    /// A sentence not read from a file, with no extra columns.
    pub fn new(tokens: Vec<String>, tags: Vec<String>) -> Self {
        Sentence {
            tokens,
            tags,
            columns: Vec::new(),
            line: 0,
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the sentence has no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Number of columns per token in the written form: token, extra
    /// columns, tag.
    pub fn ncols(&self) -> usize {
        2 + self.columns.first().map_or(0, Vec::len)
    }

    /// Column `i` of the written form `token [extra columns] tag`: 0 is the
    /// tokens, `ncols() - 1` the tags, in between the extra columns.
    ///
    /// This is how a `token gold pred` file is taken apart: read it with the
    /// default [`TagColumn::Last`], then `tags` (= `column(2)`) are the
    /// predictions and `column(1)` is the gold column. The reader validates
    /// only the tag column; to validate both, read the file a second time
    /// with `TagColumn::Index(1)`.
    pub fn column(&self, i: usize) -> Option<Vec<&str>> {
        let n = self.ncols();
        if i == 0 {
            Some(self.tokens.iter().map(String::as_str).collect())
        } else if i == n - 1 {
            Some(self.tags.iter().map(String::as_str).collect())
        } else if i < n {
            self.columns
                .iter()
                .map(|c| c.get(i - 1).map(String::as_str))
                .collect()
        } else {
            None
        }
    }

    /// The 1-based source line of token `i` (sentences are contiguous lines).
    pub fn line_of(&self, i: usize) -> usize {
        self.line + i
    }
}

/// Which column holds the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagColumn {
    /// The last column (the usual layout, and conlleval's prediction column).
    #[default]
    Last,
    /// Column `i`, 0-based over the whole line (so 1 is the column right
    /// after the token; 0, the token itself, is refused).
    Index(usize),
}

/// How to read a CoNLL file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The scheme the file's tags are in; they are converted to BIO.
    pub scheme: Scheme,
    /// When set, a tag whose type is not in the set is an error.
    pub labels: Option<LabelSet>,
    /// Turn an `I-x` that does not continue an `x` entity into `B-x` (after
    /// conversion to BIO), as the reference scorer reads it.
    pub repair: bool,
    /// Which column holds the tag.
    pub tag_column: TagColumn,
}
