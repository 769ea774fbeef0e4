//! Surface form → counting key, with no memory of other tweets.
//!
//! The same entity is written many ways ("Justin Bieber", "#JustinBieber",
//! "justin bieber's", "@justinbieber"); counting them apart would split one
//! burst into several weak ones. This module does what one mention alone
//! allows: trim punctuation and possessives, strip `#`/`@`, split CamelCase
//! hashtags, fold case (Unicode) and collapse whitespace. Merging with what
//! *other* tweets said ("Bieber" → "Justin Bieber") is [`crate::alias`]'s job.

/// Keys are cut to this many characters, so one absurd "entity" cannot make
/// the detector's memory depend on its input.
pub const MAX_KEY_CHARS: usize = 96;

/// How the mention was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Plain words.
    Plain,
    /// A `#hashtag`.
    Hashtag,
    /// An `@handle`.
    Handle,
}

/// One mention, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surface {
    /// Lower-case key, tokens separated by single spaces.
    pub key: String,
    /// How it was written.
    pub form: Form,
}

fn is_sigil(c: char) -> bool {
    matches!(c, '#' | '@' | '＃' | '＠')
}

/// Normalises one mention; `None` when nothing word-like is left.
pub fn normalize(text: &str) -> Option<Surface> {
    let s = text.trim_matches(|c: char| !c.is_alphanumeric() && !is_sigil(c));
    let form = match s.chars().next() {
        Some('#' | '＃') => Form::Hashtag,
        Some('@' | '＠') => Form::Handle,
        _ => Form::Plain,
    };
    let s = s.trim_start_matches(|c: char| is_sigil(c) || !c.is_alphanumeric());
    let s = strip_possessive(s).trim_end_matches(|c: char| !c.is_alphanumeric());
    let spaced = match form {
        Form::Hashtag => split_camel(s),
        Form::Handle | Form::Plain => s.to_string(),
    };
    let key = fold(&spaced);
    (!key.is_empty()).then_some(Surface { key, form })
}

/// Unicode lower-casing plus whitespace collapsing, cut to [`MAX_KEY_CHARS`].
pub fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    let tidy = if lower.is_ascii() {
        let b = lower.as_bytes();
        !b.windows(2).any(|w| w == b"  ")
            && !b.iter().any(|c| c.is_ascii_whitespace() && *c != b' ')
    } else {
        !lower.contains("  ") && !lower.chars().any(|c| c.is_whitespace() && c != ' ')
    };
    if tidy && lower.len() <= MAX_KEY_CHARS && lower.trim().len() == lower.len() {
        return lower; // the common case: nothing to collapse or cut
    }
    let mut out = String::with_capacity(lower.len());
    for (n, word) in lower.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_KEY_CHARS {
        out = out.chars().take(MAX_KEY_CHARS).collect();
        out.truncate(out.trim_end().len());
    }
    out
}

/// The key with spaces and underscores removed: how a hashtag or handle
/// writes a multi-word name ("justin bieber" → "justinbieber").
pub fn squash(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect()
}

/// Type labels compared case-insensitively ("PER" and "per" are one type).
pub fn normalize_type(ty: &str) -> String {
    let tidy = |b: &u8| b.is_ascii_lowercase() || *b == b'-' || *b == b'_' || b.is_ascii_digit();
    if !ty.is_empty() && ty.len() <= 32 && ty.as_bytes().iter().all(tidy) {
        return ty.to_string(); // already normalised: the usual case
    }
    let t = ty.trim().to_lowercase();
    if t.is_empty() {
        "unknown".to_string()
    } else {
        t.chars().take(32).collect()
    }
}

fn strip_possessive(s: &str) -> &str {
    for suffix in ["'s", "’s", "'S", "’S"] {
        if let Some(stem) = s.strip_suffix(suffix) {
            if stem.chars().any(char::is_alphanumeric) {
                return stem;
            }
        }
    }
    s
}

/// "JustinBieber" → "Justin Bieber", "NBAFinals" → "NBA Finals",
/// "world_cup" → "world cup". A single lower-case letter before the first
/// capital is a brand prefix ("iPhone", "eBay"), not a word of its own.
/// Digits do not split: "Web3" and "#Web3" must get the same key.
fn split_camel(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            out.push(' ');
            continue;
        }
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let brand_prefix = i == 1 && prev.is_lowercase();
            let word_start = prev.is_lowercase() || (prev.is_uppercase() && next_lower);
            if word_start && !brand_prefix {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        normalize(s).map(|x| x.key).unwrap_or_default()
    }

    #[test]
    fn hashtags_split_on_camel_case() {
        assert_eq!(key("#JustinBieber"), "justin bieber");
        assert_eq!(key("#NBAFinals"), "nba finals");
        assert_eq!(key("#world_cup"), "world cup");
        assert_eq!(key("#iPhone"), "iphone");
        assert_eq!(key("#Web3"), "web3");
        assert_eq!(key("#justinbieber"), "justinbieber");
        assert_eq!(
            normalize("#JustinBieber").map(|s| s.form),
            Some(Form::Hashtag)
        );
    }

    #[test]
    fn plain_text_is_not_split_and_is_trimmed() {
        assert_eq!(key("McDonald"), "mcdonald");
        assert_eq!(key("  Justin   Bieber's!!"), "justin bieber");
        assert_eq!(key("\"Justin Bieber\","), "justin bieber");
        assert_eq!(key("AT&T"), "at&t");
        assert_eq!(key("Spider-Man"), "spider-man");
        assert_eq!(normalize("!!! ..."), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("#"), None);
    }

    #[test]
    fn handles_lose_their_sigil() {
        let s = normalize("@JustinBieber:").unwrap();
        assert_eq!(
            s,
            Surface {
                key: "justinbieber".into(),
                form: Form::Handle
            }
        );
        assert_eq!(key("＠foo_bar"), "foo_bar");
        assert_eq!(squash("foo_bar"), "foobar");
        assert_eq!(squash("justin bieber"), "justinbieber");
    }

    #[test]
    fn case_folding_is_unicode_aware() {
        assert_eq!(key("ÉCOLE Polytechnique"), "école polytechnique");
        assert_eq!(key("ΟΔΥΣΣΕΥΣ"), "οδυσσευς");
        assert_eq!(key("#ÇaVa"), "ça va");
        assert_eq!(key("東京 タワー"), "東京 タワー");
        assert_eq!(normalize_type(" PER "), "per");
        assert_eq!(normalize_type(""), "unknown");
    }

    #[test]
    fn absurd_keys_are_bounded() {
        let long = "a ".repeat(1000);
        assert!(key(&long).chars().count() <= MAX_KEY_CHARS);
        assert!(!key(&long).ends_with(' '));
    }
}
