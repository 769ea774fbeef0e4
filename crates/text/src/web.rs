//! Matchers for the Twitter/web token classes: URLs, e-mail addresses,
//! @mentions, #hashtags, $cashtags and HTML entities.
//!
//! Each matcher takes the position where a token would start and returns
//! the index one past its end, or `None`. They follow Twitter's own rules on
//! where a tag may start: `@` and `#` after a letter or digit do not begin a
//! mention or hashtag (`RT@x`, `mom#priceless` stay one token, as in the
//! WNUT-16 data).

use crate::cursor::Cursor;
use crate::TokenKind;

/// Top-level domains accepted for bare domains without a path
/// (`weather.com`). Common English words that are also TLDs (`me`, `in`,
/// `it`, `us`, `to`, `so`, ...) are left out so that `love.me` or a missing
/// space after a full stop does not become a URL; with a path
/// (`fb.me/x`, `dlvr.it/x`) any alphabetic TLD is accepted.
const BARE_TLDS: [&str; 30] = [
    "com", "net", "org", "edu", "gov", "mil", "info", "biz", "io", "ly", "tv", "fm", "gl", "cc",
    "ms", "uk", "ca", "au", "de", "jp", "ru", "nl", "fr", "es", "co", "mobi", "name", "pro", "ch",
    "eu",
];

fn is_url_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
    } else {
        c.is_alphanumeric()
    }
}

/// Parse `label(.label)+` of ASCII letters, digits and inner hyphens at `i`.
/// Returns (end, start of the last label).
fn domain_at(cx: &Cursor, i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    let mut labels = 0;
    let mut last_start;
    loop {
        let label_start = j;
        while cx
            .at(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            j += 1;
        }
        if j == label_start || cx.at(label_start) == Some('-') {
            return None;
        }
        labels += 1;
        last_start = label_start;
        if cx.at(j) == Some('.') && cx.at(j + 1).is_some_and(|c| c.is_ascii_alphanumeric()) {
            j += 1;
        } else {
            break;
        }
    }
    if labels < 2 {
        return None;
    }
    Some((j, last_start))
}

/// A URL: `http(s)://...`, `ftp://...`, `www....` or a bare domain
/// (`bit.ly/xyz`, `weather.com`). Trailing sentence punctuation and
/// unbalanced closing brackets are left out of the URL.
pub(crate) fn url_at(cx: &Cursor, i: usize) -> Option<usize> {
    if cx
        .prev(i)
        .is_some_and(|p| p.is_alphanumeric() || matches!(p, '_' | '@' | '.' | '/'))
    {
        return None;
    }
    let body_start;
    if let Some(scheme) = ["https://", "http://", "ftp://"]
        .into_iter()
        .find(|s| cx.starts_with_ci(i, s))
    {
        body_start = i + scheme.len();
    } else if cx.starts_with_ci(i, "www.") && cx.at(i + 4).is_some_and(|c| c.is_alphanumeric()) {
        body_start = i + 4;
    } else {
        let (dend, tld_start) = domain_at(cx, i)?;
        let tld: String = cx.cs[tld_start..dend].iter().collect();
        if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let has_path = cx.at(dend) == Some('/');
        let lower = tld.to_ascii_lowercase();
        if !(BARE_TLDS.contains(&lower.as_str()) || (has_path && tld.len() <= 6)) {
            return None;
        }
        if !has_path && cx.at(dend) != Some(':') {
            return Some(dend);
        }
        body_start = dend;
    }
    let mut j = body_start;
    while let Some(c) = cx.at(j) {
        if !is_url_char(c) {
            break;
        }
        if c == '&'
            && ["&quot;", "&lt;", "&gt;", "&apos;"]
                .iter()
                .any(|p| cx.starts_with_ci(j, p))
        {
            break;
        }
        j += 1;
    }
    Some(trim_url_end(cx, i, body_start, j))
}

/// Whether an explicit URL (`http://`, `https://`, `ftp://`, `www.`)
/// starts at `i`; a cheap check that needs no look-behind.
pub(crate) fn url_prefix_at(cx: &Cursor, i: usize) -> bool {
    ["https://", "http://", "ftp://", "www."]
        .iter()
        .any(|p| cx.starts_with_ci(i, p))
}

/// Drop trailing chars that end a sentence rather than a URL; a closing
/// bracket stays only if the URL opened it (`wiki/A_(b)`).
fn trim_url_end(cx: &Cursor, start: usize, body_start: usize, mut end: usize) -> usize {
    let count = |ch: char| cx.cs[start..end].iter().filter(|&&x| x == ch).count();
    let mut parens = count('(') as isize - count(')') as isize;
    let mut squares = count('[') as isize - count(']') as isize;
    while end > body_start {
        let drop = match cx.cs[end - 1] {
            '.' | ',' | '!' | '?' | ':' | ';' | '\'' | '*' | '~' => true,
            ')' if parens < 0 => {
                parens += 1;
                true
            }
            ']' if squares < 0 => {
                squares += 1;
                true
            }
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    end
}

/// An e-mail address `local@domain.tld`.
pub(crate) fn email_at(cx: &Cursor, i: usize) -> Option<usize> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    if cx.prev(i).is_some_and(|p| is_local(p) || p == '@') || !cx.at(i)?.is_ascii_alphanumeric() {
        return None;
    }
    let mut j = i;
    while cx.at(j).is_some_and(is_local) {
        j += 1;
    }
    if cx.at(j) != Some('@') {
        return None;
    }
    let (dend, tld_start) = domain_at(cx, j + 1)?;
    if dend - tld_start < 2
        || !cx.cs[tld_start..dend]
            .iter()
            .all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    Some(dend)
}

/// An @mention: `@` and ASCII letters, digits or `_`, not preceded by a
/// word char.
pub(crate) fn mention_at(cx: &Cursor, i: usize) -> Option<usize> {
    if !matches!(cx.at(i)?, '@' | '\u{FF20}') || cx.word_before(i) {
        return None;
    }
    let mut j = i + 1;
    while cx
        .at(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        j += 1;
    }
    (j > i + 1).then_some(j)
}

/// A #hashtag (`#` and word chars, any script) or a $cashtag (`$` and 1-6
/// ASCII letters). `#` followed only by digits (`#1`) is a number.
pub(crate) fn hashtag_at(cx: &Cursor, i: usize) -> Option<(usize, TokenKind)> {
    let c = cx.at(i)?;
    if cx.word_before(i) || cx.prev(i) == Some('&') {
        return None;
    }
    if c == '$' {
        let mut j = i + 1;
        while cx.at(j).is_some_and(|c| c.is_ascii_alphabetic()) {
            j += 1;
        }
        let n = j - i - 1;
        return ((1..=6).contains(&n) && !cx.word_at(j)).then_some((j, TokenKind::Hashtag));
    }
    if !matches!(c, '#' | '\u{FF03}') {
        return None;
    }
    let mut j = i + 1;
    let mut letters = false;
    while let Some(c) = cx.at(j) {
        if crate::chars::is_word(c) {
            letters |= !c.is_numeric();
        } else if !crate::chars::is_extender(c) || j == i + 1 {
            break;
        }
        j += 1;
    }
    if j == i + 1 {
        return None;
    }
    Some((
        j,
        if letters {
            TokenKind::Hashtag
        } else {
            TokenKind::Number
        },
    ))
}

/// An HTML entity: `&name;`, `&#123;`, `&#x1F;`, or the double-escaped
/// numeric form `&amp;#39;` (whose `;` may be missing) seen in the data.
pub(crate) fn entity_at(cx: &Cursor, i: usize) -> Option<usize> {
    if cx.at(i)? != '&' {
        return None;
    }
    if cx.starts_with_ci(i, "&amp;#") {
        if let Some(end) = numeric_ref(cx, i + 6) {
            return Some(if cx.at(end) == Some(';') {
                end + 1
            } else {
                end
            });
        }
    }
    if cx.at(i + 1) == Some('#') {
        let end = numeric_ref(cx, i + 2)?;
        return (cx.at(end) == Some(';')).then_some(end + 1);
    }
    let mut j = i + 1;
    while j - i <= 32 && cx.at(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
        j += 1;
    }
    let named = j > i + 2 && cx.at(i + 1).is_some_and(|c| c.is_ascii_alphabetic());
    (named && cx.at(j) == Some(';')).then_some(j + 1)
}

/// Digits (`39`) or `x` and hex digits (`x25`) of a numeric character
/// reference starting at `i`; returns the index after them.
fn numeric_ref(cx: &Cursor, i: usize) -> Option<usize> {
    let hex = matches!(cx.at(i), Some('x' | 'X'));
    let digits_start = if hex { i + 1 } else { i };
    let mut j = digits_start;
    while j - digits_start < 8
        && cx.at(j).is_some_and(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        })
    {
        j += 1;
    }
    (j > digits_start).then_some(j)
}
