//! Tweet tokenizer for tweetner.
//!
//! [`tokenize`] splits raw tweet text into [`Token`]s with byte and char
//! offsets. Its conventions are learnt from the WNUT-16 annotated data, so
//! that text tokenized at tagging time looks like the text the model was
//! trained on:
//!
//! * whitespace (and a stray byte-order mark, U+FEFF) always separates tokens; inside a whitespace-free chunk only
//!   sentence punctuation (grouped into runs: `...`, `?!`, `."`), quotes and
//!   brackets are split off, while symbols stay glued (`w/`, `100%`,
//!   `$4.99`, `*wink*`, `-via`, `AT&amp;T`);
//! * URLs, e-mails, @mentions, #hashtags, $cashtags, HTML entities
//!   (`&amp;`, `&lt;`), emoticons (`:)`, `:-D`, `<3`, `&lt;3`, `^_^`) and
//!   emoji clusters (skin tones, ZWJ sequences, flags) are single tokens;
//! * contractions stay whole (`don't`, `I'm`), except a final lowercase
//!   `'s`, which the data always splits (`it 's`, `Morton 's`); a word with
//!   an inner apostrophe keeps the punctuation around it (`didn't.`,
//!   `Mary's.`, `c'mon,`), as the data does without exception;
//! * a tweet wrapped in single quotes keeps them on its first and last token
//!   (`'RT`, `http://bit.ly/x'`), again as in the data;
//! * single-letter abbreviations keep their dots (`U.S.`, `p.m.`), numbers
//!   keep their separators (`1,000`, `2.5`, `10:30`, `9/18/2010`).
//!
//! Re-tokenizing WNUT-16 tweets joined with spaces reproduces their token
//! sequence for over 98% of train+dev; [`roundtrip_rate`] measures this.
//! Most of the rest are brackets the data left on a word because
//! punctuation followed in the raw tweet (`( video) :`): once re-joined with
//! spaces they sit at a word edge, where splitting them is the right call
//! for raw text.

mod chars;
mod cursor;
mod emoji;
mod emoticon;
mod roundtrip;
mod scan;
mod web;

use serde::{Deserialize, Serialize};

pub use chars::is_space;
pub use roundtrip::{roundtrip_rate, RoundTrip};

/// What a token is. Serialized in lowercase (`"word"`, `"url"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Letters (possibly with digits and glued symbols): `hello`, `don't`, `w/`.
    Word,
    /// `http://...`, `www....` or a bare domain such as `bit.ly/xyz`.
    Url,
    /// `@user`.
    Mention,
    /// `#tag`, also `$TICKER` cashtags.
    Hashtag,
    /// `name@example.com`.
    Email,
    /// Starts with a digit (after an optional sign or currency): `2.5`,
    /// `$5`, `1st`, `10:30pm`, `#1`.
    Number,
    /// `:)`, `:-D`, `<3`, `^_^`.
    Emoticon,
    /// One emoji cluster: `👍🏽`, `🇺🇸`, `👨‍👩‍👧`.
    Emoji,
    /// Punctuation runs and brackets: `.`, `...`, `?!`, `(`, `--`, `|`.
    Punct,
    /// An HTML entity: `&amp;`, `&lt;`, `&quot;`.
    Entity,
    /// Anything else: control or format chars, stray marks, lone symbols.
    Other,
}

impl TokenKind {
    /// The lowercase name, as serialized (`"word"`, `"url"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Word => "word",
            TokenKind::Url => "url",
            TokenKind::Mention => "mention",
            TokenKind::Hashtag => "hashtag",
            TokenKind::Email => "email",
            TokenKind::Number => "number",
            TokenKind::Emoticon => "emoticon",
            TokenKind::Emoji => "emoji",
            TokenKind::Punct => "punct",
            TokenKind::Entity => "entity",
            TokenKind::Other => "other",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One token of a tweet. `text` is the exact slice `start..end` (bytes) of
/// the input, which is also the char (Unicode scalar) range
/// `char_start..char_end`.
///
/// In JSON, offsets follow one rule everywhere (entities, tokens, CLI and
/// HTTP): `start`/`end` count chars and `byte_start`/`byte_end` bytes, so the
/// byte fields are renamed there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Token {
    /// The token as written in the input.
    pub text: String,
    /// What the tokenizer recognised it as.
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    #[serde(rename = "byte_start")]
    pub start: usize,
    /// Byte offset one past the last byte.
    #[serde(rename = "byte_end")]
    pub end: usize,
    /// Char offset of the first char.
    #[serde(rename = "start")]
    pub char_start: usize,
    /// Char offset one past the last char.
    #[serde(rename = "end")]
    pub char_end: usize,
}

/// Split `text` into tokens, in order, non-overlapping, covering every
/// char but whitespace and U+FEFF ([`is_space`]). Never panics.
///
/// ```
/// use tweetner_text::{tokenize, TokenKind};
/// let toks = tokenize("I'm at Joe's :) http://t.co/x");
/// let texts: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
/// assert_eq!(texts, ["I'm", "at", "Joe", "'s", ":)", "http://t.co/x"]);
/// assert_eq!(toks[4].kind, TokenKind::Emoticon);
/// assert_eq!((toks[5].start, toks[5].char_start), (16, 16));
/// ```
pub fn tokenize(text: &str) -> Vec<Token> {
    let cs: Vec<char> = text.chars().collect();
    // Byte offset of every char, plus the total length at the end.
    let mut bo: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    bo.push(text.len());
    token_spans(&cs)
        .into_iter()
        .map(|(s, e, kind)| Token {
            text: text[bo[s]..bo[e]].to_string(),
            kind,
            start: bo[s],
            end: bo[e],
            char_start: s,
            char_end: e,
        })
        .collect()
}

/// How many tokens [`tokenize`] makes of `text`, without building them: a
/// server checks a text's size in tokens before queueing it, and the tagger
/// tokenizes it again anyway.
pub fn count_tokens(text: &str) -> usize {
    let cs: Vec<char> = text.chars().collect();
    token_spans(&cs).len()
}

/// Char spans and kinds of the tokens of `cs`, in order.
fn token_spans(cs: &[char]) -> Vec<(usize, usize, TokenKind)> {
    let (wrap_open, wrap_close) = quote_wrapping(cs);
    let mut spans = Vec::with_capacity(cs.len() / 4 + 1);
    let mut i = 0;
    while i < cs.len() {
        if is_space(cs[i]) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < cs.len() && !is_space(cs[end]) {
            end += 1;
        }
        let cx = cursor::Cursor {
            cs,
            start: i,
            end,
            wrap_open,
            wrap_close,
            no_apostrophe_before: std::cell::Cell::new(0),
        };
        scan::scan_chunk(&cx, &mut spans);
        i = end;
    }
    spans
}

/// If the text is wrapped in single quotes (`'...'`, each quote touching a
/// non-space char), the indices of the two quotes.
fn quote_wrapping(cs: &[char]) -> (Option<usize>, Option<usize>) {
    let first = cs.iter().position(|&c| !is_space(c));
    let last = cs.iter().rposition(|&c| !is_space(c));
    let (Some(a), Some(b)) = (first, last) else {
        return (None, None);
    };
    let quote = |c: char| c == '\'' || c == '\u{2019}' || c == '\u{2018}';
    let touching = b >= a + 3 && !is_space(cs[a + 1]) && !is_space(cs[b - 1]);
    if touching && quote(cs[a]) && quote(cs[b]) {
        (Some(a), Some(b))
    } else {
        (None, None)
    }
}

#[cfg(test)]
mod tests;
