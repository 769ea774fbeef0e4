//! CoNLL writer: `token<TAB>[columns<TAB>]tag`, a blank line after each
//! sentence.
//!
//! The writer refuses what the reader could not read back identically (empty
//! or whitespace-padded fields, tabs or line breaks inside a field, a
//! `-DOCSTART-` token, an empty sentence, ragged columns), so that
//! write-then-read is always the identity.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::Sentence;
use crate::error::DataError;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn check_field(what: &str, field: &str) -> io::Result<()> {
    if field.is_empty() {
        return Err(invalid(format!("cannot write an empty {what}")));
    }
    // A leading byte-order mark would be taken for a file's BOM and dropped.
    if field.contains(['\t', '\n', '\r'])
        || field.trim_ascii() != field
        || field.starts_with('\u{feff}')
    {
        return Err(invalid(format!(
            "cannot write {what} {field:?}: tabs, line breaks, surrounding whitespace and a leading byte-order mark would not read back"
        )));
    }
    Ok(())
}

/// A token the writer can write and the reader reads back as that token; the
/// other sources of sentences (e.g. TweetNER7) check with this too, so that a bad
/// token is reported at its input line rather than when written.
pub(crate) fn check_token(token: &str) -> io::Result<()> {
    check_field("token", token)?;
    if token == "-DOCSTART-" {
        return Err(invalid(
            "cannot write the token `-DOCSTART-`: readers skip it".into(),
        ));
    }
    Ok(())
}

fn check(s: &Sentence) -> io::Result<()> {
    if s.tokens.is_empty() {
        return Err(invalid("cannot write an empty sentence".into()));
    }
    if s.tags.len() != s.tokens.len() {
        return Err(invalid(format!(
            "sentence has {} tokens but {} tags",
            s.tokens.len(),
            s.tags.len()
        )));
    }
    if !s.columns.is_empty() && s.columns.len() != s.tokens.len() {
        return Err(invalid(format!(
            "sentence has {} tokens but {} rows of extra columns",
            s.tokens.len(),
            s.columns.len()
        )));
    }
    let width = s.columns.first().map_or(0, Vec::len);
    if s.columns.iter().any(|c| c.len() != width) {
        return Err(invalid(
            "extra columns differ in number between tokens".into(),
        ));
    }
    for (i, token) in s.tokens.iter().enumerate() {
        check_token(token)?;
        check_field("tag", &s.tags[i])?;
        for c in s.columns.get(i).into_iter().flatten() {
            check_field("column", c)?;
        }
    }
    Ok(())
}

/// Writes one sentence followed by a blank line.
pub fn write_sentence<W: Write + ?Sized>(w: &mut W, s: &Sentence) -> io::Result<()> {
    check(s)?;
    for (i, (token, tag)) in s.tokens.iter().zip(&s.tags).enumerate() {
        w.write_all(token.as_bytes())?;
        for c in s.columns.get(i).into_iter().flatten() {
            w.write_all(b"\t")?;
            w.write_all(c.as_bytes())?;
        }
        w.write_all(b"\t")?;
        w.write_all(tag.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.write_all(b"\n")
}

/// Writes sentences, each followed by a blank line.
pub fn write_conll<W: Write + ?Sized>(w: &mut W, sentences: &[Sentence]) -> io::Result<()> {
    sentences.iter().try_for_each(|s| write_sentence(w, s))
}

/// Writes sentences to a file (created or truncated).
pub fn write_conll_file(path: &Path, sentences: &[Sentence]) -> Result<(), DataError> {
    let io_err = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut w = BufWriter::new(File::create(path).map_err(io_err)?);
    write_conll(&mut w, sentences).map_err(io_err)?;
    w.flush().map_err(io_err)
}
