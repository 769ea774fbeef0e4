//! The scanner: splits one whitespace-free chunk into tokens.
//!
//! At each position the specific matchers are tried first (emoji, URL,
//! e-mail, mention, hashtag, emoticon, entity, clitic); otherwise the char
//! class decides between a punctuation run, a bracket run, a hyphen
//! separator or a "glue run" (a word or number with its attached symbols).
//! Every branch consumes at least one char, so the loop always terminates
//! and every char of the chunk lands in exactly one token.

use crate::chars::{class, is_apostrophe, is_contraction_apostrophe, is_extender, is_word, Class};
use crate::cursor::Cursor;
use crate::emoji::emoji_at;
use crate::emoticon::emoticon_at;
use crate::web::{email_at, entity_at, hashtag_at, mention_at, url_at, url_prefix_at};
use crate::TokenKind;

/// Clitics that form a token of their own after an apostrophe (`'s`, `'ll`):
/// the WNUT-16 data has them standing alone (`It 's`, `I 'm`).
const CLITICS: [&str; 7] = ["s", "m", "d", "ll", "re", "ve", "em"];

/// Tokenize the chunk `cx.start..cx.end`, pushing `(start, end, kind)` in
/// char indices.
pub(crate) fn scan_chunk(cx: &Cursor, out: &mut Vec<(usize, usize, TokenKind)>) {
    let mut pos = cx.start;
    while pos < cx.end {
        let (end, kind) = next_token(cx, pos);
        // Defensive: a matcher bug must never stall the loop or overrun.
        let mut end = end.clamp(pos + 1, cx.end);
        if cx.wrap_close == Some(end) {
            end += 1;
        }
        while cx.at(end).is_some_and(is_extender) {
            end += 1;
        }
        out.push((pos, end, kind));
        pos = end;
    }
}

fn next_token(cx: &Cursor, pos: usize) -> (usize, TokenKind) {
    let c = cx.cs[pos];
    if let Some(end) = emoji_at(cx, pos) {
        return (end, TokenKind::Emoji);
    }
    let cls = class(c);
    if cls == Class::Extender || cls == Class::Other {
        return (pos + 1, TokenKind::Other);
    }
    if let Some(inner) = initial_quote(cx, pos) {
        return next_token(cx, inner);
    }
    if let Some(end) = url_at(cx, pos) {
        return (end, TokenKind::Url);
    }
    if let Some(end) = email_at(cx, pos) {
        return (end, TokenKind::Email);
    }
    if let Some(end) = mention_at(cx, pos) {
        return (glued_tail(cx, pos, end), TokenKind::Mention);
    }
    if let Some((end, kind)) = hashtag_at(cx, pos) {
        return (glued_tail(cx, pos, end), kind);
    }
    if let Some(end) = emoticon_at(cx, pos) {
        return (end, TokenKind::Emoticon);
    }
    if let Some(end) = clitic_at(cx, pos).or_else(|| year_at(cx, pos)) {
        return (end, TokenKind::Word);
    }
    if is_punct_at(cx, pos) {
        return punct_run(cx, pos);
    }
    if let Some(end) = entity_at(cx, pos) {
        // `&amp;omg` is glued like `&omg` would be.
        if cx.at(end).is_some_and(|n| class(n) == Class::Word) {
            let end = glue_run(cx, pos);
            return (end, classify_glue(&cx.cs[pos..end]));
        }
        return (end, TokenKind::Entity);
    }
    if c == '-' && cx.at(pos + 1) == Some('-') {
        let mut j = pos;
        while cx.at(j) == Some('-') {
            j += 1;
        }
        return (j, TokenKind::Punct);
    }
    match cls {
        Class::Bracket => {
            let mut j = pos + 1;
            while cx.at(j) == Some(c) {
                j += 1;
            }
            (j, TokenKind::Punct)
        }
        Class::Word | Class::Glue => {
            let end = apostrophe_chunk(cx, pos).unwrap_or_else(|| glue_run(cx, pos));
            (end, classify_glue(&cx.cs[pos..end]))
        }
        _ => (pos + 1, TokenKind::Other),
    }
}

/// Tweets wrapped in single quotes (`'RT @x : ... http://bit.ly/y'`) keep
/// both quotes on their first and last token in the data (40 of 40 such
/// tweets; elsewhere a leading or trailing quote is split off). Returns
/// where the glued token's remainder starts.
fn initial_quote(cx: &Cursor, pos: usize) -> Option<usize> {
    (cx.wrap_open == Some(pos) && clitic_at(cx, pos).is_none()).then_some(pos + 1)
}

/// A chunk part with an apostrophe inside (`don't.`, `Mary's.`, `c'mon,`,
/// `status'.`, `work...don't`) is one token in the data: punctuation next
/// to such a word is never split off (24 of 24 cases in train+dev). The
/// token runs from `pos` to the end of the chunk, stopping only at emoji,
/// control chars or a URL, minus closing brackets/quotes right after a
/// letter or digit, and minus a final lowercase `'s` (`it's` is `it 's`
/// but `Mary's.` stays whole, as in the data).
fn apostrophe_chunk(cx: &Cursor, pos: usize) -> Option<usize> {
    if pos < cx.no_apostrophe_before.get() {
        return None;
    }
    let mut lim = pos + 1;
    let mut apostrophe = false;
    while let Some(c) = cx.at(lim) {
        if matches!(class(c), Class::Emoji | Class::Other) {
            break;
        }
        if !cx.cs[lim - 1].is_alphanumeric() && url_prefix_at(cx, lim) {
            break;
        }
        // An apostrophe counts only with a char on both sides of it.
        apostrophe |= is_contraction_apostrophe(c)
            && cx
                .at(lim + 1)
                .is_some_and(|n| !matches!(class(n), Class::Emoji | Class::Other));
        lim += 1;
    }
    if !apostrophe {
        // Any later start before `lim` would stop at the same place and find
        // no apostrophe either: remember that, keeping the scan linear.
        cx.no_apostrophe_before.set(lim);
        return None;
    }
    let mut end = lim;
    let mut k = end;
    while k > pos && is_edge_punct(cx.cs[k - 1]) {
        k -= 1;
    }
    if k < end && k > pos && cx.cs[k - 1].is_alphanumeric() {
        end = k;
    }
    if end >= pos + 3
        && cx.cs[end - 1] == 's'
        && is_contraction_apostrophe(cx.cs[end - 2])
        && is_word(cx.cs[end - 3])
    {
        end -= 2;
    }
    Some(end)
}

/// Quotes and brackets that are split off at the edge of a word.
fn is_edge_punct(c: char) -> bool {
    matches!(
        c,
        '\'' | '"'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{2018}'
            | '\u{2019}'
            | '<'
            | '>'
            | '\u{AB}'
            | '\u{BB}'
            | '{'
            | '}'
            | '('
            | ')'
            | '['
            | ']'
    )
}

/// `'s`, `'ll`, ... standing alone: an apostrophe, a clitic, then no word
/// char.
fn clitic_at(cx: &Cursor, i: usize) -> Option<usize> {
    if !is_contraction_apostrophe(cx.at(i)?) {
        return None;
    }
    CLITICS.iter().find_map(|cl| {
        let end = i + 1 + cl.len();
        (cx.starts_with_ci(i + 1, cl) && !cx.word_at(end)).then_some(end)
    })
}

/// A mention or hashtag directly followed by glue symbols or more word
/// chars stays one token, as everywhere in the data (`#nowplaying-`,
/// `#FRIDAY#MANIA`, `#havewritten-yay`, `@HPC//RT@x`).
fn glued_tail(cx: &Cursor, pos: usize, end: usize) -> usize {
    let more = cx
        .at(end)
        .is_some_and(|n| matches!(class(n), Class::Word | Class::Glue));
    if more {
        glue_run(cx, pos).max(end)
    } else {
        end
    }
}

/// A year written with an apostrophe: `'07`, `'90s`, `` `07 ``.
fn year_at(cx: &Cursor, i: usize) -> Option<usize> {
    if !cx
        .at(i)
        .is_some_and(|c| is_contraction_apostrophe(c) || c == '`')
        || cx.alnum_before(i)
    {
        return None;
    }
    let digits = (1..=2).all(|k| cx.at(i + k).is_some_and(|c| c.is_ascii_digit()));
    let mut end = i + 3;
    if cx.at(end) == Some('s') {
        end += 1;
    }
    (digits && !cx.word_at(end)).then_some(end)
}

/// Sentence punctuation or a quote, including `&quot;` / `&apos;`.
fn is_punct_at(cx: &Cursor, i: usize) -> bool {
    match cx.logical(i) {
        Some(('"' | '\'', l)) if l > 1 => true,
        Some((c, 1)) => class(c) == Class::Punct,
        _ => false,
    }
}

/// A run of sentence punctuation and quotes (`...`, `?!`, `."`, `!!!`),
/// stopping where an emoticon or clitic begins (`!!:)` is `!!` + `:)`).
fn punct_run(cx: &Cursor, pos: usize) -> (usize, TokenKind) {
    let mut j = pos;
    let mut units = 0;
    let mut entity_only = true;
    while is_punct_at(cx, j) {
        if j > pos && (emoticon_at(cx, j).is_some() || clitic_at(cx, j).is_some()) {
            break;
        }
        let (_, l) = cx.logical(j).unwrap_or(('.', 1));
        entity_only &= l > 1;
        units += 1;
        j += l;
    }
    if units == 1 && entity_only {
        (j, TokenKind::Entity)
    } else {
        (j, TokenKind::Punct)
    }
}

/// A word or number with the symbols glued to it (`w/`, `100%`, `$4.99`,
/// `don't`, `U.S.`, `3:30pm`, `AT&amp;T`, `*wink*`). Sentence punctuation,
/// quotes and brackets end it, except inside numbers (`1,000`, `2.5`,
/// `10:30`), abbreviations (`p.m.`) and words (`don't`, `mix(cma`). A final
/// lowercase `'s` is left for the clitic matcher (`it 's`), as the data does.
fn glue_run(cx: &Cursor, pos: usize) -> usize {
    let mut j = pos;
    let mut abbrev = false;
    while let Some(c) = cx.at(j) {
        let prev = cx.prev(j);
        let next = cx.at(j + 1);
        let inner = j > pos;
        match class(c) {
            Class::Word => {
                if inner && emoji_at(cx, j).is_some() {
                    break;
                }
                j += 1;
            }
            Class::Extender => j += 1,
            Class::Glue => {
                if inner && !glue_continues(cx, j, c) {
                    break;
                }
                if c == '&' {
                    match entity_at(cx, j) {
                        Some(end) if !inner || glue_entity(cx, j, end) => {
                            j = end;
                            continue;
                        }
                        Some(_) => break,
                        None => {}
                    }
                }
                j += 1;
            }
            Class::Punct => {
                let pd = prev.is_some_and(|p| p.is_ascii_digit());
                let nd = next.is_some_and(|n| n.is_ascii_digit());
                let keep = match c {
                    '.' if pd && nd => true,
                    '.' => {
                        let a = abbrev_dot(cx, j, abbrev);
                        abbrev |= a;
                        a
                    }
                    ',' => pd && thousands_group(cx, j + 1),
                    ':' => pd && nd,
                    _ if is_apostrophe(c) => {
                        let inside = prev.is_some_and(char::is_alphanumeric)
                            && next.is_some_and(char::is_alphanumeric);
                        inside && !(c != '`' && c != '\u{00B4}' && final_lower_s(cx, j + 1))
                    }
                    _ => false,
                };
                if !keep || !inner {
                    break;
                }
                j += 1;
            }
            Class::Bracket => {
                let between = prev.is_some_and(is_word) && next.is_some_and(is_word);
                if !inner || !between || emoticon_at(cx, j).is_some() {
                    break;
                }
                j += 1;
            }
            Class::Space | Class::Emoji | Class::Other => break,
        }
    }
    j.max(pos + 1)
}

/// Whether a glue symbol at `j` (inside a run) stays in the run: not when it
/// starts an emoticon or a `--` separator. `@` and `#` do not break a run:
/// the data keeps `-@TonyGaskins` and `#Spec-#Womens` whole.
fn glue_continues(cx: &Cursor, j: usize, c: char) -> bool {
    if c == '-' && cx.at(j + 1) == Some('-') {
        return false;
    }
    emoticon_at(cx, j).is_none()
}

/// An entity inside a run stays glued when it joins two word/glue chars
/// (`AT&amp;T`, `PG&lt;E`) or is a numeric reference (`it&amp;#39`);
/// `&quot;` never glues.
fn glue_entity(cx: &Cursor, j: usize, end: usize) -> bool {
    if cx.starts_with_ci(j, "&quot;") || emoticon_at(cx, j).is_some() {
        return false;
    }
    let numeric = cx.cs[j..end].contains(&'#');
    let joins = cx
        .at(end)
        .is_some_and(|n| matches!(class(n), Class::Word | Class::Glue));
    numeric || joins
}

/// `,` followed by exactly three digits then a non-digit: `1,000`.
fn thousands_group(cx: &Cursor, i: usize) -> bool {
    (0..3).all(|k| cx.at(i + k).is_some_and(|c| c.is_ascii_digit()))
        && !cx.at(i + 3).is_some_and(|c| c.is_ascii_digit())
}

/// `s` at `i` that ends the word: the possessive/`is` clitic to split off.
fn final_lower_s(cx: &Cursor, i: usize) -> bool {
    cx.at(i) == Some('s') && !cx.word_at(i + 1)
}

/// A dot inside single-letter abbreviations: `U.S.`, `p.m.`, `t.v`, `o.O`.
/// The dot after a single letter is kept when another single letter follows
/// it, or when the run already is such an abbreviation (the final dot).
fn abbrev_dot(cx: &Cursor, j: usize, seen: bool) -> bool {
    let letter_before = cx.prev(j).is_some_and(char::is_alphabetic);
    // `j - 1` is in the chunk (there is a char before); is `j - 2`?
    let longer_before = j >= cx.start + 2 && cx.cs[j - 2].is_alphanumeric();
    if !letter_before || longer_before {
        return false;
    }
    let letter_after = cx.at(j + 1).is_some_and(char::is_alphabetic)
        && !cx.at(j + 2).is_some_and(char::is_alphanumeric);
    letter_after || seen
}

/// Kind of a glue run from its chars.
fn classify_glue(cs: &[char]) -> TokenKind {
    let first_core = cs.iter().find(|c| c.is_alphanumeric());
    match first_core {
        None => {
            if cs.iter().all(|c| c.is_ascii_punctuation()) {
                TokenKind::Punct
            } else {
                TokenKind::Other
            }
        }
        Some(c) if c.is_numeric() => TokenKind::Number,
        Some(_) => TokenKind::Word,
    }
}
