//! Orthographic features: cheap string tests that tell a tagger what a token looks like
//! (capitalisation, digits, Twitter markup, position, length) independently of whether
//! its word is known. Plain character tests only: the tokenizer lives elsewhere and
//! these must agree with whatever it produces.

/// Names of the orthographic columns, in order.
pub const ORTHO_NAMES: [&str; 27] = [
    "init-cap",
    "all-caps",
    "all-lower",
    "mixed-case",
    "has-digit",
    "all-digits",
    "numeric",
    "alpha-digit",
    "punct-only",
    "has-hyphen",
    "has-apostrophe",
    "has-period",
    "url",
    "mention",
    "hashtag",
    "emoji",
    "non-ascii-letter",
    "first-token",
    "last-token",
    "after-boundary",
    "rt",
    "len-1",
    "len-2",
    "len-3",
    "len-4-5",
    "len-6-8",
    "len-9+",
];

/// Number of orthographic columns.
pub const ORTHO_DIM: usize = ORTHO_NAMES.len();

/// Writes the orthographic features of `tokens[i]` into `out` (length [`ORTHO_DIM`],
/// zeroed by the caller).
///
/// Case and shape tests look at the token without a leading `#`/`@`, so `#Obama` shows
/// as capitalised: hashtags and mentions of names are frequent entities in tweets.
pub fn write_ortho<S: AsRef<str>>(tokens: &[S], i: usize, out: &mut [f32]) {
    let Some(token) = tokens.get(i).map(AsRef::as_ref) else {
        return;
    };
    let mut set = |name_idx: usize, on: bool| {
        if on {
            if let Some(x) = out.get_mut(name_idx) {
                *x = 1.0;
            }
        }
    };
    let url = is_url(token);
    let mention = token.len() > 1 && token.starts_with('@');
    let hashtag = token.len() > 1
        && token.starts_with('#')
        && token[1..].chars().next().is_some_and(char::is_alphanumeric);
    let body = if mention || hashtag {
        &token[1..]
    } else {
        token
    };

    let (mut upper, mut lower, mut digits, mut letters, mut other) = (0, 0, 0, 0, 0);
    let mut non_ascii_letter = false;
    for c in body.chars() {
        if c.is_alphabetic() {
            letters += 1;
            non_ascii_letter |= !c.is_ascii();
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
        } else if c.is_numeric() {
            digits += 1;
        } else {
            other += 1;
        }
    }
    let first_upper = body.chars().next().is_some_and(char::is_uppercase);
    let upper_after_first = body.chars().skip(1).any(char::is_uppercase);
    let emoji = is_emoji_or_emoticon(token);
    let numeric = digits > 0
        && letters == 0
        && body
            .chars()
            .all(|c| c.is_numeric() || matches!(c, ',' | '.' | ':' | '/' | '-' | '%' | '$' | '+'));

    set(0, first_upper);
    set(1, upper > 0 && lower == 0);
    set(2, lower > 0 && upper == 0);
    set(3, upper_after_first && lower > 0);
    set(4, digits > 0);
    set(5, digits > 0 && letters == 0 && other == 0);
    set(6, numeric);
    set(7, digits > 0 && letters > 0);
    set(8, letters == 0 && digits == 0 && !emoji && !body.is_empty());
    set(9, body.contains('-'));
    set(10, body.contains(['\'', '\u{2019}']));
    set(11, body.contains('.') && letters > 0 && !url);
    set(12, url);
    set(13, mention);
    set(14, hashtag);
    set(15, emoji);
    set(16, non_ascii_letter);
    set(17, i == 0);
    set(18, i + 1 == tokens.len());
    set(
        19,
        i == 0 || tokens.get(i - 1).is_some_and(|p| is_boundary(p.as_ref())),
    );
    set(20, token.eq_ignore_ascii_case("rt"));
    let len = body.chars().count();
    let bucket = match len {
        0 | 1 => 21,
        2 => 22,
        3 => 23,
        4 | 5 => 24,
        6..=8 => 25,
        _ => 26,
    };
    set(bucket, true);
}

/// A previous token after which capitalisation says little (sentence end, colon,
/// retweet marker).
fn is_boundary(prev: &str) -> bool {
    prev.eq_ignore_ascii_case("rt")
        || (!prev.is_empty()
            && prev
                .chars()
                .all(|c| matches!(c, '.' | '!' | '?' | ':' | '\u{2026}' | '"' | '|')))
}

/// `http(s)://...`, `www....`, or a bare `domain.tld/...` link.
pub fn is_url(token: &str) -> bool {
    let t = token.to_ascii_lowercase();
    if t.starts_with("http://") || t.starts_with("https://") || t.starts_with("www.") {
        return true;
    }
    // bare shortener links such as bit.ly/abc
    match t.split_once('/') {
        Some((host, _)) => {
            host.len() > 3
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && host.rsplit('.').next().is_some_and(|tld| {
                    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
                })
        }
        None => false,
    }
}

/// Pictographic characters (emoji blocks, dingbats, symbols) or a text emoticon.
pub fn is_emoji_or_emoticon(token: &str) -> bool {
    let pictographic = token.chars().any(|c| {
        matches!(c as u32,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE0F | 0x200D | 0x2190..=0x21FF | 0x2300..=0x23FF)
    });
    if pictographic {
        return true;
    }
    let t = token.replace("&lt;", "<").replace("&gt;", ">");
    if matches!(
        t.as_str(),
        "<3" | "</3" | "^_^" | "^^" | "-_-" | "xd" | "xD" | "XD" | "o_O" | "O_o" | "o.O"
    ) {
        return true;
    }
    // Emoticons such as :) ;-) :D =P :'(
    let mut chars = t.chars();
    if !matches!(chars.next(), Some(':' | ';' | '=')) {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    let mouth = |c: &char| "()DPpOo/\\|*][3@$Ssc".contains(*c);
    (1..=3).contains(&rest.len())
        && rest.iter().any(mouth)
        && rest
            .iter()
            .all(|c| mouth(c) || matches!(c, '-' | '\'' | '^'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(tokens: &[&str], i: usize) -> Vec<&'static str> {
        let mut out = vec![0.0; ORTHO_DIM];
        write_ortho(tokens, i, &mut out);
        ORTHO_NAMES
            .iter()
            .zip(&out)
            .filter(|(_, v)| **v == 1.0)
            .map(|(n, _)| *n)
            .collect()
    }

    #[test]
    fn shapes() {
        let t = [
            "RT", "@Disney", ":", "iPhone", "2015", "3,000", "#Obama", "U.S.", "...",
        ];
        assert_eq!(
            feats(&t, 0),
            vec![
                "init-cap",
                "all-caps",
                "first-token",
                "after-boundary",
                "rt",
                "len-2"
            ]
        );
        assert_eq!(
            feats(&t, 1),
            vec!["init-cap", "mention", "after-boundary", "len-6-8"]
        );
        assert_eq!(feats(&t, 2), vec!["punct-only", "len-1"]);
        assert_eq!(
            feats(&t, 3),
            vec!["mixed-case", "after-boundary", "len-6-8"]
        );
        assert_eq!(
            feats(&t, 4),
            vec!["has-digit", "all-digits", "numeric", "len-4-5"]
        );
        assert_eq!(feats(&t, 5), vec!["has-digit", "numeric", "len-4-5"]);
        assert_eq!(feats(&t, 6), vec!["init-cap", "hashtag", "len-4-5"]);
        assert_eq!(
            feats(&t, 7),
            vec!["init-cap", "all-caps", "has-period", "len-4-5"]
        );
        assert_eq!(feats(&t, 8), vec!["punct-only", "last-token", "len-3"]);
    }

    #[test]
    fn urls_and_emoji() {
        for u in [
            "http://t.co/x",
            "https://a.b",
            "www.example.com",
            "bit.ly/abc12",
            "fb.me/X",
        ] {
            assert!(is_url(u), "{u}");
        }
        for u in ["and/or", "1/2", "w/", "a.b", "3.5/10"] {
            assert!(!is_url(u), "{u}");
        }
        for e in [
            ":)",
            ";-)",
            ":D",
            ":(",
            ":'(",
            "&lt;3",
            "<3",
            "XD",
            "\u{1F600}",
            "\u{2764}\u{FE0F}",
            ":/",
            "=P",
        ] {
            assert!(is_emoji_or_emoticon(e), "{e}");
        }
        for e in ["Xbox", "x", ":", "8am", "80s", "xoxo", "hello", "D:"] {
            assert!(!is_emoji_or_emoticon(e), "{e}");
        }
    }

    #[test]
    fn unicode_and_out_of_range() {
        assert!(feats(&["Beyonc\u{e9}'s"], 0).contains(&"non-ascii-letter"));
        assert!(feats(&["Beyonc\u{e9}'s"], 0).contains(&"has-apostrophe"));
        // out-of-range index writes nothing
        let mut out = vec![0.0; ORTHO_DIM];
        write_ortho(&["a"], 5, &mut out);
        assert!(out.iter().all(|x| *x == 0.0));
        // empty token: only position and length features
        assert_eq!(
            feats(&[""], 0),
            vec!["first-token", "last-token", "after-boundary", "len-1"]
        );
        assert_eq!(
            feats(&["#"], 0),
            vec![
                "punct-only",
                "first-token",
                "last-token",
                "after-boundary",
                "len-1"
            ]
        );
    }
}
