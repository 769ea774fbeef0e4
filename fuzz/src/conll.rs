//! `tweetner_data::ConllReader` over arbitrary bytes, under several read
//! options, plus the writer's promise that write-then-read is the identity.
//!
//! Invariants checked:
//! * the iteration ends, and ends for good after the first error;
//! * an error names the source and a line that exists in the input;
//! * every sentence is non-empty with one tag per token, extra columns are
//!   absent or one equal-width row per token, and all sentences of a file
//!   have the same column count (the reader enforces it file-wide);
//! * fields are non-empty, tab- and newline-free and trimmed, never the
//!   `-DOCSTART-` marker; sentences occupy increasing, disjoint line ranges;
//! * tags come out as BIO whatever the input scheme, and valid BIO after
//!   `repair` or IOB1 conversion;
//! * BIO ⊂ IOB1 ⊂ BIOES in what the reader accepts, so a file that reads
//!   without error as BIO reads the same way under the other schemes, with
//!   the same tokens, BIOES reading leaves BIO tags as they are, and
//!   repairing changes no entity span;
//! * a file read without error writes back with `write_conll`, re-reads to
//!   the same sentences, and writes again to the same bytes.

use tweetner_data::{
    is_valid_bio, parse_tag, repair, spans, write_conll, ConllReader, DataError, ReadOptions,
    Scheme, Sentence, TagColumn,
};

/// The source name given to the reader; errors must carry it.
const SOURCE: &str = "fuzz";

/// Everything one pass of the reader produced.
struct Outcome {
    sentences: Vec<Sentence>,
    error: Option<DataError>,
}

/// Reads `data` to the end (or to the first error) with `opts`.
fn read(data: &[u8], opts: ReadOptions) -> Outcome {
    let mut reader = ConllReader::new(data, SOURCE, opts);
    let mut sentences = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(s) => sentences.push(s),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    // Documented: the first error ends the iteration (and the end is final).
    assert!(reader.next().is_none(), "reader yields items after its end");
    assert!(reader.next().is_none(), "reader yields items after its end");
    Outcome { sentences, error }
}

/// Number of lines a reader can see in `data` (an upper bound: a final line
/// without a newline counts, and so does the empty piece after a final `\n`).
fn line_count(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count() + 1
}

fn opts(scheme: Scheme, repair: bool, tag_column: TagColumn) -> ReadOptions {
    ReadOptions {
        scheme,
        repair,
        tag_column,
        ..ReadOptions::default()
    }
}

/// Checks one field (token, tag or extra column) as the reader must emit it.
fn check_field(what: &str, field: &str, s: &Sentence) {
    assert!(!field.is_empty(), "empty {what} in {s:?}");
    assert!(
        !field.contains(['\t', '\n']),
        "{what} {field:?} contains a tab or newline in {s:?}"
    );
    assert_eq!(field.trim_ascii(), field, "{what} {field:?} is not trimmed");
}

/// Per-outcome invariants that hold for every option set.
fn check_outcome(out: &Outcome, opts: &ReadOptions, n_lines: usize) {
    if let Some(e) = &out.error {
        let line = e.line().expect("reader errors carry a line");
        assert!(
            (1..=n_lines).contains(&line),
            "error line {line} outside 1..={n_lines}: {e}"
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("{SOURCE}:{line}: ")),
            "error does not start with source:line: {msg}"
        );
    }
    let ncols = out.sentences.first().map(Sentence::ncols);
    let mut next_free_line = 1;
    for s in &out.sentences {
        let n = s.tokens.len();
        assert!(n > 0, "empty sentence {s:?}");
        assert_eq!(s.tags.len(), n, "tokens and tags differ in number: {s:?}");
        if !s.columns.is_empty() {
            assert_eq!(s.columns.len(), n, "ragged extra columns: {s:?}");
            let width = s.columns[0].len();
            assert!(width > 0, "an empty extra-column row: {s:?}");
            assert!(
                s.columns.iter().all(|c| c.len() == width),
                "extra columns differ in width: {s:?}"
            );
        }
        assert_eq!(Some(s.ncols()), ncols, "column count changes within a file");
        for i in 0..s.ncols() {
            let col = s.column(i).expect("every column below ncols exists");
            assert_eq!(col.len(), n, "column {i} has the wrong length: {s:?}");
        }
        assert!(s.column(s.ncols()).is_none(), "a column past ncols exists");

        assert!(
            s.line >= next_free_line,
            "sentence at line {} overlaps or precedes the previous one",
            s.line
        );
        assert!(
            s.line_of(n - 1) <= n_lines,
            "sentence runs past the last line"
        );
        next_free_line = s.line_of(n - 1) + 2;

        for (i, token) in s.tokens.iter().enumerate() {
            check_field("token", token, s);
            assert_ne!(token, "-DOCSTART-", "the -DOCSTART- marker became a token");
            check_field("tag", &s.tags[i], s);
            for c in s.columns.get(i).into_iter().flatten() {
                check_field("column", c, s);
            }
        }
        for tag in &s.tags {
            assert!(
                parse_tag(tag, Scheme::Bio).is_ok(),
                "tag {tag:?} is not BIO after reading as {:?}",
                opts.scheme
            );
        }
        if opts.repair || opts.scheme == Scheme::Iob1 {
            assert!(
                is_valid_bio(&s.tags),
                "invalid BIO after repair/IOB1: {:?}",
                s.tags
            );
        }
    }
}

/// (tokens, tags, extra columns): a sentence without its source line.
fn content(s: &Sentence) -> (&[String], &[String], &[Vec<String>]) {
    (&s.tokens, &s.tags, &s.columns)
}

/// KNOWN ISSUE (fuzz/regressions/conll_reader/*cr*): the reader keeps a
/// carriage return that is not part of a CRLF ending inside a field (so a
/// file with CR-only line endings reads as one line with garbage columns),
/// and the writer refuses such fields. Until one side is fixed, sentences
/// with such a field skip the round trip; set this to `false` to see the
/// failure again.
const SKIP_ROUND_TRIP_WITH_BARE_CR: bool = false;

fn has_bare_cr(s: &Sentence) -> bool {
    s.tokens
        .iter()
        .chain(&s.tags)
        .chain(s.columns.iter().flatten())
        .any(|f| f.contains('\r'))
}

/// KNOWN ISSUE (fuzz/regressions/conll_reader/bom_*): a byte-order mark at
/// the start of a line other than the first is kept in the token; written as
/// the first line of a file, it is then stripped as a BOM on reading (and
/// `\u{feff}-DOCSTART-` even loses its sentence). Until fixed, outputs that
/// would start with U+FEFF skip the round trip; set this to `false` to see
/// the failure again.
const SKIP_ROUND_TRIP_WITH_LEADING_BOM: bool = false;

/// write → read → write must reproduce the sentences and then the bytes.
fn check_round_trip(sentences: &[Sentence]) {
    if SKIP_ROUND_TRIP_WITH_BARE_CR && sentences.iter().any(has_bare_cr) {
        return;
    }
    let first_token = sentences.first().and_then(|s| s.tokens.first());
    if SKIP_ROUND_TRIP_WITH_LEADING_BOM && first_token.is_some_and(|t| t.starts_with('\u{feff}')) {
        return;
    }
    let mut written = Vec::new();
    if let Err(e) = write_conll(&mut written, sentences) {
        panic!("the writer refuses sentences the reader produced: {e}: {sentences:?}");
    }
    let back = read(&written, ReadOptions::default());
    if let Some(e) = &back.error {
        panic!(
            "written output does not read back: {e}\n{:?}",
            String::from_utf8_lossy(&written)
        );
    }
    assert_eq!(
        back.sentences.len(),
        sentences.len(),
        "round trip changes the sentence count"
    );
    for (a, b) in sentences.iter().zip(&back.sentences) {
        assert_eq!(content(a), content(b), "round trip changes a sentence");
    }
    let mut again = Vec::new();
    write_conll(&mut again, &back.sentences).expect("re-read sentences write again");
    assert_eq!(again, written, "write(read(write(s))) != write(s)");
}

/// Runs every check on `data`.
pub fn check(data: &[u8]) {
    let n_lines = line_count(data);
    let run = |o: ReadOptions| {
        let out = read(data, o.clone());
        check_outcome(&out, &o, n_lines);
        out
    };
    let bio = run(ReadOptions::default());
    let bioes = run(opts(Scheme::Bioes, false, TagColumn::Last));
    let bioes_rep = run(opts(Scheme::Bioes, true, TagColumn::Last));
    let iob1_rep = run(opts(Scheme::Iob1, true, TagColumn::Last));
    run(opts(Scheme::Iob1, false, TagColumn::Last));
    run(opts(Scheme::Bio, false, TagColumn::Index(1)));

    // BIOES accepts every BIO tag, so it cannot fail earlier than BIO.
    if let Some(e) = &bioes.error {
        let bio_line = bio.error.as_ref().and_then(DataError::line);
        assert!(
            bio_line.is_some_and(|l| Some(l) <= e.line()),
            "BIOES reading fails at {e} but BIO reading does not fail by then"
        );
    }

    if bio.error.is_none() {
        for (other, name) in [
            (&bioes, "BIOES"),
            (&bioes_rep, "BIOES+repair"),
            (&iob1_rep, "IOB1+repair"),
        ] {
            assert!(
                other.error.is_none(),
                "valid BIO file fails as {name}: {:?}",
                other.error.as_ref().map(ToString::to_string)
            );
            assert_eq!(other.sentences.len(), bio.sentences.len(), "{name} count");
            for (a, b) in bio.sentences.iter().zip(&other.sentences) {
                assert_eq!(a.tokens, b.tokens, "{name} changes tokens");
                assert_eq!(a.columns, b.columns, "{name} changes columns");
            }
        }
        for (a, b) in bio.sentences.iter().zip(&bioes.sentences) {
            assert_eq!(a.tags, b.tags, "BIOES reading changes BIO tags");
        }
        for (a, b) in bio.sentences.iter().zip(&bioes_rep.sentences) {
            assert_eq!(repair(&a.tags), b.tags, "repair while reading != repair()");
            assert_eq!(
                spans(&a.tags),
                spans(&b.tags),
                "repair changes entity spans"
            );
        }
        check_round_trip(&bio.sentences);
    }
    if bioes_rep.error.is_none() {
        check_round_trip(&bioes_rep.sentences);
    }
}
