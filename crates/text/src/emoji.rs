//! Emoji clusters: one token per user-perceived emoji, so that
//! `👍🏽` (base + skin tone), `👨‍👩‍👧` (ZWJ sequence), `🇺🇸` (flag pair),
//! `1️⃣` (keycap) and `🏴󠁧󠁢󠁳󠁣󠁴󠁿` (tag sequence) each come out whole.

use crate::chars::{is_pictographic, is_regional_indicator, is_skin_tone, is_text_default_symbol};
use crate::cursor::Cursor;

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';

/// Modifiers that stay inside an emoji cluster.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F) || is_skin_tone(c)
}

/// Match one emoji cluster at `i`; returns the index after it.
pub(crate) fn emoji_at(cx: &Cursor, i: usize) -> Option<usize> {
    let c = cx.at(i)?;
    if is_regional_indicator(c) {
        let end = if cx.at(i + 1).is_some_and(is_regional_indicator) {
            i + 2
        } else {
            i + 1
        };
        return Some(absorb_modifiers(cx, end));
    }
    if c.is_ascii_digit() || c == '#' || c == '*' {
        return match (cx.at(i + 1), cx.at(i + 2)) {
            (Some(KEYCAP), _) => Some(i + 2),
            (Some(VS16), Some(KEYCAP)) => Some(i + 3),
            _ => None,
        };
    }
    if is_text_default_symbol(c) && cx.at(i + 1) != Some(VS16) {
        return None;
    }
    if !(is_pictographic(c) || is_skin_tone(c) || is_text_default_symbol(c)) {
        return None;
    }
    let mut end = absorb_modifiers(cx, i + 1);
    while cx.at(end) == Some(ZWJ)
        && cx
            .at(end + 1)
            .is_some_and(|n| is_pictographic(n) || is_text_default_symbol(n))
    {
        end = absorb_modifiers(cx, end + 2);
    }
    Some(end)
}

fn absorb_modifiers(cx: &Cursor, mut j: usize) -> usize {
    while cx.at(j).is_some_and(is_emoji_modifier) {
        j += 1;
    }
    j
}
