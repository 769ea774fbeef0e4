//! `tweetner_data::parse_tweetner7` over arbitrary bytes, with and without the
//! WNUT-style rewrite.
//!
//! Invariants checked:
//! * an error names the source and a line that exists in the input;
//! * every tweet read has tokens, one tag per token, valid BIO tags from the
//!   label map, and tokens that are non-empty and whitespace-free (so CoNLL
//!   can hold them);
//! * input read without the rewrite also reads with it (the rewrite keeps
//!   tags valid), and the rewrite only joins tokens and never adds entities;
//! * what was read writes as CoNLL and reads back to the same tokens and tags.

use tweetner_data::{
    is_valid_bio, parse_tweetner7, spans, write_conll, ConllReader, ReadOptions, Sentence,
    Tweetner7Options,
};

const SOURCE: &str = "fuzz";

/// TweetNER7's own tag ids, in its `label.json` order.
const LABELS: [&str; 15] = [
    "B-corporation",
    "B-creative_work",
    "B-event",
    "B-group",
    "B-location",
    "B-person",
    "B-product",
    "I-corporation",
    "I-creative_work",
    "I-event",
    "I-group",
    "I-location",
    "I-person",
    "I-product",
    "O",
];

/// Runs the checks on `data`.
pub fn check(data: &[u8]) {
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let plain = parse_tweetner7(data, SOURCE, &labels, Tweetner7Options::default());
    let wnut = parse_tweetner7(data, SOURCE, &labels, Tweetner7Options { wnut_style: true });
    for result in [&plain, &wnut] {
        match result {
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with("fuzz:"), "error without source: {msg}");
                let line = e.line().expect("a parse error has a line");
                assert!((1..=lines).contains(&line), "line {line} of {lines}: {msg}");
            }
            Ok(tweets) => {
                for t in tweets {
                    assert!(!t.tokens.is_empty());
                    assert_eq!(t.tokens.len(), t.tags.len());
                    assert!(is_valid_bio(&t.tags), "{:?}", t.tags);
                    for tok in &t.tokens {
                        assert!(!tok.is_empty() && !tok.chars().any(char::is_whitespace));
                    }
                }
                let mut out = Vec::new();
                write_conll(&mut out, tweets).expect("what was read writes as CoNLL");
                let back: Vec<Sentence> =
                    ConllReader::new(&out[..], "back", ReadOptions::default())
                        .collect::<Result<_, _>>()
                        .expect("written CoNLL reads back");
                assert_eq!(back.len(), tweets.len());
                for (a, b) in back.iter().zip(tweets.iter()) {
                    assert_eq!((&a.tokens, &a.tags), (&b.tokens, &b.tags));
                }
            }
        }
    }
    if plain.is_ok() {
        assert!(
            wnut.is_ok(),
            "the rewrite broke valid input: {:?}",
            wnut.as_ref().err()
        );
    }
    if let (Ok(p), Ok(w)) = (&plain, &wnut) {
        assert_eq!(p.len(), w.len());
        for (a, b) in p.iter().zip(w) {
            assert!(b.tokens.len() <= a.tokens.len());
            assert!(spans(&b.tags).len() <= spans(&a.tags).len());
        }
    }
}
