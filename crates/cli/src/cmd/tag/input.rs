//! Reading tagging input as a stream of records, one bad record never
//! stopping the run: it becomes a [`Record::Rejected`] carrying its line.

use std::io::BufRead;

use serde_json::{Map, Value};

/// How the input is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum InputFormat {
    /// One raw tweet per line.
    Text,
    /// One JSON object per line with a `text` field; other fields are passed through.
    Jsonl,
    /// Pre-tokenized CoNLL: one token per line (first column), blank line between tweets.
    Conll,
}

/// One unit of work read from the input.
#[derive(Debug)]
pub enum Record {
    /// Raw text to tokenize and tag.
    Text {
        line: usize,
        text: String,
        /// The input object for JSONL records (output adds fields to it).
        fields: Option<Map<String, Value>>,
    },
    /// Tokens given by the input; `lines` are the raw input lines, echoed on output.
    Tokens {
        line: usize,
        tokens: Vec<String>,
        lines: Vec<String>,
    },
    /// A record that could not be read; reported, never silently dropped.
    Rejected { line: usize, error: String },
}

#[cfg(test)]
impl Record {
    fn line(&self) -> usize {
        match self {
            Record::Text { line, .. }
            | Record::Tokens { line, .. }
            | Record::Rejected { line, .. } => *line,
        }
    }
}

/// Streams records from a reader; memory stays bounded by the largest record
/// (itself bounded: longer lines are rejected without being kept).
pub struct Records<R> {
    reader: R,
    format: InputFormat,
    max_bytes: usize,
    line_no: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Records<R> {
    pub fn new(reader: R, format: InputFormat, max_bytes: usize) -> Self {
        Records {
            reader,
            format,
            max_bytes,
            line_no: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Reads one physical line into `buf` (without the line ending).
    /// Returns `Ok(false)` at end of input.
    fn read_line(&mut self) -> std::io::Result<bool> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(true)
    }

    fn reject(&self, line: usize, error: impl Into<String>) -> Record {
        Record::Rejected {
            line,
            error: error.into(),
        }
    }

    fn next_text(&mut self) -> std::io::Result<Option<Record>> {
        if !self.read_line()? {
            return Ok(None);
        }
        let line = self.line_no;
        Ok(Some(match self.checked_text(line) {
            Err(r) => r,
            Ok(text) if self.format == InputFormat::Text => Record::Text {
                line,
                text,
                fields: None,
            },
            Ok(json) => self.parse_json(line, &json),
        }))
    }

    /// The current line as text, or the rejection explaining why not.
    fn checked_text(&self, line: usize) -> Result<String, Record> {
        if self.buf.len() > self.max_bytes {
            return Err(self.reject(
                line,
                format!(
                    "record is {} bytes, more than the limit of {} (--max-bytes)",
                    self.buf.len(),
                    self.max_bytes
                ),
            ));
        }
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => Err(self.reject(
                line,
                format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1),
            )),
        }
    }

    fn parse_json(&self, line: usize, json: &str) -> Record {
        let value: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => return self.reject(line, format!("invalid JSON: {e}")),
        };
        let Value::Object(fields) = value else {
            return self.reject(line, "expected a JSON object with a `text` field");
        };
        let text = match fields.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return self.reject(line, "field `text` must be a string"),
            None => return self.reject(line, "missing field `text`"),
        };
        Record::Text {
            line,
            text,
            fields: Some(fields),
        }
    }

    fn next_conll(&mut self) -> std::io::Result<Option<Record>> {
        let mut tokens = Vec::new();
        let mut lines = Vec::new();
        let mut first = 0;
        let mut error: Option<String> = None;
        loop {
            if !self.read_line()? {
                break;
            }
            let line = self.line_no;
            let text = match self.checked_text(line) {
                Ok(t) => t,
                Err(Record::Rejected { error: e, .. }) => {
                    error.get_or_insert(format!("line {line}: {e}"));
                    if first == 0 {
                        first = line;
                    }
                    continue;
                }
                Err(_) => unreachable!("checked_text only rejects"),
            };
            if text.trim().is_empty() {
                if first == 0 {
                    continue;
                }
                break;
            }
            let token = text.split(['\t', ' ']).next().unwrap_or_default();
            if token == "-DOCSTART-" {
                continue;
            }
            if first == 0 {
                first = line;
            }
            tokens.push(token.to_string());
            lines.push(text);
        }
        if first == 0 {
            return Ok(None);
        }
        Ok(Some(match error {
            Some(e) => self.reject(first, e),
            None => Record::Tokens {
                line: first,
                tokens,
                lines,
            },
        }))
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = std::io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = match self.format {
            InputFormat::Text | InputFormat::Jsonl => self.next_text(),
            InputFormat::Conll => self.next_conll(),
        };
        match r {
            Ok(Some(rec)) => Some(Ok(rec)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], format: InputFormat, max: usize) -> Vec<Record> {
        Records::new(input, format, max)
            .collect::<std::io::Result<Vec<_>>>()
            .unwrap()
    }

    #[test]
    fn jsonl_bad_records_are_rejected_with_their_line() {
        let input = b"{\"id\":1,\"text\":\"ok\"}\nnot json\n{\"id\":2}\n{\"text\":3}\n[1]\n\xff\n{\"text\":\"fine\"}";
        let recs = read(input, InputFormat::Jsonl, 1000);
        let kinds: Vec<(usize, bool)> = recs
            .iter()
            .map(|r| (r.line(), matches!(r, Record::Rejected { .. })))
            .collect();
        assert_eq!(
            kinds,
            [
                (1, false),
                (2, true),
                (3, true),
                (4, true),
                (5, true),
                (6, true),
                (7, false)
            ]
        );
        let Record::Rejected { error, .. } = &recs[2] else {
            panic!()
        };
        assert!(error.contains("`text`"), "{error}");
    }

    #[test]
    fn oversized_lines_are_rejected() {
        let big = format!("{}\nsmall\n", "x".repeat(2000));
        let recs = read(big.as_bytes(), InputFormat::Text, 1000);
        assert!(matches!(recs[0], Record::Rejected { line: 1, .. }));
        assert!(matches!(&recs[1], Record::Text { line: 2, text, .. } if text == "small"));
    }

    #[test]
    fn conll_groups_tokens_and_keeps_lines() {
        let input = b"-DOCSTART- O\n\nObama\tB-person\nwins\tO\r\n\n\nParis\n";
        let recs = read(input, InputFormat::Conll, 1000);
        assert_eq!(recs.len(), 2);
        let Record::Tokens {
            line,
            tokens,
            lines,
        } = &recs[0]
        else {
            panic!()
        };
        assert_eq!(*line, 3);
        assert_eq!(tokens, &["Obama", "wins"]);
        assert_eq!(lines[1], "wins\tO");
        assert!(matches!(&recs[1], Record::Tokens { line: 7, .. }));
    }

    #[test]
    fn conll_sentence_with_bad_utf8_is_rejected_whole() {
        let recs = read(b"a\tO\n\xff\tO\n\nb\tO\n", InputFormat::Conll, 1000);
        assert!(
            matches!(&recs[0], Record::Rejected { line: 1, error } if error.contains("line 2"))
        );
        assert!(matches!(&recs[1], Record::Tokens { .. }));
    }
}
