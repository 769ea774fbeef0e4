//! Streaming CoNLL reader.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::{ReadOptions, Sentence, TagColumn};
use crate::error::DataError;
use crate::scheme::{parse_tag, repair, to_bio, Scheme};

/// Longest accepted line, in bytes. A file without newlines would otherwise
/// be read into memory whole; no real token line comes near this.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Marker line of CoNLL-2003-style corpora; carries no token.
const DOCSTART: &str = "-DOCSTART-";

/// Reads sentences one at a time from a `BufRead`, line by line.
///
/// Lines are `token<TAB>tag` (or space-separated columns; with more than two
/// columns the first is the token, the tag is chosen by
/// [`ReadOptions::tag_column`], the others are kept in
/// [`Sentence::columns`]). Blank or whitespace-only lines separate sentences;
/// `-DOCSTART-` lines are skipped; CRLF, a UTF-8 byte-order mark and a
/// missing final newline are accepted. Every line is checked and a bad one
/// is an error naming the source and line, never skipped. The first error
/// ends the iteration.
pub struct ConllReader<R: BufRead> {
    reader: R,
    source_name: String,
    opts: ReadOptions,
    /// Lines consumed so far.
    line_no: usize,
    buf: Vec<u8>,
    /// Column count of the first token line, and that line: all token lines
    /// of a file must agree, or a token with a space in a space-separated
    /// file would silently shift the columns.
    ncols: Option<(usize, usize)>,
    done: bool,
}

/// One token line taken apart.
struct Row {
    token: String,
    tag: String,
    middle: Vec<String>,
}

impl<R: BufRead> ConllReader<R> {
    /// A reader over `reader`; `source_name` (a file name, or "" when there
    /// is none) prefixes error messages.
    pub fn new(reader: R, source_name: impl Into<String>, opts: ReadOptions) -> Self {
        ConllReader {
            reader,
            source_name: source_name.into(),
            opts,
            line_no: 0,
            buf: Vec::new(),
            ncols: None,
            done: false,
        }
    }

    fn error(&self, message: impl Into<String>) -> DataError {
        DataError::parse(&self.source_name, self.line_no, message)
    }

    /// The next line without its line ending, or `None` at end of input.
    fn next_line(&mut self) -> Result<Option<&str>, DataError> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let read = Read::take(&mut self.reader, limit).read_until(b'\n', &mut self.buf);
        self.line_no += 1;
        match read {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(source) => {
                return Err(DataError::Read {
                    source_name: self.source_name.clone(),
                    line: self.line_no,
                    source,
                })
            }
        }
        let mut bytes = &self.buf[..];
        if let Some(b) = bytes.strip_suffix(b"\n") {
            bytes = b;
        } else if bytes.len() > MAX_LINE_BYTES {
            return Err(self.error(format!(
                "line longer than {MAX_LINE_BYTES} bytes (is this a CoNLL file?)"
            )));
        }
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        // A lone CR would end up inside a field (or hide a whole line ending in
        // old Mac files), which the writer could not reproduce: refuse it.
        if bytes.contains(&b'\r') {
            return Err(
                self.error("carriage return inside the line (expected LF or CRLF line endings)")
            );
        }
        // A byte-order mark may start any line of concatenated files; it is
        // never part of the token.
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(DataError::parse(
                &self.source_name,
                self.line_no,
                format!(
                    "invalid UTF-8 at byte {} of the line (expected UTF-8 text)",
                    e.valid_up_to() + 1
                ),
            )),
        }
    }

    /// Splits a non-blank line into columns: on tabs when it has any, else on
    /// runs of spaces. Fields are trimmed of surrounding ASCII whitespace.
    fn columns(line: &str) -> Vec<&str> {
        // A stray byte-order mark starts no real field (see `next_line`).
        if line.contains('\t') {
            line.trim_ascii().split('\t').map(field).collect()
        } else {
            line.split_ascii_whitespace().map(field).collect()
        }
    }

    /// Checks a token line and picks its token, tag and middle columns.
    fn parse_row(&mut self, mut cols: Vec<String>) -> Result<Row, DataError> {
        let n = cols.len();
        if n < 2 {
            return Err(self.error(format!(
                "expected `token<TAB>tag`, found one column `{}`",
                cols.first().map(String::as_str).unwrap_or_default()
            )));
        }
        match self.ncols {
            None => self.ncols = Some((n, self.line_no)),
            Some((m, first)) if m != n => {
                return Err(self.error(format!(
                    "expected {m} columns as on line {first}, found {n}"
                )))
            }
            Some(_) => {}
        }
        if let Some(k) = cols.iter().position(|c| c.is_empty()) {
            return Err(self.error(format!("column {} is empty", k + 1)));
        }
        let tag_idx = match self.opts.tag_column {
            TagColumn::Last => n - 1,
            TagColumn::Index(0) => {
                return Err(self.error("tag column 0 is the token column; use 1 or more"))
            }
            TagColumn::Index(i) if i >= n => {
                return Err(self.error(format!(
                    "expected a tag in column {i} (0-based), found only {n} columns"
                )))
            }
            TagColumn::Index(i) => i,
        };
        let tag = std::mem::take(&mut cols[tag_idx]);
        let parsed = parse_tag(&tag, self.opts.scheme).map_err(|e| self.error(e.to_string()))?;
        if let Some(labels) = &self.opts.labels {
            if !parsed.ty.is_empty() && !labels.contains(parsed.ty) {
                return Err(self.error(format!(
                    "unknown entity type `{}` in tag `{tag}` (expected one of: {})",
                    parsed.ty,
                    labels.types.join(", ")
                )));
            }
        }
        let mut rest = cols.into_iter();
        let token = rest.next().unwrap_or_default();
        let middle = rest
            .enumerate()
            .filter(|&(i, _)| i + 1 != tag_idx)
            .map(|(_, c)| c)
            .collect();
        Ok(Row { token, tag, middle })
    }

    /// Reads lines until a sentence is complete.
    fn read_sentence(&mut self) -> Result<Option<Sentence>, DataError> {
        let mut s = Sentence::default();
        while let Some(line) = self.next_line()? {
            if line.trim().is_empty() {
                if s.is_empty() {
                    continue;
                }
                break;
            }
            let cols = Self::columns(line);
            if cols.first() == Some(&DOCSTART) {
                if s.is_empty() {
                    continue;
                }
                break;
            }
            // `cols` borrows the line buffer, which `parse_row` cannot share.
            let cols: Vec<String> = cols.into_iter().map(str::to_string).collect();
            let row = self.parse_row(cols)?;
            if s.is_empty() {
                s.line = self.line_no;
            }
            s.tokens.push(row.token);
            s.tags.push(row.tag);
            if !row.middle.is_empty() {
                s.columns.push(row.middle);
            }
        }
        if s.is_empty() {
            return Ok(None);
        }
        if self.opts.scheme != Scheme::Bio {
            s.tags = to_bio(&s.tags, self.opts.scheme);
        }
        if self.opts.repair {
            s.tags = repair(&s.tags);
        }
        Ok(Some(s))
    }
}

impl<R: BufRead> Iterator for ConllReader<R> {
    type Item = Result<Sentence, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_sentence() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Reads a whole CoNLL file (see [`ConllReader`] for the format).
pub fn read_conll(path: &Path, opts: &ReadOptions) -> Result<Vec<Sentence>, DataError> {
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ConllReader::new(
        BufReader::new(file),
        path.display().to_string(),
        opts.clone(),
    )
    .collect()
}

/// One column's text: trimmed, without a stray leading byte-order mark
/// (marks and whitespace may interleave, so both are stripped together).
fn field(f: &str) -> &str {
    f.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace())
        .trim_ascii_end()
}
