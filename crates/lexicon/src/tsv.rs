//! Entry lists on disk: tab-separated `entry, type[, source[, licence]]`.
//!
//! The first line may be a header naming those columns (`entry<TAB>type...`);
//! without one, the first line's column count holds for the file. Every line
//! must have that many columns. Blank lines are skipped, a trailing `\r` is
//! dropped, and nothing is unquoted (`"` is part of the entry). A list
//! without a source column gets source `-`, one without a licence column is
//! of unknown licence ([`crate::LicenceClass::Unknown`]); an empty licence
//! field is unknown too. Lines are read one at a time; a malformed one stops
//! the build with `file:line: what is wrong`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::build::{BuildOptions, LexiconBuilder, Row};
use crate::error::{LexiconError, Result};
use crate::store::Lexicon;

const COLUMNS: [&str; 4] = ["entry", "type", "source", "licence"];

impl LexiconBuilder {
    /// Adds every row of the entry list at `path`; returns how many lines
    /// were rows.
    pub fn add_tsv(&mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| LexiconError::io(path, e))?;
        self.add_tsv_reader(BufReader::with_capacity(1 << 16, file), path)
    }

    /// Adds every row read from `reader`; `path` names it in errors.
    pub fn add_tsv_reader(&mut self, mut reader: impl BufRead, path: &Path) -> Result<u64> {
        let bad = |line: usize, message: String| LexiconError::List {
            path: path.to_owned(),
            line,
            message,
        };
        let mut buf = Vec::new();
        let mut columns: Option<usize> = None;
        let mut line_no = 0usize;
        let mut rows = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| LexiconError::io(path, e))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let mut bytes = buf.as_slice();
            if let Some(b) = bytes.strip_suffix(b"\n") {
                bytes = b;
            }
            if let Some(b) = bytes.strip_suffix(b"\r") {
                bytes = b;
            }
            let line = std::str::from_utf8(bytes).map_err(|e| {
                bad(
                    line_no,
                    format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                )
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let Some(expected) = columns else {
                if !(2..=4).contains(&fields.len()) {
                    return Err(bad(
                        line_no,
                        format!(
                            "{} tab-separated columns; expected entry, type[, source[, licence]]",
                            fields.len()
                        ),
                    ));
                }
                columns = Some(fields.len());
                if fields[0] == "entry" && fields[1] == "type" {
                    if fields != COLUMNS[..fields.len()] {
                        return Err(bad(
                            line_no,
                            format!("header {fields:?}, expected {:?}", &COLUMNS[..fields.len()]),
                        ));
                    }
                    continue;
                }
                rows += 1;
                self.add_row(&row_of(&fields))
                    .map_err(|m| bad(line_no, m))?;
                continue;
            };
            if fields.len() != expected {
                return Err(bad(
                    line_no,
                    format!(
                        "{} tab-separated columns, expected {expected} like line 1",
                        fields.len()
                    ),
                ));
            }
            rows += 1;
            self.add_row(&row_of(&fields))
                .map_err(|m| bad(line_no, m))?;
        }
        Ok(rows)
    }
}

fn row_of<'a>(fields: &[&'a str]) -> Row<'a> {
    Row {
        entry: fields[0],
        ty: fields[1],
        source: fields.get(2).copied().unwrap_or("-"),
        licence: fields.get(3).copied().filter(|l| !l.trim().is_empty()),
    }
}

/// Compiles the entry list at `path` into a `.lex` file at `out_path` and
/// returns the lexicon (in memory; [`Lexicon::open`] maps the file).
pub fn compile_tsv(
    path: impl AsRef<Path>,
    options: &BuildOptions,
    out_path: impl AsRef<Path>,
) -> Result<Lexicon> {
    let mut builder = LexiconBuilder::new(options);
    builder.add_tsv(path)?;
    let lexicon = builder.finish()?;
    lexicon.write(out_path)?;
    Ok(lexicon)
}

/// The entry list at `path`: a compiled `.lex` is read as it is (it was
/// filtered when compiled); anything else is compiled as an entry list
/// with `options`.
pub fn load_entry_list(path: impl AsRef<Path>, options: &BuildOptions) -> Result<Lexicon> {
    let path = path.as_ref();
    if path.extension().is_some_and(|e| e == "lex") {
        return Lexicon::read(path);
    }
    let mut builder = LexiconBuilder::new(options);
    builder.add_tsv(path)?;
    builder.finish()
}

impl Lexicon {
    /// One line for a model card: size, types, and the rows kept and dropped
    /// per licence (what a shipped model must attribute).
    pub fn describe(&self) -> String {
        let licences: Vec<String> = self
            .info()
            .licences
            .iter()
            .map(|l| {
                let name = l.licence.as_deref().unwrap_or("none stated");
                let fate = if l.kept { "kept" } else { "dropped" };
                format!("{name}: {} rows {fate}", l.rows)
            })
            .collect();
        format!(
            "entry list: {} keys of {} types, {:.1} MB; rows by licence: {}",
            self.len(),
            self.types().len(),
            self.as_bytes().len() as f64 / 1e6,
            licences.join(", ")
        )
    }
}
