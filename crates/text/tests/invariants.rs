//! Structural invariants of `tokenize` on the real tweets and on
//! deterministic pseudo-random and adversarial strings: every token is the
//! exact slice its byte and char offsets name, tokens are in order, do not
//! overlap, contain no whitespace (nor U+FEFF), and together cover every other
//! char, and `count_tokens` agrees with their number. Also checks that pathological inputs stay fast (no quadratic
//! blow-up).

mod common;

use std::time::{Duration, Instant};
use tweetner_text::{count_tokens, is_space, tokenize, Token};

/// Assert all invariants for `text`, with `text` in the failure message.
fn check(text: &str) -> Vec<Token> {
    let toks = tokenize(text);
    assert_eq!(count_tokens(text), toks.len(), "count_tokens of {text:?}");
    let char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let n_chars = char_starts.len();
    let byte_of = |ci: usize| {
        if ci == n_chars {
            text.len()
        } else {
            char_starts[ci]
        }
    };
    let mut prev_end = 0;
    let mut prev_char_end = 0;
    for t in &toks {
        assert!(!t.text.is_empty(), "empty token in {text:?}");
        assert!(
            t.start < t.end && t.end <= text.len(),
            "bad range {t:?} in {text:?}"
        );
        assert_eq!(
            text.get(t.start..t.end),
            Some(t.text.as_str()),
            "slice in {text:?}"
        );
        assert!(
            t.char_start < t.char_end && t.char_end <= n_chars,
            "bad chars {t:?} in {text:?}"
        );
        assert_eq!(
            byte_of(t.char_start),
            t.start,
            "char_start in {text:?}: {t:?}"
        );
        assert_eq!(byte_of(t.char_end), t.end, "char_end in {text:?}: {t:?}");
        assert!(t.start >= prev_end, "overlap/order at {t:?} in {text:?}");
        let gap = &text[prev_end..t.start];
        assert!(
            gap.chars().all(is_space),
            "lost {gap:?} before {t:?} in {text:?}"
        );
        assert!(!t.text.chars().any(is_space), "whitespace inside {t:?}");
        assert!(t.char_start >= prev_char_end);
        prev_end = t.end;
        prev_char_end = t.char_end;
    }
    let tail = &text[prev_end..];
    assert!(tail.chars().all(is_space), "lost tail {tail:?} in {text:?}");
    toks
}

/// The project's seeded generator, so failures reproduce.
use tweetner_core::rng::SplitMix64 as Rng;

/// Pieces that exercise the matchers' edge cases when strung together.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "é",
    "7",
    "_",
    " ",
    "  ",
    "\t",
    "\n",
    ".",
    ",",
    "!",
    "?",
    ":",
    ";",
    "'",
    "\"",
    "`",
    "’",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "-",
    "--",
    "/",
    "*",
    "~",
    "^",
    "=",
    "+",
    "%",
    "$",
    "|",
    "\\",
    "#",
    "@",
    "&",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&apos;",
    "&#39;",
    "&amp;#39",
    "&lt;3",
    ":)",
    ":-D",
    ";P",
    ":/",
    "<3",
    "^_^",
    "o.O",
    "http://",
    "https://x.co/",
    "www.",
    ".com",
    "bit.ly/",
    "@user",
    "#tag",
    "$FB",
    "'s",
    "n't",
    "don't",
    "U.S.",
    "1,000",
    "2.5",
    "10:30",
    "\u{0301}",
    "\u{200D}",
    "\u{200C}",
    "\u{200B}",
    "\u{FE0F}",
    "\u{20E3}",
    "\u{1F3FD}",
    "\u{1F1FA}",
    "\u{1F1F8}",
    "\u{1F600}",
    "\u{1F468}",
    "\u{2764}",
    "\u{E0067}",
    "\u{E007F}",
    "\u{0}",
    "\u{7}",
    "\u{1B}",
    "\u{7F}",
    "\u{85}",
    "\u{A0}",
    "\u{2028}",
    "\u{3000}",
    "\u{FEFF}",
    "\u{FFFD}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "\u{E000}",
    "\u{202E}",
    "日本",
    "\u{0915}\u{094D}",
    "\u{0627}\u{0644}",
    "™",
    "©\u{FE0F}",
    "…",
    "“",
    "”",
    "«",
    "\u{FF08}",
    "１",
];

fn random_piece_string(rng: &mut Rng) -> String {
    let len = rng.below(40);
    (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

fn random_scalar_string(rng: &mut Rng) -> String {
    let len = rng.below(30);
    (0..len)
        .map(|_| {
            let v = match rng.below(4) {
                0 => rng.below(0x80) as u32,
                1 => rng.below(0x3000) as u32,
                2 => 0x1F000 + rng.below(0x1000) as u32,
                _ => rng.below(0x11_0000) as u32,
            };
            char::from_u32(v).unwrap_or('\u{FFFD}')
        })
        .collect()
}

fn random_bytes_string(rng: &mut Rng) -> String {
    let len = rng.below(60);
    let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn invariants_on_wnut16_tweets() {
    let mut n = 0;
    for split in ["train.conll", "dev.conll"] {
        for tweet in common::load_split(split) {
            let joined = tweet.join(" ");
            check(&joined);
            // Also without spaces after punctuation tokens, closer to raw text.
            let squashed: String = tweet
                .iter()
                .map(|t| {
                    if t.chars().all(|c| c.is_ascii_punctuation()) {
                        t.clone()
                    } else {
                        format!(" {t}")
                    }
                })
                .collect();
            check(&squashed);
            n += 1;
        }
    }
    assert_eq!(n, 3394);
}

#[test]
fn invariants_on_random_strings() {
    let mut rng = Rng::new(1);
    for _ in 0..20_000 {
        check(&random_piece_string(&mut rng));
        check(&random_scalar_string(&mut rng));
        check(&random_bytes_string(&mut rng));
    }
}

#[test]
fn emoji_pieces_stay_whole() {
    // Whatever surrounds them, these clusters are never cut inside.
    let clusters = [
        "\u{1F44D}\u{1F3FD}",
        "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
        "\u{1F1FA}\u{1F1F8}",
    ];
    let mut rng = Rng::new(42);
    for _ in 0..2_000 {
        let e = clusters[rng.below(clusters.len())];
        // Regional indicators pair from the left, so a stray one before a
        // flag legitimately takes its first half: keep them out here.
        let no_ri = |s: String| -> String {
            s.chars()
                .filter(|c| !('\u{1F1E6}'..='\u{1F1FF}').contains(c))
                .collect()
        };
        let before = no_ri(random_piece_string(&mut rng));
        let after = no_ri(random_piece_string(&mut rng));
        let text = format!("{before}{e}{after}");
        let toks = check(&text);
        let covered = toks.iter().any(|t| t.text.contains(e));
        assert!(covered, "{e:?} cut in {text:?}: {toks:?}");
    }
}

#[test]
fn pathological_inputs_stay_linear() {
    let patterns = [
        "a.",
        "a-",
        "a'",
        "'",
        ".",
        "&",
        "&amp;",
        ":",
        ":)",
        "(",
        ")",
        "http://x)",
        "ab.ab.",
        "a,",
        "x@",
        "#",
        "@",
        "\u{200D}",
        "\u{1F1FA}",
        "\u{0301}",
        "-a",
        "a'-b",
        "&lt;",
        "1.",
        "1:",
    ];
    let start = Instant::now();
    for p in patterns {
        let text = p.repeat(20_000 / p.len());
        let t0 = Instant::now();
        check(&text);
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "{p:?} repeated took {:?}",
            t0.elapsed()
        );
    }
    assert!(start.elapsed() < Duration::from_secs(10));
}
