//! Character classes the scanner works with.
//!
//! The tokenizer never splits inside a whitespace-free chunk on arbitrary
//! symbols: the WNUT-16 data keeps `w/`, `100%`, `*wink*`, `-via`, `~TGIF~`
//! glued, and splits only sentence punctuation, quotes and brackets. The
//! classes below encode exactly that division.

/// Coarse class of one char as seen by the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Separates chunks; never part of a token.
    Space,
    /// Letters, digits (any script) and `_`: the core of words and numbers.
    Word,
    /// Symbols that stay glued to adjacent word chars (`-`, `/`, `*`, `$`, `%`, ...).
    Glue,
    /// Sentence punctuation and quotes, split off and grouped into runs.
    Punct,
    /// Brackets, split off when they sit at a word edge.
    Bracket,
    /// Starts an emoji cluster.
    Emoji,
    /// Combining marks, joiners, variation selectors: attach to what precedes.
    Extender,
    /// Control and format chars, private use: their own `Other` tokens.
    Other,
}

/// Classify `c`. Order matters: a char that is both alphanumeric and a
/// combining mark (many Indic vowel signs) counts as a word char.
pub(crate) fn class(c: char) -> Class {
    if is_space(c) {
        return Class::Space;
    }
    if c.is_alphanumeric() || c == '_' {
        return Class::Word;
    }
    if is_extender(c) {
        return Class::Extender;
    }
    if c.is_ascii() {
        return match c {
            '.' | ',' | '!' | '?' | ';' | ':' | '"' | '\'' | '`' => Class::Punct,
            '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' => Class::Bracket,
            _ if c.is_ascii_control() => Class::Other,
            _ => Class::Glue,
        };
    }
    if is_punct_other(c) {
        return Class::Punct;
    }
    if is_bracket_other(c) {
        return Class::Bracket;
    }
    if c.is_control() || is_format_or_private(c) {
        return Class::Other;
    }
    if is_pictographic(c) || is_regional_indicator(c) {
        return Class::Emoji;
    }
    Class::Glue
}

/// Separates tokens and belongs to none: Unicode whitespace, and U+FEFF. The latter is a
/// byte-order mark left inside text by concatenated files or bad encoders, never content;
/// CoNLL readers drop it at the start of a line, so a token made of it could not be written
/// and read back.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// Word char: the core of words, numbers, hashtags.
pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Apostrophes that make contractions and possessives (`don't`, `it 's`):
/// the ASCII one, the typographic `’`, its mirror `‘` (autocorrect and some
/// keyboards put it there: `it‘s`), and the fullwidth `＇`. All are
/// tokenized as `'` is, as WNUT-16 tokenizes `'`.
pub(crate) fn is_contraction_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{FF07}')
}

/// Apostrophe-like chars that may sit inside a word (`don't`, `she`s`).
pub(crate) fn is_apostrophe(c: char) -> bool {
    is_contraction_apostrophe(c) || matches!(c, '`' | '\u{00B4}')
}

fn is_punct_other(c: char) -> bool {
    matches!(
        c as u32,
        0x00A1 | 0x00AB | 0x00B4 | 0x00BB | 0x00BF | 0x055D | 0x060C | 0x061F | 0x0964 | 0x0965
            | 0x2013..=0x2015 | 0x2018..=0x201F | 0x2022 | 0x2026 | 0x2039 | 0x203A
            | 0x3001 | 0x3002 | 0xFF01 | 0xFF0C | 0xFF0E | 0xFF1A | 0xFF1B | 0xFF1F
    )
}

fn is_bracket_other(c: char) -> bool {
    matches!(
        c as u32,
        0x3008..=0x3011 | 0x3014..=0x301B | 0xFF08 | 0xFF09 | 0xFF3B | 0xFF3D | 0xFF5B | 0xFF5D
    )
}

fn is_format_or_private(c: char) -> bool {
    matches!(
        c as u32,
        0x200B | 0x200E | 0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
            | 0xFFF9..=0xFFFD | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
    )
}

/// Combining marks, joiners, variation selectors, skin-tone modifiers and
/// tag chars: they never start a token of their own when something precedes
/// them in the chunk.
pub(crate) fn is_extender(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD | 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
            | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
            | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
            | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C | 0x200D | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF
    )
}

/// Regional indicator letters; two in a row form a flag.
pub(crate) fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

/// Skin-tone (Fitzpatrick) modifiers.
pub(crate) fn is_skin_tone(c: char) -> bool {
    matches!(c as u32, 0x1F3FB..=0x1F3FF)
}

/// Approximation of Unicode's Extended_Pictographic property, good enough to
/// find emoji in tweets. `©`, `®` and `™` are left out: in running text they
/// belong to the word they follow and count as emoji only with U+FE0F.
pub(crate) fn is_pictographic(c: char) -> bool {
    matches!(
        c as u32,
        0x203C | 0x2049 | 0x2139 | 0x2194..=0x2199 | 0x21A9..=0x21AA | 0x231A..=0x231B | 0x2328
            | 0x2388 | 0x23CF | 0x23E9..=0x23F3 | 0x23F8..=0x23FA | 0x24C2 | 0x25AA..=0x25AB
            | 0x25B6 | 0x25C0 | 0x25FB..=0x25FE | 0x2600..=0x27BF | 0x2934..=0x2935
            | 0x2B05..=0x2B07 | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55 | 0x3030 | 0x303D | 0x3297
            | 0x3299 | 0x1F000..=0x1F1E5 | 0x1F200..=0x1F3FA | 0x1F400..=0x1FAFF
            | 0x1FC00..=0x1FFFD
    )
}

/// Chars that need U+FE0F after them to count as emoji.
pub(crate) fn is_text_default_symbol(c: char) -> bool {
    matches!(c, '\u{00A9}' | '\u{00AE}' | '\u{2122}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_common_chars() {
        assert_eq!(class('a'), Class::Word);
        assert_eq!(class('é'), Class::Word);
        assert_eq!(class('7'), Class::Word);
        assert_eq!(class('_'), Class::Word);
        assert_eq!(class(' '), Class::Space);
        assert_eq!(class('\u{3000}'), Class::Space);
        assert_eq!(class('\u{FEFF}'), Class::Space);
        assert_eq!(class('.'), Class::Punct);
        assert_eq!(class('\u{2026}'), Class::Punct);
        assert_eq!(class('('), Class::Bracket);
        assert_eq!(class('-'), Class::Glue);
        assert_eq!(class('$'), Class::Glue);
        assert_eq!(class('€'), Class::Glue);
        assert_eq!(class('\u{1F600}'), Class::Emoji);
        assert_eq!(class('\u{1F1FA}'), Class::Emoji);
        assert_eq!(class('\u{0301}'), Class::Extender);
        assert_eq!(class('\u{200D}'), Class::Extender);
        assert_eq!(class('\u{1F3FD}'), Class::Extender);
        assert_eq!(class('\u{0}'), Class::Other);
        assert_eq!(class('\u{200B}'), Class::Other);
        assert_eq!(class('\u{FFFD}'), Class::Other);
        assert_eq!(class('©'), Class::Glue);
    }
}
