//! The lookup fallback chain shared by the embeddings and the feature vocabulary.
//!
//! Tweets spell words in ways a news-trained vocabulary never saw: `#Trump`, `@Disney`,
//! `sooo`, `&amp;`, `don't`, `2nd`, `3pm`. The chain tries progressively looser
//! normalisations of a token and stops at the first that a vocabulary knows, so that
//! the same rules (and so the same ids) apply when building a vocabulary from training
//! text and when tagging new text.
//!
//! The wink GloVe 6B vocabulary has **no pure numerals** (no `2`, `2015`, `0`), no single
//! letters and no apostrophe forms (`'s`, `don't`): replacing every digit by `0` alone
//! therefore never hits it. The chain thus first turns small cardinals and ordinals
//! into words (`3` → `three`, `2nd` → `second`, which GloVe has), then tries the
//! digit-zeroed form (hits vocabularies that keep numerals, e.g. a training vocabulary
//! whose numeric tokens were stored under [`fallback_key`]), then drops the digits
//! (`3pm` → `pm`, `2day` → `day`).

use serde::{Deserialize, Serialize};

/// Which normalisation of a token found it in a vocabulary (in the order they are tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchRule {
    /// The token as written.
    Exact,
    /// Lowercased (GloVe 6B is all lowercase).
    Lowercase,
    /// Lowercased without leading `#`/`@` (`#Trump` → `trump`).
    StripSigil,
    /// HTML entities decoded (`&amp;` → `&`), as tweets arrive escaped.
    HtmlEntity,
    /// Typographic apostrophes straightened, clitics cut (`we'll` → `we`), negations and
    /// other apostrophes removed (`don't` → `dont`).
    Apostrophe,
    /// Letter runs of three or more shortened to two, then one (`sooo` → `soo` → `so`);
    /// punctuation runs to one (`!!!` → `!`).
    Elongation,
    /// Small cardinal/ordinal numerals spelled out (`3` → `three`, `21st` → `twenty-first`).
    NumberWord,
    /// Every ASCII digit replaced by `0` (`2015` → `0000`).
    DigitZero,
    /// Digits removed when letters remain (`3pm` → `pm`).
    StripDigits,
}

impl MatchRule {
    /// All rules in the order the chain tries them.
    pub const ALL: [MatchRule; 9] = [
        MatchRule::Exact,
        MatchRule::Lowercase,
        MatchRule::StripSigil,
        MatchRule::HtmlEntity,
        MatchRule::Apostrophe,
        MatchRule::Elongation,
        MatchRule::NumberWord,
        MatchRule::DigitZero,
        MatchRule::StripDigits,
    ];

    /// Short name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            MatchRule::Exact => "exact",
            MatchRule::Lowercase => "lowercase",
            MatchRule::StripSigil => "strip-sigil",
            MatchRule::HtmlEntity => "html-entity",
            MatchRule::Apostrophe => "apostrophe",
            MatchRule::Elongation => "elongation",
            MatchRule::NumberWord => "number-word",
            MatchRule::DigitZero => "digit-zero",
            MatchRule::StripDigits => "strip-digits",
        }
    }
}

impl std::fmt::Display for MatchRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs the fallback chain: calls `probe` on each candidate form of `token` in order and
/// returns the first answer together with the rule that produced the candidate.
///
/// The exact form is probed without allocating, so in-vocabulary tokens are cheap.
pub fn resolve<T>(token: &str, mut probe: impl FnMut(&str) -> Option<T>) -> Option<(T, MatchRule)> {
    let mut found = None;
    for_each_candidate(token, |rule, cand| match probe(cand) {
        Some(v) => {
            found = Some((v, rule));
            true
        }
        None => false,
    });
    found
}

/// All candidate forms of `token`, in the order [`resolve`] probes them (for tests and
/// debugging; candidates equal to an earlier one are skipped).
pub fn candidates(token: &str) -> Vec<(MatchRule, String)> {
    let mut out: Vec<(MatchRule, String)> = Vec::new();
    for_each_candidate(token, |rule, cand| {
        out.push((rule, cand.to_string()));
        false
    });
    out
}

/// The key under which a vocabulary should store a token that no pretrained vector
/// covers: lowercase, without leading `#`/`@`, every ASCII digit replaced by `0`.
///
/// [`resolve`] always reaches this form (as one of [`MatchRule::Exact`],
/// [`MatchRule::Lowercase`], [`MatchRule::StripSigil`] or [`MatchRule::DigitZero`]),
/// so `2010` seen in training makes `2015` known at test time, and `@bob` and `Bob`
/// pool their counts.
pub fn fallback_key(token: &str) -> String {
    let lower = token.to_lowercase();
    let core = lower.trim_start_matches(['#', '@']);
    zero_digits(if core.is_empty() { &lower } else { core })
}

/// Generates the candidates; `visit` returns `true` to stop.
fn for_each_candidate(token: &str, mut visit: impl FnMut(MatchRule, &str) -> bool) {
    if token.is_empty() || visit(MatchRule::Exact, token) {
        return;
    }
    // `tried` avoids probing the same string twice under a later rule.
    let mut tried: Vec<String> = Vec::new();
    let mut emit = |rule: MatchRule, cand: &str, tried: &mut Vec<String>| -> bool {
        if cand.is_empty() || cand == token || tried.iter().any(|t| t == cand) {
            return false;
        }
        tried.push(cand.to_string());
        visit(rule, cand)
    };
    let lower = token.to_lowercase();
    if emit(MatchRule::Lowercase, &lower, &mut tried) {
        return;
    }
    let core = lower.trim_start_matches(['#', '@']);
    let core = if core.is_empty() {
        lower.as_str()
    } else {
        core
    };
    if emit(MatchRule::StripSigil, core, &mut tried) {
        return;
    }
    if core.contains('&') {
        let unescaped = unescape_html(core);
        if emit(MatchRule::HtmlEntity, &unescaped, &mut tried) {
            return;
        }
    }
    if core.contains(['\'', '\u{2019}', '\u{2018}']) {
        let straight = core.replace(['\u{2019}', '\u{2018}'], "'");
        for form in apostrophe_forms(&straight) {
            if emit(MatchRule::Apostrophe, &form, &mut tried) {
                return;
            }
        }
    }
    if has_repeat(core) {
        for max_run in [2, 1] {
            let collapsed = collapse_runs(core, max_run);
            if emit(MatchRule::Elongation, &collapsed, &mut tried) {
                return;
            }
        }
    }
    if core.bytes().any(|b| b.is_ascii_digit()) {
        if let Some(word) = number_word(core) {
            if emit(MatchRule::NumberWord, word, &mut tried) {
                return;
            }
        }
        for form in [lower.as_str(), core] {
            if emit(MatchRule::DigitZero, &zero_digits(form), &mut tried) {
                return;
            }
        }
        if let Some(stripped) = strip_edge_digits(core) {
            emit(MatchRule::StripDigits, stripped, &mut tried);
        }
    }
}

fn zero_digits(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Forms of a token holding straight apostrophes, best first. GloVe 6B splits clitics
/// off (`we 'll`), and wink dropped those pieces, so a clitic is cut to its host
/// (`we'll` → `we`, not the unrelated `well`); negations keep their informal spelling
/// (`don't` → `dont`); a lone clitic becomes its full word (`'re` → `are`).
fn apostrophe_forms(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    let lone = match s {
        "n't" => Some("not"),
        "'ll" => Some("will"),
        "'re" => Some("are"),
        "'ve" => Some("have"),
        "'m" => Some("am"),
        "'d" => Some("would"),
        _ => None,
    };
    if let Some(word) = lone {
        out.push(word.to_string());
        return out;
    }
    if let Some(stem) = s.strip_suffix("n't").filter(|t| !t.is_empty()) {
        out.push(format!("{stem}nt"));
        return out;
    }
    for clitic in ["'s", "'ll", "'re", "'ve", "'d", "'m"] {
        if let Some(host) = s.strip_suffix(clitic) {
            if !host.is_empty() && !host.contains('\'') {
                out.push(host.to_string());
                // `im` and `lets`-style spellings are common informal words.
                if matches!(clitic, "'m" | "'s") {
                    out.push(s.replace('\'', ""));
                }
                return out;
            }
        }
    }
    out.push(s.replace('\'', ""));
    out
}

/// True when some character repeats (a cheap gate before building collapsed forms).
fn has_repeat(s: &str) -> bool {
    let mut prev = None;
    for c in s.chars() {
        if prev == Some(c) {
            return true;
        }
        prev = Some(c);
    }
    false
}

/// Shortens letter runs of three or more to `max_letter_run` (`sooo` → `soo`/`so`; a
/// double letter as in `jazz` or `yyc` is left alone) and runs of punctuation to one
/// (`!!!` → `!`). Digit runs are kept: `2000` is not `20`.
fn collapse_runs(s: &str, max_letter_run: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let mut run = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            run += 1;
        }
        let keep = if c.is_numeric() {
            run
        } else if c.is_alphabetic() {
            if run >= 3 {
                max_letter_run
            } else {
                run
            }
        } else {
            1
        };
        (0..keep).for_each(|_| out.push(c));
    }
    out
}

/// The token without a block of digits at its start or end (`3pm` → `pm`,
/// `@anita316` core `anita316` → `anita`), when at least two characters including a
/// letter remain. Digits in the middle or in several blocks (`22af9362`) and
/// out-of-range ordinals (`102nd`) are left alone: what remains is not a word.
fn strip_edge_digits(s: &str) -> Option<&str> {
    let lead = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let trail = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let rest = match (lead, trail) {
        (0, 0) => return None,
        (l, 0) => {
            let r = &s[l..];
            if matches!(r, "st" | "nd" | "rd" | "th") {
                return None;
            }
            r
        }
        (0, t) => &s[..s.len() - t],
        _ => return None,
    };
    let ok = rest.chars().count() >= 2
        && rest.chars().any(char::is_alphabetic)
        && !rest.bytes().any(|b| b.is_ascii_digit());
    ok.then_some(rest)
}

const CARDINALS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

const TENS: [&str; 10] = [
    "", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

const ORDINALS: [&str; 32] = [
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty-first",
    "twenty-second",
    "twenty-third",
    "twenty-fourth",
    "twenty-fifth",
    "twenty-sixth",
    "twenty-seventh",
    "twenty-eighth",
    "twenty-ninth",
    "thirtieth",
    "thirty-first",
];

/// Spells out cardinals 0–20, round tens, 100 and 1000, and ordinals 1st–31st
/// (day-of-month range, the commonest ordinals in tweets). Input is lowercase.
fn number_word(s: &str) -> Option<&'static str> {
    // `split_at_checked`: the cut may fall inside a multibyte character ("8年").
    let (digits, ordinal) = match s.len().checked_sub(2).and_then(|i| s.split_at_checked(i)) {
        Some((d, "st" | "nd" | "rd" | "th")) if !d.is_empty() => (d, true),
        _ => (s, false),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    if ordinal {
        return ORDINALS.get(n).copied().filter(|w| !w.is_empty());
    }
    match n {
        0..=20 => Some(CARDINALS[n]),
        100 => Some("hundred"),
        1000 => Some("thousand"),
        30 | 40 | 50 | 60 | 70 | 80 | 90 => Some(TENS[n / 10]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_word_survives_multibyte_endings() {
        assert_eq!(number_word("8年"), None);
        assert_eq!(number_word("1é"), None);
        assert_eq!(number_word("3rd"), Some("third"));
    }
    use std::collections::HashSet;

    fn set(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn hit(vocab: &HashSet<String>, token: &str) -> Option<(String, MatchRule)> {
        resolve(token, |c| vocab.get(c).cloned())
    }

    #[test]
    fn chain_finds_each_rule() {
        let v = set(&[
            "Apple", "trump", "&", "dont", "so", "!", "three", "second", "pm", "0000",
        ]);
        let cases = [
            ("Apple", "Apple", MatchRule::Exact),
            ("TRUMP", "trump", MatchRule::Lowercase),
            ("#Trump", "trump", MatchRule::StripSigil),
            ("@trump", "trump", MatchRule::StripSigil),
            ("&amp;", "&", MatchRule::HtmlEntity),
            ("Don\u{2019}t", "dont", MatchRule::Apostrophe),
            ("Sooooo", "so", MatchRule::Elongation),
            ("!!!!", "!", MatchRule::Elongation),
            ("3", "three", MatchRule::NumberWord),
            ("2ND", "second", MatchRule::NumberWord),
            ("2015", "0000", MatchRule::DigitZero),
            ("3pm", "pm", MatchRule::StripDigits),
        ];
        for (token, want, rule) in cases {
            assert_eq!(
                hit(&v, token),
                Some((want.to_string(), rule)),
                "token {token}"
            );
        }
        assert_eq!(hit(&v, "zzz"), None);
        assert_eq!(hit(&v, ""), None);
    }

    #[test]
    fn earlier_rule_wins() {
        let v = set(&["apple", "Apple"]);
        assert_eq!(hit(&v, "Apple").map(|x| x.1), Some(MatchRule::Exact));
        assert_eq!(hit(&v, "APPLE").map(|x| x.1), Some(MatchRule::Lowercase));
        // a spelled-out number is preferred over the digit-zeroed form
        let v = set(&["twenty", "00"]);
        assert_eq!(
            hit(&v, "20"),
            Some(("twenty".into(), MatchRule::NumberWord))
        );
        assert_eq!(hit(&v, "25"), Some(("00".into(), MatchRule::DigitZero)));
    }

    #[test]
    fn fallback_key_is_always_reached() {
        for token in [
            "2015",
            "#Obama2012",
            "Hello",
            "x1X",
            "@A_1",
            "&amp;3",
            "#",
            "@@",
            "#1",
        ] {
            let key = fallback_key(token);
            let v = set(&[key.as_str()]);
            assert!(hit(&v, token).is_some(), "{token} -> {key}");
            assert!(!key.starts_with(['#', '@']) || key.trim_start_matches(['#', '@']).is_empty());
        }
    }

    #[test]
    fn candidates_are_unique_and_ordered() {
        let c = candidates("#Sooo2");
        let mut seen = HashSet::new();
        for (_, s) in &c {
            assert!(seen.insert(s.clone()), "duplicate {s}");
        }
        let rules: Vec<MatchRule> = c.iter().map(|x| x.0).collect();
        let mut sorted = rules.clone();
        sorted.sort();
        assert_eq!(rules, sorted);
        assert_eq!(c[0], (MatchRule::Exact, "#Sooo2".to_string()));
        assert!(c.contains(&(MatchRule::StripDigits, "sooo".to_string())));
    }

    #[test]
    fn number_words() {
        assert_eq!(number_word("0"), Some("zero"));
        assert_eq!(number_word("07"), Some("seven"));
        assert_eq!(number_word("90"), Some("ninety"));
        assert_eq!(number_word("31st"), Some("thirty-first"));
        assert_eq!(number_word("32nd"), None);
        assert_eq!(number_word("0th"), None);
        assert_eq!(number_word("25"), None);
        assert_eq!(number_word("st"), None);
        assert_eq!(number_word("99999999999999999999"), None);
        assert_eq!(number_word("1a"), None);
    }

    #[test]
    fn collapse() {
        assert_eq!(collapse_runs("loooovve", 2), "loovve");
        assert_eq!(collapse_runs("loooovve", 1), "lovve");
        assert_eq!(collapse_runs("yyc!!..2000", 1), "yyc!.2000");
        assert!(!has_repeat("abc"));
        assert!(has_repeat("..."));
    }

    #[test]
    fn apostrophes_cut_clitics() {
        let v = set(&["we", "well", "dont", "do", "im", "are", "it", "its"]);
        assert_eq!(hit(&v, "We'll").map(|x| x.0), Some("we".into()));
        assert_eq!(hit(&v, "don't").map(|x| x.0), Some("dont".into()));
        assert_eq!(hit(&v, "I'm").map(|x| x.0), Some("im".into()));
        assert_eq!(hit(&v, "'re").map(|x| x.0), Some("are".into()));
        assert_eq!(hit(&v, "it's").map(|x| x.0), Some("it".into()));
        assert_eq!(hit(&v, "I'll"), None);
    }

    #[test]
    fn edge_digits() {
        assert_eq!(strip_edge_digits("3pm"), Some("pm"));
        assert_eq!(strip_edge_digits("anita316"), Some("anita"));
        assert_eq!(strip_edge_digits("102nd"), None);
        assert_eq!(strip_edge_digits("22af9362"), None);
        assert_eq!(strip_edge_digits("a1b"), None);
        assert_eq!(strip_edge_digits("1x"), None);
        assert_eq!(strip_edge_digits("12"), None);
        assert_eq!(strip_edge_digits("pm"), None);
    }
}
