//! Reading the scorer's input format: one token per line, fields separated by
//! a delimiter (a space by default), the last two fields being the gold and
//! the predicted tag; empty lines and lines whose first field is `-X-` are
//! sentence boundaries.
//!
//! Lines are split the way the scorer splits them: consecutive delimiters
//! give empty fields, trailing empty fields are dropped, and a line ending in
//! `\r` keeps the `\r` in its last field (only `\n` is stripped).

use std::io::BufRead;

use crate::error::EvalError;
use crate::evaluator::{EvalOptions, Evaluator};
use crate::report::Report;

/// First field of a line that marks a sentence boundary.
pub const BOUNDARY: &str = "-X-";

/// One sentence's (gold tags, predicted tags).
pub type SentencePair = (Vec<String>, Vec<String>);

/// One input line, classified.
enum Line {
    Token { gold: String, pred: String },
    Boundary,
}

/// Splits like the scorer: every delimiter separates, trailing empties go.
fn split_fields<'a>(line: &'a str, delimiter: &str) -> Vec<&'a str> {
    let mut fields: Vec<&str> = line.split(delimiter).collect();
    while fields.last().is_some_and(|f| f.is_empty()) {
        fields.pop();
    }
    fields
}

/// Calls `on_line` for every line of `r`, enforcing the scorer's rule that all
/// non-empty lines have as many fields as the first non-empty one.
fn for_each_line<R, F>(
    mut r: R,
    source_name: &str,
    delimiter: &str,
    mut on_line: F,
) -> Result<(), EvalError>
where
    R: BufRead,
    F: FnMut(Line),
{
    if delimiter.is_empty() {
        return Err(EvalError::EmptyDelimiter);
    }
    let mut expected: Option<usize> = None;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|source| EvalError::Io {
                source_name: source_name.to_string(),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        let line = std::str::from_utf8(&buf).map_err(|_| EvalError::NotUtf8 {
            source_name: source_name.to_string(),
            line: line_no,
        })?;
        // conlleval reads CRLF files too (the `\r` stays in the last field), so
        // they are scored as it scores them; but when such a line is malformed,
        // the CR is the likely cause and the error says so.
        let crlf = |err: EvalError| {
            if line.ends_with('\r') {
                EvalError::CarriageReturn {
                    source_name: source_name.to_string(),
                    line: line_no,
                }
            } else {
                err
            }
        };
        let fields = split_fields(line, delimiter);
        match expected {
            None if !fields.is_empty() => expected = Some(fields.len()),
            Some(e) if !fields.is_empty() && fields.len() != e => {
                return Err(crlf(EvalError::FieldCount {
                    source_name: source_name.to_string(),
                    line: line_no,
                    found: fields.len(),
                    expected: e,
                }));
            }
            _ => {}
        }
        match fields.as_slice() {
            [] => on_line(Line::Boundary),
            [first, ..] if *first == BOUNDARY => on_line(Line::Boundary),
            [.., gold, pred] => on_line(Line::Token {
                gold: gold.to_string(),
                pred: pred.to_string(),
            }),
            [_] => {
                return Err(crlf(EvalError::TooFewFields {
                    source_name: source_name.to_string(),
                    line: line_no,
                    found: fields.len(),
                    content: line.to_string(),
                }))
            }
        }
    }
}

/// Reads scorer-format input into (gold tags, predicted tags) per sentence,
/// with a space delimiter. Errors name `source_name` and the line.
pub fn read_conlleval<R: BufRead>(r: R, source_name: &str) -> Result<Vec<SentencePair>, EvalError> {
    read_conlleval_with(r, source_name, &EvalOptions::default())
}

/// [`read_conlleval`] with the delimiter taken from `options`.
pub fn read_conlleval_with<R: BufRead>(
    r: R,
    source_name: &str,
    options: &EvalOptions,
) -> Result<Vec<SentencePair>, EvalError> {
    let mut sentences = Vec::new();
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    for_each_line(r, source_name, &options.delimiter, |line| match line {
        Line::Token { gold: g, pred: p } => {
            gold.push(g);
            pred.push(p);
        }
        Line::Boundary => {
            if !gold.is_empty() {
                sentences.push((std::mem::take(&mut gold), std::mem::take(&mut pred)));
            }
        }
    })?;
    if !gold.is_empty() {
        sentences.push((gold, pred));
    }
    Ok(sentences)
}

/// Scores scorer-format input exactly as the scorer scores the same bytes,
/// line by line (including a last sentence without a trailing empty line).
pub fn score_conlleval<R: BufRead>(
    r: R,
    source_name: &str,
    options: &EvalOptions,
) -> Result<Report, EvalError> {
    let mut ev = Evaluator::with_options(options.clone());
    for_each_line(r, source_name, &options.delimiter, |line| match line {
        Line::Token { gold, pred } => ev.push_token(&gold, &pred),
        Line::Boundary => ev.push_boundary(),
    })?;
    Ok(ev.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_inner_and_leading_empties() {
        assert_eq!(split_fields(" a  b  ", " "), vec!["", "a", "", "b"]);
        assert!(split_fields("   ", " ").is_empty());
        assert_eq!(split_fields("a\tB-x\tO\r", "\t"), vec!["a", "B-x", "O\r"]);
    }

    #[test]
    fn reads_sentences_and_boundaries() {
        let text = "a B-x B-x\nb O O\n\n\n-X- O O\nc I-y O\n";
        let s = read_conlleval(text.as_bytes(), "t").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, vec!["B-x", "O"]);
        assert_eq!(s[1].1, vec!["O"]);
    }

    #[test]
    fn field_count_error_names_file_and_line() {
        let err = read_conlleval("a O O\n\nb O\n".as_bytes(), "pred.txt").unwrap_err();
        assert_eq!(
            err.to_string(),
            "pred.txt:3: unexpected number of fields: 2 (expected 3)"
        );
    }

    /// Issue 16: "on CRLF its error does not mention CR".
    #[test]
    fn a_malformed_crlf_line_is_reported_as_a_carriage_return() {
        let err = read_conlleval("a O O\r\n\r\n".as_bytes(), "win.txt").unwrap_err();
        assert!(
            matches!(err, EvalError::CarriageReturn { line: 2, .. }),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with("win.txt:2:") && msg.contains("carriage return (CR)"),
            "{msg}"
        );
        // Well-formed CRLF lines are read as conlleval reads them (parity).
        assert!(read_conlleval("a O O\r\nb O O\r\n".as_bytes(), "f").is_ok());
        // Without a CR, the plain field-count error stays.
        let err = read_conlleval("a O O\n\nb O\n".as_bytes(), "f").unwrap_err();
        assert!(matches!(err, EvalError::FieldCount { .. }), "{err}");
    }

    #[test]
    fn single_field_is_an_error() {
        let err = read_conlleval("\nO\n".as_bytes(), "f").unwrap_err();
        assert!(matches!(err, EvalError::TooFewFields { line: 2, .. }));
        // A lone boundary marker is fine.
        assert!(read_conlleval("-X-\n".as_bytes(), "f").unwrap().is_empty());
    }

    #[test]
    fn not_utf8_is_an_error() {
        let err = read_conlleval(&b"a O \xff\n"[..], "f").unwrap_err();
        assert!(matches!(err, EvalError::NotUtf8 { line: 1, .. }));
    }

    #[test]
    fn score_matches_evaluate_on_terminated_input() {
        let text = "a B-x B-x\nb I-x O\n\nc O B-y\n\n";
        let r1 = score_conlleval(text.as_bytes(), "t", &EvalOptions::default()).unwrap();
        let r2 = crate::evaluate(read_conlleval(text.as_bytes(), "t").unwrap()).unwrap();
        assert_eq!(r1, r2);
        assert_eq!(r1.counts.found_gold, 1);
        assert_eq!(r1.counts.found_guessed, 2);
    }
}
