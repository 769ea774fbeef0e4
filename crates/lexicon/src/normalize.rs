//! The one key function: entry text at build time and token text at lookup time
//! both go through [`normalize`], so whatever it folds away cannot keep an entry
//! from matching.
//!
//! Rules, in order, for each whitespace-separated chunk of the input:
//!
//! 1. **Sigils.** Leading `#`/`@` (also full-width `＃`/`＠`) are stripped. Such a
//!    chunk is *tagged*: its CamelCase is split (rule 4).
//! 2. **Separators.** `_`, `/`, `\`, `|`, the hyphen and the Unicode dashes
//!    (U+2010–U+2015, U+2212) end a word: `Jay-Z` → `jay z`, `@justin_bieber` →
//!    `justin bieber`.
//! 3. **Other punctuation and symbols are dropped** without ending a word:
//!    `A.C. Milan` → `ac milan`, `AT&T` → `att`, `Tom & Jerry` → `tom jerry`.
//!    Apostrophes are dropped too (curly `’ ‘ ʼ` and `` ` ``/`´` are folded to `'`
//!    first, which only matters for the possessive rule below), so `'s` stays
//!    attached: `McDonald's` → `mcdonalds`, the same key as `McDonalds`.
//! 4. **Hashtag CamelCase** (tagged chunks only): a word break goes before an
//!    upper-case letter that follows a lower-case one (`JustinBieber` → `justin
//!    bieber`), before the last capital of a capital run followed by lower case
//!    (`NYCMarathon` → `nyc marathon`), and between letters and digits, which
//!    stay runs (`Top10Songs` → `top 10 songs`). Untagged words are never split:
//!    `iPhone` → `iphone`.
//! 5. **Case and accents.** Unicode lower-casing, and the common Latin
//!    diacritics are folded (`Beyoncé` → `beyonce`, `Łódź` → `lodz`), since
//!    tweets drop them as often as not.
//! 6. **Whitespace** is collapsed: words are joined by single spaces, no
//!    leading or trailing space. A text with no letters or digits gives `""`.
//!
//! Lookup adds two alternatives on top of this, see [`crate::annotate`]: a
//! tagged token also matches its unsplit form (`#iPhone` matches `iphone` as
//! well as `i phone`), and a token ending in `'s` may also end a match without
//! the `s` (`Obama's` matches `obama`).

/// The lookup key of `text`, see the [module docs](self).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into a reused buffer (cleared first).
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    for chunk in text.split_whitespace() {
        let body = chunk.trim_start_matches(is_sigil);
        push_chunk(body, body.len() != chunk.len(), out);
    }
}

/// Whether the chunk is a hashtag or a mention (starts with a sigil).
pub(crate) fn is_tagged(chunk: &str) -> bool {
    chunk.starts_with(is_sigil)
}

/// Whether `text` ends in a possessive `'s` (any apostrophe form, any case).
pub(crate) fn ends_possessive(text: &str) -> bool {
    let mut rev = text.chars().rev();
    matches!(rev.next(), Some('s' | 'S')) && rev.next().map(fold_quote) == Some('\'')
}

fn is_sigil(c: char) -> bool {
    matches!(c, '#' | '@' | '＃' | '＠')
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '_' | '/' | '\\' | '|' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
}

fn fold_quote(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{2032}' | '`' | '\u{00b4}' => '\'',
        c => c,
    }
}

/// Whether a tagged chunk gets a word break between `prev` and `cur`.
fn camel_break(prev: char, cur: char, next: Option<char>) -> bool {
    if prev.is_numeric() != cur.is_numeric() {
        return true;
    }
    if prev.is_lowercase() && cur.is_uppercase() {
        return true;
    }
    prev.is_uppercase() && cur.is_uppercase() && next.is_some_and(char::is_lowercase)
}

fn push_chunk(body: &str, camel: bool, out: &mut String) {
    // A word break is owed before the next kept character.
    let mut brk = true;
    let mut prev: Option<char> = None;
    let mut chars = body.chars().map(fold_quote).peekable();
    while let Some(c) = chars.next() {
        if is_separator(c) {
            brk = true;
            prev = None;
            continue;
        }
        if !c.is_alphanumeric() {
            continue;
        }
        if camel && prev.is_some_and(|p| camel_break(p, c, chars.peek().copied())) {
            brk = true;
        }
        if brk {
            if !out.is_empty() {
                out.push(' ');
            }
            brk = false;
        }
        push_folded(c, out);
        prev = Some(c);
    }
}

fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Lower-casing can add combining marks (`İ` → `i̇`); they are dropped
    // like other non-word characters, so normalising a key changes nothing.
    for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
        match fold_accent(l) {
            Some(base) => out.push_str(base),
            None => out.push(l),
        }
    }
}

/// Base letters of the accented lower-case Latin letters tweets commonly use.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_whitespace() {
        assert_eq!(normalize("  Harold   and\tMAUDE "), "harold and maude");
        assert_eq!(normalize("ÉCOLE"), "ecole");
        assert_eq!(normalize("Beyoncé Knowles"), "beyonce knowles");
        assert_eq!(normalize("Łódź"), "lodz");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("Ελλάδα"), "ελλάδα");
    }

    #[test]
    fn hashtag_camel_case() {
        assert_eq!(normalize("#JustinBieber"), "justin bieber");
        assert_eq!(normalize("#NewYorkCity"), "new york city");
        assert_eq!(normalize("#NYCMarathon"), "nyc marathon");
        assert_eq!(normalize("#Top10Songs"), "top 10 songs");
        assert_eq!(normalize("#2020Vision"), "2020 vision");
        assert_eq!(normalize("#nyc"), "nyc");
        assert_eq!(normalize("#NYC"), "nyc");
        assert_eq!(normalize("##Double"), "double");
        assert_eq!(normalize("＃FullWidth"), "full width");
    }

    #[test]
    fn mentions_and_untagged_words() {
        assert_eq!(normalize("@justin_bieber"), "justin bieber");
        assert_eq!(normalize("@BarackObama"), "barack obama");
        // Only tagged chunks are split: entries keep their spelling.
        assert_eq!(normalize("iPhone"), "iphone");
        assert_eq!(normalize("#iPhone"), "i phone");
        assert_eq!(normalize("McDonald"), "mcdonald");
        // A sigil inside a word is punctuation.
        assert_eq!(normalize("C#"), "c");
        assert_eq!(normalize("a@b"), "ab");
    }

    #[test]
    fn punctuation() {
        assert_eq!(normalize("A.C. Milan"), "ac milan");
        assert_eq!(normalize("AC Milan"), "ac milan");
        assert_eq!(normalize("AT&T"), "att");
        assert_eq!(normalize("Tom & Jerry"), "tom jerry");
        assert_eq!(normalize("Jay-Z"), "jay z");
        assert_eq!(normalize("Wall–E"), "wall e");
        assert_eq!(normalize("AC/DC"), "ac dc");
        assert_eq!(normalize("Mr. Bean!!!"), "mr bean");
        assert_eq!(normalize("\"Quoted\""), "quoted");
        assert_eq!(normalize("Star Wars: Episode IV"), "star wars episode iv");
    }

    #[test]
    fn apostrophes() {
        assert_eq!(normalize("McDonald's"), "mcdonalds");
        assert_eq!(normalize("McDonald’s"), "mcdonalds");
        assert_eq!(normalize("McDonalds"), "mcdonalds");
        assert_eq!(normalize("Rock ‘n’ Roll"), "rock n roll");
        assert!(ends_possessive("Obama's"));
        assert!(ends_possessive("OBAMA’S"));
        assert!(!ends_possessive("Obamas"));
        assert!(!ends_possessive("'s") || normalize("'s") == "s");
    }

    #[test]
    fn empty_keys() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("   "), "");
        assert_eq!(normalize("#"), "");
        assert_eq!(normalize("!!! ... ???"), "");
        assert_eq!(normalize("😀 🎉"), "");
        assert_eq!(normalize("- _ /"), "");
    }

    #[test]
    fn idempotent() {
        for s in [
            "#JustinBieber",
            "A.C. Milan",
            "Jay-Z",
            "Beyoncé",
            "#NYCMarathon",
            "  x  y ",
            "İstanbul",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }

    #[test]
    fn into_reuses_and_clears() {
        let mut buf = String::from("stale");
        normalize_into("New York", &mut buf);
        assert_eq!(buf, "new york");
        assert!(is_tagged("#x") && is_tagged("@x") && !is_tagged("x#"));
    }
}
