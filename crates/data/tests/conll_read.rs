//! Reader behaviour on every accepted layout and every error case.

mod common;

use common::{read, read_bytes};
use tweetner_data::{
    read_conll, ConllReader, DataError, LabelSet, ReadOptions, Scheme, TagColumn, MAX_LINE_BYTES,
};

fn tokens(s: &tweetner_data::Sentence) -> Vec<&str> {
    s.tokens.iter().map(String::as_str).collect()
}

fn tags(s: &tweetner_data::Sentence) -> Vec<&str> {
    s.tags.iter().map(String::as_str).collect()
}

/// The error for `text`, checking its line number.
fn error_at(text: &[u8], opts: ReadOptions, line: usize) -> String {
    let err = read_bytes(text, opts).expect_err("input should be refused");
    assert_eq!(err.line(), Some(line), "wrong line in: {err}");
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("t.conll:{line}: ")), "{msg}");
    msg
}

#[test]
fn reads_tab_separated_sentences_with_line_numbers() {
    let s = read("a\tO\nb\tB-person\n\nc\tO\n\n", ReadOptions::default()).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(tokens(&s[0]), ["a", "b"]);
    assert_eq!(tags(&s[0]), ["O", "B-person"]);
    assert_eq!((s[0].line, s[1].line), (1, 4));
    assert_eq!(s[1].line_of(0), 4);
    assert!(s[0].columns.is_empty());
}

#[test]
fn accepts_crlf_missing_final_newline_and_extra_blank_lines() {
    let want = read("a\tO\nb\tO\n\nc\tB-x\n", ReadOptions::default()).unwrap();
    for text in [
        "a\tO\r\nb\tO\r\n\r\nc\tB-x\r\n",
        "a\tO\nb\tO\n\nc\tB-x",
        "a\tO\nb\tO\n\nc\tB-x\n\n\n\n",
        "\n\na\tO\nb\tO\n\n\n\nc\tB-x\n",
        "a\tO\nb\tO\n \t \nc\tB-x\n  \n",
        "\u{feff}a\tO\nb\tO\n\nc\tB-x",
    ] {
        let got = read(text, ReadOptions::default()).unwrap();
        assert_eq!(got.len(), 2, "{text:?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.tokens, &g.tags), (&w.tokens, &w.tags), "{text:?}");
        }
    }
    // Line numbers count the blank lines that were skipped.
    let s = read("\n\na\tO\n\n\n\nc\tO", ReadOptions::default()).unwrap();
    assert_eq!((s[0].line, s[1].line), (3, 7));
}

#[test]
fn skips_docstart_lines() {
    let text = "-DOCSTART- -X- -X- O\n\na -X- -X- O\nb -X- -X- B-x\n-DOCSTART-\nc -X- -X- O\n";
    let s = read(text, ReadOptions::default()).unwrap();
    assert_eq!(s.len(), 2, "a -DOCSTART- line also ends a sentence");
    assert_eq!(tokens(&s[0]), ["a", "b"]);
    assert_eq!((s[0].line, s[1].line), (3, 6));
}

#[test]
fn reads_space_separated_and_extra_columns() {
    let s = read("a  NN\tX O\nb NNP I B-x\n", ReadOptions::default());
    assert!(
        s.is_err(),
        "a tab on one line makes that line tab-separated"
    );
    let s = read("a NN  O\nb   NNP B-x\n", ReadOptions::default()).unwrap();
    assert_eq!(tokens(&s[0]), ["a", "b"]);
    assert_eq!(tags(&s[0]), ["O", "B-x"]);
    assert_eq!(s[0].columns, [vec!["NN"], vec!["NNP"]]);
    assert_eq!(s[0].ncols(), 3);
    assert_eq!(s[0].column(1).unwrap(), ["NN", "NNP"]);
    assert_eq!(s[0].column(2).unwrap(), ["O", "B-x"]);
    assert_eq!(s[0].column(3), None);
    // Tabs keep spaces inside a field.
    let s = read("New York\tNNP\tB-geo-loc\n", ReadOptions::default()).unwrap();
    assert_eq!(tokens(&s[0]), ["New York"]);
}

#[test]
fn tag_column_selects_gold_or_prediction() {
    let text = "a O B-x\nb B-x I-x\n";
    let pred = read(text, ReadOptions::default()).unwrap();
    assert_eq!(tags(&pred[0]), ["B-x", "I-x"]);
    assert_eq!(pred[0].column(1).unwrap(), ["O", "B-x"]);
    let opts = ReadOptions {
        tag_column: TagColumn::Index(1),
        ..ReadOptions::default()
    };
    let gold = read(text, opts).unwrap();
    assert_eq!(tags(&gold[0]), ["O", "B-x"]);
    assert_eq!(gold[0].columns, [vec!["B-x"], vec!["I-x"]]);
}

#[test]
fn one_column_is_an_error_with_the_documented_message() {
    let err = read_bytes(b"a\tO\n\nb\tO\nfoo\n", ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.conll:4: expected `token<TAB>tag`, found one column `foo`"
    );
    error_at(b"a\tO\n\nfoo\t\n", ReadOptions::default(), 3);
}

#[test]
fn malformed_tags_are_errors() {
    for bad in ["X-foo", "B-", "Bfoo", "o", "E-x"] {
        let text = format!("a\tO\nb\t{bad}\n");
        let msg = error_at(text.as_bytes(), ReadOptions::default(), 2);
        assert!(msg.contains("expected a BIO tag"), "{msg}");
        assert!(msg.contains(&format!("found `{bad}`")), "{msg}");
    }
}

#[test]
fn unknown_types_are_errors_when_labels_are_given() {
    let opts = || ReadOptions {
        labels: Some(LabelSet::wnut16()),
        ..ReadOptions::default()
    };
    let msg = error_at(b"a\tB-person\n\nb\tO\nc\tB-persn\n", opts(), 4);
    assert!(msg.contains("unknown entity type `persn`"), "{msg}");
    assert!(msg.contains("person, geo-loc"), "{msg}");
    assert!(read("a\tB-person\nb\tI-person\n", opts()).is_ok());
    assert!(read("a\tB-persn\n", ReadOptions::default()).is_ok());
}

#[test]
fn invalid_utf8_is_an_error() {
    let msg = error_at(b"a\tO\n\nb\tO\nc\xff\xfe\tO\n", ReadOptions::default(), 4);
    assert!(msg.contains("invalid UTF-8 at byte 2"), "{msg}");
}

#[test]
fn structural_errors() {
    let msg = error_at(b"a\tX\tO\nb\tO\n", ReadOptions::default(), 2);
    assert!(
        msg.contains("expected 3 columns as on line 1, found 2"),
        "{msg}"
    );
    let msg = error_at(b"a\tO\nb\t\tO\n", ReadOptions::default(), 2);
    assert!(msg.contains("expected 2 columns"), "{msg}");
    let msg = error_at(b"a\tO\n\nb\t\tO\n\n", ReadOptions::default(), 3);
    assert!(msg.contains("found 3"), "{msg}");
    let msg = error_at(b"x\t\tO\n", ReadOptions::default(), 1);
    assert!(msg.contains("column 2 is empty"), "{msg}");
    let idx = |i| ReadOptions {
        tag_column: TagColumn::Index(i),
        ..ReadOptions::default()
    };
    assert!(error_at(b"a\tO\n", idx(0), 1).contains("token column"));
    assert!(error_at(b"\n\na\tO\n", idx(2), 3).contains("found only 2 columns"));
    let mut long = b"a\tO\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
    assert!(error_at(&long, ReadOptions::default(), 2).contains("longer than"));
}

#[test]
fn the_first_error_ends_the_stream() {
    let text = b"a\tO\n\nbad\n\nc\tO\n";
    let items: Vec<_> = ConllReader::new(&text[..], "t.conll", ReadOptions::default()).collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(items[1].is_err());
}

#[test]
fn other_schemes_are_converted_to_bio() {
    let opts = |scheme| ReadOptions {
        scheme,
        ..ReadOptions::default()
    };
    let s = read("a\tI-x\nb\tI-x\nc\tB-x\nd\tO\n", opts(Scheme::Iob1)).unwrap();
    assert_eq!(tags(&s[0]), ["B-x", "I-x", "B-x", "O"]);
    let s = read(
        "a\tB-x\nb\tE-x\nc\tS-y\nd\tU-y\ne\tO\n",
        opts(Scheme::Bioes),
    )
    .unwrap();
    assert_eq!(tags(&s[0]), ["B-x", "I-x", "B-y", "B-y", "O"]);
    let msg = error_at(b"a\tS-x\n", opts(Scheme::Iob1), 1);
    assert!(msg.contains("expected an IOB1 tag"), "{msg}");
}

#[test]
fn repair_only_when_asked() {
    let text = "a\tO\nb\tI-x\nc\tI-y\n";
    let s = read(text, ReadOptions::default()).unwrap();
    assert_eq!(tags(&s[0]), ["O", "I-x", "I-y"]);
    let opts = ReadOptions {
        repair: true,
        ..ReadOptions::default()
    };
    let s = read(text, opts).unwrap();
    assert_eq!(tags(&s[0]), ["O", "B-x", "B-y"]);
}

#[test]
fn file_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.conll");
    let err = read_conll(&missing, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains("missing.conll"), "{err}");
    let bad = dir.path().join("dev.conll");
    std::fs::write(&bad, "a\tO\n\nb\tO\nfoo\n").unwrap();
    let err = read_conll(&bad, &ReadOptions::default()).unwrap_err();
    let want = format!(
        "{}:4: expected `token<TAB>tag`, found one column `foo`",
        bad.display()
    );
    assert_eq!(err.to_string(), want);
}

#[test]
fn unnamed_sources_still_give_the_line() {
    let err = ConllReader::new(&b"a\tO\nfoo\n"[..], "", ReadOptions::default())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert!(err.to_string().starts_with("line 2: "), "{err}");
}

#[test]
fn refuses_a_carriage_return_inside_a_line() {
    // Old Mac line endings would otherwise read as one line with junk columns.
    let msg = error_at(b"a\tO\rb\tO\r", ReadOptions::default(), 1);
    assert!(msg.contains("carriage return"), "{msg}");
    let msg = error_at(b"a\tO\nx\ry\tO\n", ReadOptions::default(), 2);
    assert!(msg.contains("carriage return"), "{msg}");
    // A CR right before the end of input is a CRLF file without its final LF.
    let s = read("a\tO\r\nb\tO\r", ReadOptions::default()).unwrap();
    assert_eq!(tokens(&s[0]), ["a", "b"]);
}

#[test]
fn byte_order_marks_never_reach_a_token() {
    let s = read_bytes(
        b"\xEF\xBB\xBFa\tO\n\n\xEF\xBB\xBFb\tO\n  \xEF\xBB\xBFc\tO\n",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(tokens(&s[0]), ["a"]);
    assert_eq!(tokens(&s[1]), ["b", "c"]);
    // Whitespace behind a mark is trimmed too (found by fuzzing).
    let s = read_bytes(b"w\tx\t\x0c\xEF\xBB\xBF\x0cO\x0c\n", ReadOptions::default()).unwrap();
    assert_eq!(s[0].columns, [vec!["x".to_string()]]);
    assert_eq!(tags(&s[0]), ["O"]);
    // A sentence behind a BOM-prefixed -DOCSTART- line is still a boundary, not lost.
    let s = read_bytes(
        b"\xEF\xBB\xBF-DOCSTART- O\n\nx\tO\n",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(tokens(&s[0]), ["x"]);
}
