//! Writer output and write → read round trips.

mod common;

use common::{read, Rng};
use tweetner_data::{write_conll, write_conll_file, write_sentence, ReadOptions, Sentence};

fn sentence(tokens: &[&str], tags: &[&str]) -> Sentence {
    Sentence::new(
        tokens.iter().map(|t| t.to_string()).collect(),
        tags.iter().map(|t| t.to_string()).collect(),
    )
}

fn written(sentences: &[Sentence]) -> String {
    let mut out = Vec::new();
    write_conll(&mut out, sentences).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn writes_tab_separated_with_blank_lines() {
    let mut s = sentence(&["a", "b"], &["O", "B-x"]);
    assert_eq!(written(std::slice::from_ref(&s)), "a\tO\nb\tB-x\n\n");
    s.columns = vec![
        vec!["NN".into(), "1".into()],
        vec!["NNP".into(), "2".into()],
    ];
    assert_eq!(written(&[s]), "a\tNN\t1\tO\nb\tNNP\t2\tB-x\n\n");
}

#[test]
fn refuses_what_would_not_read_back() {
    let bad = [
        sentence(&[], &[]),
        sentence(&["a"], &[]),
        sentence(&["a\tb"], &["O"]),
        sentence(&["a\nb"], &["O"]),
        sentence(&[" a"], &["O"]),
        sentence(&[""], &["O"]),
        sentence(&["a"], &[""]),
        sentence(&["-DOCSTART-"], &["O"]),
        sentence(&["a\rb"], &["O"]),
        sentence(&["\u{feff}a"], &["O"]),
    ];
    for s in &bad {
        let mut out = Vec::new();
        let err = write_sentence(&mut out, s).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{s:?}");
        assert!(out.is_empty(), "nothing is written for a refused sentence");
    }
    let mut ragged = sentence(&["a", "b"], &["O", "O"]);
    ragged.columns = vec![vec!["x".into()], vec![]];
    assert!(write_sentence(&mut Vec::new(), &ragged).is_err());
}

/// A random sentence with 0–2 extra columns of awkward but legal tokens.
fn random_sentence(rng: &mut Rng, width: usize) -> Sentence {
    const TOKENS: [&str; 10] = [
        "@user",
        "#tag",
        "New York",
        "é",
        "😀",
        "http://t.co/x",
        "\"",
        "-",
        "O",
        "\u{a0}",
    ];
    const TAGS: [&str; 5] = ["O", "B-person", "I-person", "B-geo-loc", "I-other"];
    let len = 1 + rng.below(20);
    let mut s = Sentence::new(
        (0..len)
            .map(|_| TOKENS[rng.below(10)].to_string())
            .collect(),
        (0..len).map(|_| TAGS[rng.below(5)].to_string()).collect(),
    );
    if width > 0 {
        s.columns = (0..len)
            .map(|_| (0..width).map(|_| TAGS[rng.below(5)].to_string()).collect())
            .collect();
    }
    s
}

#[test]
fn write_then_read_is_identity() {
    let mut rng = Rng::new(3);
    for width in 0..3 {
        let sentences: Vec<Sentence> = (0..200).map(|_| random_sentence(&mut rng, width)).collect();
        let text = written(&sentences);
        let back = read(&text, ReadOptions::default()).unwrap();
        assert_eq!(back.len(), sentences.len());
        let mut line = 1;
        for (b, s) in back.iter().zip(&sentences) {
            assert_eq!(
                (&b.tokens, &b.tags, &b.columns),
                (&s.tokens, &s.tags, &s.columns)
            );
            assert_eq!(b.line, line);
            line += s.len() + 1;
        }
        assert_eq!(written(&back), text);
    }
}

#[test]
fn write_file_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.conll");
    let sentences = vec![
        sentence(&["a", "b"], &["B-x", "I-x"]),
        sentence(&["c"], &["O"]),
    ];
    write_conll_file(&path, &sentences).unwrap();
    let back = tweetner_data::read_conll(&path, &ReadOptions::default()).unwrap();
    assert_eq!(back[1].tokens, ["c"]);
    assert_eq!(back[0].tags, ["B-x", "I-x"]);
    let err = write_conll_file(&dir.path().join("no/such/dir.conll"), &sentences).unwrap_err();
    assert!(err.to_string().contains("dir.conll"), "{err}");
}
