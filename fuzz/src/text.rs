//! `tweetner_text::tokenize`: tokens are exact, ordered, non-overlapping
//! slices of the input with consistent byte and char offsets, contain no
//! whitespace (nor U+FEFF), and together cover every other char; and every
//! tokenized text can be written as CoNLL and read back (`tag --format conll`
//! writes what the tokenizer makes, and silver data is read from that).

use tweetner_data::{write_conll, ConllReader, ReadOptions, Sentence};
use tweetner_text::{is_space, tokenize};

/// Checks `tokenize` on `data` when it is UTF-8 (other inputs are skipped:
/// the tokenizer takes `&str`).
pub fn check_bytes(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        check_str(s);
    }
}

/// Asserts every documented invariant of `tokenize(s)`.
pub fn check_str(s: &str) {
    let tokens = tokenize(s);
    // Char index -> byte offset, with the total length one past the end.
    let mut byte_of: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
    let n_chars = byte_of.len();
    byte_of.push(s.len());

    let mut prev_end = 0;
    let mut prev_char_end = 0;
    for t in &tokens {
        assert!(
            t.start < t.end && t.end <= s.len(),
            "empty or out-of-range token {t:?} in {s:?}"
        );
        assert!(
            t.start >= prev_end && t.char_start >= prev_char_end,
            "token {t:?} overlaps or precedes the previous one in {s:?}"
        );
        assert_eq!(
            s.get(t.start..t.end),
            Some(t.text.as_str()),
            "token text is not the slice start..end in {s:?}"
        );
        assert!(
            t.char_start < t.char_end && t.char_end <= n_chars,
            "bad char range {t:?} in {s:?}"
        );
        assert_eq!(
            (byte_of[t.char_start], byte_of[t.char_end]),
            (t.start, t.end),
            "char offsets of {t:?} disagree with byte offsets in {s:?}"
        );
        assert!(
            !t.text.chars().any(is_space),
            "whitespace inside token {t:?} of {s:?}"
        );
        let gap = &s[prev_end..t.start];
        assert!(
            gap.chars().all(is_space),
            "non-whitespace {gap:?} before {t:?} is in no token, in {s:?}"
        );
        prev_end = t.end;
        prev_char_end = t.char_end;
    }
    let tail = &s[prev_end..];
    assert!(
        tail.chars().all(is_space),
        "non-whitespace tail {tail:?} is in no token, in {s:?}"
    );
    // `-DOCSTART-` is CoNLL's document marker, which readers skip: a tweet that
    // spells it out cannot be carried, and the writer refuses it rather than lose it.
    if tokens.is_empty() || tokens.iter().any(|t| t.text == "-DOCSTART-") {
        return;
    }
    let sentence = Sentence {
        tokens: tokens.iter().map(|t| t.text.clone()).collect(),
        tags: vec!["O".to_string(); tokens.len()],
        ..Sentence::default()
    };
    let mut written = Vec::new();
    if let Err(e) = write_conll(&mut written, std::slice::from_ref(&sentence)) {
        panic!("CoNLL cannot carry the tokens of {s:?}: {e}");
    }
    let back: Result<Vec<Sentence>, _> =
        ConllReader::new(&written[..], "tokens", ReadOptions::default()).collect();
    match back {
        Ok(b) if b.len() == 1 && b[0].tokens == sentence.tokens => {}
        other => panic!("the tokens of {s:?} do not read back from CoNLL: {other:?}"),
    }
}
