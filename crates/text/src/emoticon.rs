//! Emoticon matcher: western (`:)`, `:-D`, `;P`, `:'(`, `>:(`), reversed
//! (`(:`), hearts (`<3`, `</3`, and their escaped form `&lt;3`) and eastern
//! (`^_^`, `-_-`, `o.O`, `T_T`).
//!
//! Emoticons are matched on "logical" chars so that Twitter's escaping of
//! `<` and `>` (`&lt;3`, `&gt;:(`) is recognised. Letter and digit mouths
//! (`:D`, `:p`, `:3`) must not be followed by a word char, so `:Dinner` or
//! `10:30` are not emoticons; `:/` must not be followed by `/` (`http://`).

use crate::cursor::Cursor;

fn is_mouth(c: char) -> bool {
    matches!(
        c,
        ')' | '('
            | ']'
            | '['
            | '|'
            | '*'
            | '$'
            | '@'
            | '}'
            | '{'
            | '>'
            | '<'
            | '/'
            | '\\'
            | '3'
            | 'D'
            | 'P'
            | 'p'
            | 'O'
            | 'o'
            | 'S'
            | 's'
            | 'X'
            | 'x'
            | 'c'
            | 'C'
            | 'd'
    )
}

/// A mouth char that would read as part of a word if a word char followed.
fn mouth_needs_boundary(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '@' | '/' | '\\' | '$')
}

/// Match any emoticon starting at `i`; returns the index after it.
pub(crate) fn emoticon_at(cx: &Cursor, i: usize) -> Option<usize> {
    let after_alnum = cx.alnum_before(i);
    western(cx, i, after_alnum)
        .or_else(|| heart(cx, i))
        .or_else(|| reversed(cx, i, after_alnum))
        .or_else(|| eastern(cx, i, after_alnum))
}

fn western(cx: &Cursor, i: usize, after_alnum: bool) -> Option<usize> {
    let mut j = i;
    let (first, flen) = cx.logical(j)?;
    // Optional brow: `>:(`.
    if first == '>' && !after_alnum {
        if let Some((':' | ';' | '=', _)) = cx.logical(j + flen) {
            j += flen;
        }
    }
    let (eye, elen) = cx.logical(j)?;
    let weak_eye = match eye {
        ':' | ';' | '=' => false,
        'x' | 'X' | '8' if !after_alnum => true,
        _ => return None,
    };
    j += elen;
    let mut nose = None;
    if let Some((n @ ('-' | '\'' | '^' | 'o'), nlen)) = cx.logical(j) {
        let next = cx.logical(j + nlen).map(|(c, _)| c);
        let ok = match n {
            '\'' | 'o' => matches!(next, Some(')' | '(')),
            _ => next.is_some_and(is_mouth),
        };
        if ok {
            nose = Some(n);
            j += nlen;
        }
    }
    let (mouth, mlen) = cx.logical(j)?;
    if !is_mouth(mouth) {
        return None;
    }
    if weak_eye && nose.is_none() && !matches!(mouth, 'D' | 'P' | 'p') {
        return None;
    }
    if eye == '8' && nose.is_none() {
        return None;
    }
    j += mlen;
    // Repeated mouths: `:)))`, `:DDD`.
    while let Some((m, l)) = cx.logical(j) {
        if m != mouth {
            break;
        }
        j += l;
    }
    let next = cx.at(j);
    if mouth_needs_boundary(mouth) && next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    if matches!(mouth, '/' | '\\') && matches!(next, Some('/' | '\\')) {
        return None;
    }
    if mouth == '3' && next.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(j)
}

fn heart(cx: &Cursor, i: usize) -> Option<usize> {
    if cx.prev(i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let (c, l) = cx.logical(i)?;
    if c != '<' {
        return None;
    }
    let mut j = i + l;
    if cx.at(j) == Some('/') {
        j += 1;
    }
    if cx.at(j) != Some('3') {
        return None;
    }
    while cx.at(j) == Some('3') {
        j += 1;
    }
    if cx.at(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(j)
}

/// `(:`, `(-:`, `):`, `;)`-style faces written right to left. A `)` right
/// after a word (`(see this):`) closes a bracket instead.
fn reversed(cx: &Cursor, i: usize, after_alnum: bool) -> Option<usize> {
    let mouth = cx.at(i)?;
    if !(mouth == '(' || (mouth == ')' && !after_alnum)) {
        return None;
    }
    let mut j = i + 1;
    if matches!(cx.at(j), Some('-' | '\'')) {
        j += 1;
    }
    if !matches!(cx.at(j), Some(':' | ';' | '=')) {
        return None;
    }
    j += 1;
    let next = cx.at(j);
    if next.is_some_and(|c| c.is_alphanumeric() || is_mouth(c)) {
        return None;
    }
    Some(j)
}

fn is_eastern_eye(c: char) -> bool {
    matches!(
        c,
        '^' | '-'
            | '>'
            | '<'
            | 'o'
            | 'O'
            | '0'
            | 'T'
            | 'x'
            | 'X'
            | 'e'
            | 'u'
            | 'U'
            | '='
            | ';'
            | '*'
            | '.'
            | '@'
            | '\u{0CA0}'
    )
}

fn eastern(cx: &Cursor, i: usize, after_alnum: bool) -> Option<usize> {
    if after_alnum {
        return None;
    }
    let e1 = cx.at(i)?;
    if e1 == '^' && cx.at(i + 1) == Some('^') {
        let mut j = i + 2;
        while cx.at(j) == Some('^') {
            j += 1;
        }
        return Some(j);
    }
    if !is_eastern_eye(e1) {
        return None;
    }
    let conn = cx.at(i + 1)?;
    let mut j = i + 1;
    match conn {
        '_' => {
            while cx.at(j) == Some('_') {
                j += 1;
            }
        }
        '.' | '-' => j += 1,
        _ => return None,
    }
    let e2 = cx.at(j)?;
    if !is_eastern_eye(e2) {
        return None;
    }
    let ok = match conn {
        '_' => true,
        '.' => !matches!(e1, '.' | '-' | '=' | ';') && !matches!(e2, '.' | '-' | '=' | ';'),
        _ => {
            let face = |c: char| matches!(c, '^' | '*' | 'o' | 'O' | '>' | '<' | 'T' | 'x' | 'X');
            face(e1) && face(e2)
        }
    };
    if !ok {
        return None;
    }
    j += 1;
    if cx.at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    Some(j)
}
