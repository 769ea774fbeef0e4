//! `tweetner_eval::score_conlleval` over arbitrary bytes.
//!
//! Invariants checked when scoring succeeds:
//! * correct chunks ≤ gold and ≤ guessed chunks, correct tags ≤ tokens, in
//!   total, per type and for segmentation-only scores;
//! * per-type rows add up to the totals and list exactly the types that
//!   started a chunk, in byte order;
//! * percentages are finite and within 0..=100;
//! * the error analysis classifies every gold entity once: its boundary
//!   classes and the confusion table's gold rows both sum to the scorer's
//!   gold chunk count, and spurious predictions never outnumber guesses;
//! * the renderings (conlleval text, LaTeX, JSON, tables) do not panic and
//!   the conlleval header carries the counts;
//! * on plain BIO/IOB1/BIOES tags, exact span matches of the analysis equal
//!   the scorer's correct chunks;
//! * on input that ends with a sentence boundary, reading the sentences
//!   with `read_conlleval` and scoring them with `evaluate` gives the same
//!   report (the evaluator scores sentences as if each were followed by an
//!   empty line).
//!
//! Errors must name the source.

use tweetner_eval::{evaluate, read_conlleval, score_conlleval, EvalOptions, Report, BOUNDARY};

const SOURCE: &str = "fuzz";

fn check_pct(what: &str, x: f64) {
    assert!(
        x.is_finite() && (0.0..=100.0).contains(&x),
        "{what} = {x} is not a percentage"
    );
}

/// Whether the last line of `data` is a sentence boundary (empty, or a
/// `-X-` line), so that no sentence is left open at the end of input.
fn ends_with_boundary(data: &[u8]) -> bool {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let last = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => &body[i + 1..],
        None => body,
    };
    // Trailing delimiters are dropped before the first field is looked at,
    // so a line of delimiters only is empty.
    let fields: Vec<&[u8]> = last.split(|&b| b == b' ').collect();
    fields.iter().all(|f| f.is_empty()) || fields[0] == BOUNDARY.as_bytes()
}

fn check_report(r: &Report) {
    let c = &r.counts;
    assert!(c.correct_tags <= c.tokens, "correct tags > tokens: {c:?}");
    assert!(
        c.correct_chunks <= c.found_gold && c.correct_chunks <= c.found_guessed,
        "correct chunks exceed found chunks: {c:?}"
    );
    for (what, x) in [
        ("accuracy", r.accuracy),
        ("precision", r.precision),
        ("recall", r.recall),
        ("f1", r.f1),
    ] {
        check_pct(what, x);
    }

    let (mut gold, mut guessed, mut correct) = (0, 0, 0);
    for (i, t) in r.per_type.iter().enumerate() {
        assert!(
            t.found_gold > 0 || t.found_guessed > 0,
            "type {:?} listed without chunks",
            t.ty
        );
        assert!(
            t.correct <= t.found_gold && t.correct <= t.found_guessed,
            "type {:?}: correct {} > gold {} or guessed {}",
            t.ty,
            t.correct,
            t.found_gold,
            t.found_guessed
        );
        if i > 0 {
            assert!(r.per_type[i - 1].ty < t.ty, "per-type rows out of order");
        }
        for x in [t.precision, t.recall, t.f1] {
            check_pct(&t.ty, x);
        }
        gold += t.found_gold;
        guessed += t.found_guessed;
        correct += t.correct;
    }
    assert_eq!(
        (gold, guessed, correct),
        (c.found_gold, c.found_guessed, c.correct_chunks),
        "per-type rows do not add up to the totals"
    );

    let u = &r.untyped;
    assert!(
        u.correct <= u.found_gold && u.correct <= u.found_guessed,
        "untyped correct exceeds found: {u:?}"
    );
    for x in [u.precision, u.recall, u.f1] {
        check_pct("untyped", x);
    }

    let b = &r.boundary;
    assert_eq!(
        b.total.gold(),
        c.found_gold,
        "boundary classes do not cover every gold chunk: {:?}",
        b.total
    );
    assert!(
        b.total.spurious <= c.found_guessed,
        "more spurious predictions than guesses"
    );
    let per_type_gold: usize = b.per_type.iter().map(|t| t.counts.gold()).sum();
    assert_eq!(per_type_gold, b.total.gold(), "boundary per-type sums");

    let m = &r.confusion.matrix;
    let side = r.confusion.types.len() + 1;
    assert_eq!(m.len(), side, "confusion matrix is not square");
    assert!(
        m.iter().all(|row| row.len() == side),
        "confusion matrix is not square"
    );
    let confusion_gold: usize = m[..side - 1].iter().flatten().sum();
    assert_eq!(
        confusion_gold, c.found_gold,
        "confusion rows != gold chunks"
    );
    assert_eq!(
        m[side - 1][side - 1],
        0,
        "the O/O confusion cell is not zero"
    );

    let text = r.to_conlleval_text();
    let header = format!(
        "processed {} tokens with {} phrases; found: {} phrases; correct: {}.\n",
        c.tokens, c.found_gold, c.found_guessed, c.correct_chunks
    );
    assert!(text.starts_with(&header), "conlleval header: {text:?}");
    let _ = (
        r.to_conlleval_latex(),
        r.to_text(),
        r.to_json(),
        r.untyped_line(),
    );
    let _ = (r.confusion.to_text(), r.boundary.to_text());
}

/// Whether a tag is plain BIO/IOB1/BIOES: `O`, or `B`/`I`/`E`/`S`, a hyphen
/// and a real type (the scorer reads a type `0` as no type).
fn is_scheme_tag(tag: &str) -> bool {
    tag == "O"
        || tag.split_once('-').is_some_and(|(p, ty)| {
            matches!(p, "B" | "I" | "E" | "S") && !ty.is_empty() && ty != "0"
        })
}

/// Runs every check on `data`.
pub fn check(data: &[u8]) {
    let opts = EvalOptions::default();
    let report = match score_conlleval(data, SOURCE, &opts) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(SOURCE),
                "error does not name the source: {msg}"
            );
            assert!(
                read_conlleval(data, SOURCE).is_err(),
                "score_conlleval fails but read_conlleval does not: {msg}"
            );
            return;
        }
    };
    check_report(&report);

    let sentences = read_conlleval(data, SOURCE).expect("score_conlleval read this input");
    // Documented in the eval crate's span module: on BIO/IOB1/BIOES tags the
    // analysis closes spans where the scorer closes chunks, so its exact
    // matches are the scorer's correct chunks.
    let scheme_tags = sentences
        .iter()
        .all(|(g, p)| g.iter().chain(p).all(|t| is_scheme_tag(t)));
    if scheme_tags {
        assert_eq!(
            report.boundary.total.exact, report.counts.correct_chunks,
            "exact span matches != scorer's correct chunks on scheme tags"
        );
    }
    let tokens: usize = sentences.iter().map(|(g, _)| g.len()).sum();
    assert_eq!(
        tokens, report.counts.tokens,
        "token count differs between readers"
    );
    if ends_with_boundary(data) {
        let r2 = evaluate(sentences).expect("gold and predicted lengths always match here");
        assert_eq!(r2, report, "evaluate(read_conlleval) != score_conlleval");
    }
}
