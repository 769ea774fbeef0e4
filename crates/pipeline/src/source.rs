//! Records in: a [`RecordSource`] yields tweets one at a time, one bad record
//! never stopping the run: it becomes a [`Record::Rejected`] carrying its line.
//! [`LineSource`] reads text lines, JSON lines and CoNLL; message buses are
//! further sources in their own crates.

use std::io::{self, BufRead};

use serde_json::Value;

use crate::json_record::JsonRecord;

/// How the input is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
        /// Input line (1-based).
        line: usize,
        /// The text.
        text: String,
        /// The input object for JSONL records (output adds fields to it).
        fields: Option<JsonRecord>,
    },
    /// Tokens given by the input; `lines` are the raw input lines, echoed on output.
    Tokens {
        /// Input line of the first token.
        line: usize,
        /// The tokens.
        tokens: Vec<String>,
        /// The input lines they came from.
        lines: Vec<String>,
    },
    /// A record that could not be read; reported, never silently dropped.
    Rejected {
        /// Input line.
        line: usize,
        /// Why it was rejected.
        error: String,
        /// The record's id, when it could be read (JSONL), so an error can
        /// be traced to its tweet.
        id: Option<String>,
    },
}

impl Record {
    /// The input line the record starts on.
    pub fn line(&self) -> usize {
        match self {
            Record::Text { line, .. }
            | Record::Tokens { line, .. }
            | Record::Rejected { line, .. } => *line,
        }
    }
}

/// Where a pipeline's records come from. `Send`, because the runner reads on
/// a thread of its own while the workers tag.
pub trait RecordSource: Send {
    /// The next record, `None` at the end of the input.
    ///
    /// # Errors
    /// The input itself failed (a read error): the stream cannot go on. A bad
    /// record is not an error but a [`Record::Rejected`].
    fn next_record(&mut self) -> io::Result<Option<Record>>;
}

/// Which fields of a JSONL record tweetner reads and writes. The input object
/// is passed through; tweetner adds its entities under `entities` and never
/// replaces a field of that name unless told to (issue 16: an input
/// `entities` field was once overwritten silently).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFields {
    /// The field holding the text to tag.
    pub text: String,
    /// The field holding the record's id, copied into rejections.
    pub id: String,
    /// The field the entities are written under.
    pub entities: String,
    /// Replace an `entities` field the input already has, instead of
    /// rejecting the record.
    pub overwrite: bool,
}

impl Default for JsonFields {
    fn default() -> Self {
        JsonFields {
            text: "text".into(),
            id: "id".into(),
            entities: "entities".into(),
            overwrite: false,
        }
    }
}

/// Records given in memory (texts on the command line, tests).
pub struct VecSource(std::vec::IntoIter<Record>);

impl VecSource {
    /// Raw texts, numbered from line 1.
    pub fn texts<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Self {
        let records: Vec<Record> = texts
            .into_iter()
            .enumerate()
            .map(|(i, t)| Record::Text {
                line: i + 1,
                text: t.into(),
                fields: None,
            })
            .collect();
        VecSource(records.into_iter())
    }
}

impl RecordSource for VecSource {
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        Ok(self.0.next())
    }
}

/// Streams records from a reader; memory stays bounded by the largest record
/// (itself bounded: longer lines are rejected without being kept).
pub struct LineSource<R> {
    reader: R,
    format: InputFormat,
    json: JsonFields,
    max_bytes: usize,
    line_no: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> LineSource<R> {
    /// Reads `format` records from `reader`, rejecting records over `max_bytes`.
    pub fn new(reader: R, format: InputFormat, max_bytes: usize) -> Self {
        LineSource {
            reader,
            format,
            json: JsonFields::default(),
            max_bytes,
            line_no: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Reads JSONL records with these field names (default: `text`, and
    /// records that already hold `entities` rejected).
    #[must_use]
    pub fn with_json_fields(mut self, json: JsonFields) -> Self {
        self.json = json;
        self
    }

    /// Reads one physical line into `buf` (without the line ending), keeping
    /// at most `max_bytes + 2` bytes of it: a longer line is counted to its
    /// end but never held, so a 200 MB line costs no more memory than a
    /// tweet. Returns the line's full length, `None` at end of input.
    fn read_line(&mut self) -> std::io::Result<Option<usize>> {
        self.buf.clear();
        let keep = self.max_bytes.saturating_add(2);
        let mut total = 0usize;
        // The last two bytes of the line, for its ending when it is not kept.
        let mut tail = [0u8; 2];
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..=i], true),
                None => (chunk, false),
            };
            let room = keep.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&part[..part.len().min(room)]);
            for &b in &part[part.len().saturating_sub(2)..] {
                tail = [tail[1], b];
            }
            total += part.len();
            let used = part.len();
            self.reader.consume(used);
            if done {
                break;
            }
        }
        if total == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if total <= keep {
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            return Ok(Some(self.buf.len()));
        }
        let ending = tail
            .iter()
            .rev()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        Ok(Some(total - ending))
    }

    fn next_text(&mut self) -> std::io::Result<Option<Record>> {
        let Some(len) = self.read_line()? else {
            return Ok(None);
        };
        if len > self.max_bytes {
            return Ok(Some(reject(
                self.line_no,
                too_long("record", len, self.max_bytes),
            )));
        }
        Ok(Some(decode_record_with(
            self.line_no,
            &self.buf,
            self.format,
            self.max_bytes,
            &self.json,
        )))
    }

    fn next_conll(&mut self) -> std::io::Result<Option<Record>> {
        let mut tokens = Vec::new();
        let mut lines = Vec::new();
        let mut first = 0;
        let mut error: Option<String> = None;
        // A sentence is one record: its lines together stay under the limit,
        // or it is rejected and its tokens are dropped as they come.
        let mut bytes = 0usize;
        while let Some(len) = self.read_line()? {
            let line = self.line_no;
            bytes = bytes.saturating_add(len + 1);
            if bytes > self.max_bytes && error.is_none() && len <= self.max_bytes {
                let what = format!(
                    "line {line}: the sentence passes {} bytes, the limit (--max-bytes)",
                    self.max_bytes
                );
                error = Some(what);
                tokens = Vec::new();
                lines = Vec::new();
            }
            if len > self.max_bytes {
                let e = too_long("line", len, self.max_bytes);
                error.get_or_insert(format!("line {line}: {e}"));
                if first == 0 {
                    first = line;
                }
                continue;
            }
            let text = match checked_text(line, &self.buf, self.max_bytes) {
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
            if error.is_none() {
                tokens.push(token.to_string());
                lines.push(text);
            }
        }
        if first == 0 {
            return Ok(None);
        }
        Ok(Some(match error {
            Some(e) => reject(first, e),
            None => Record::Tokens {
                line: first,
                tokens,
                lines,
            },
        }))
    }
}

fn reject(line: usize, error: impl Into<String>) -> Record {
    Record::Rejected {
        line,
        error: error.into(),
        id: None,
    }
}

/// The id field as text: a string as it is, a number as written (all its
/// digits, from the record's own text).
fn id_of(fields: &JsonRecord, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(fields.raw_field(name).unwrap_or_else(|| n.to_string())),
        _ => None,
    }
}

/// Why a `what` (record, line) of `len` bytes over `max_bytes` is rejected.
fn too_long(what: &str, len: usize, max_bytes: usize) -> String {
    format!("{what} is {len} bytes, more than the limit of {max_bytes} (--max-bytes)")
}

/// `bytes` as text, or the rejection explaining why not.
fn checked_text(line: usize, bytes: &[u8], max_bytes: usize) -> Result<String, Record> {
    if bytes.len() > max_bytes {
        return Err(reject(line, too_long("record", bytes.len(), max_bytes)));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(reject(
            line,
            format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1),
        )),
    }
}

fn parse_json(line: usize, json: &str, names: &JsonFields) -> Record {
    let t = &names.text;
    let fields = match JsonRecord::parse(json) {
        Ok(r) => r,
        Err(e) if e.is_data() => {
            return reject(line, format!("expected a JSON object with a `{t}` field"))
        }
        Err(e) => return reject(line, format!("invalid JSON: {e}")),
    };
    let rejected = |error: String| Record::Rejected {
        line,
        error,
        id: id_of(&fields, &names.id),
    };
    let text = match fields.get(t) {
        Some(Value::String(s)) if s.trim().is_empty() => return rejected("empty text".into()),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return rejected(format!("field `{t}` must be a string")),
        None => return rejected(format!("missing field `{t}`")),
    };
    if !names.overwrite && fields.contains_key(&names.entities) {
        let e = &names.entities;
        return rejected(format!(
            "the record already has a field `{e}`: write ours under another name (--entities-key) or replace it (--overwrite)"
        ));
    }
    Record::Text {
        line,
        text,
        fields: Some(fields),
    }
}

/// One record that arrived whole (a message from a bus): the same checks
/// and the same rejections as a line of [`LineSource`] in `format`, which
/// must be [`InputFormat::Text`] or [`InputFormat::Jsonl`] (a CoNLL record
/// spans lines and is rejected here).
pub fn decode_record(line: usize, bytes: &[u8], format: InputFormat, max_bytes: usize) -> Record {
    decode_record_with(line, bytes, format, max_bytes, &JsonFields::default())
}

/// [`decode_record`] with other JSONL field names.
pub fn decode_record_with(
    line: usize,
    bytes: &[u8],
    format: InputFormat,
    max_bytes: usize,
    names: &JsonFields,
) -> Record {
    match (format, checked_text(line, bytes, max_bytes)) {
        (_, Err(r)) => r,
        (InputFormat::Text, Ok(text)) => Record::Text {
            line,
            text,
            fields: None,
        },
        (InputFormat::Jsonl, Ok(json)) => parse_json(line, &json, names),
        (InputFormat::Conll, Ok(_)) => reject(line, "a CoNLL record cannot arrive as one message"),
    }
}

impl<R: BufRead + Send> RecordSource for LineSource<R> {
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        if self.done {
            return Ok(None);
        }
        let r = match self.format {
            InputFormat::Text | InputFormat::Jsonl => self.next_text(),
            InputFormat::Conll => self.next_conll(),
        };
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], format: InputFormat, max: usize) -> Vec<Record> {
        let mut src = LineSource::new(input, format, max);
        let mut out = Vec::new();
        while let Some(r) = src.next_record().expect("read") {
            out.push(r);
        }
        out
    }

    #[test]
    fn vec_source_numbers_texts_from_one() {
        let mut src = VecSource::texts(["a", "b"]);
        let lines: Vec<usize> = std::iter::from_fn(|| src.next_record().expect("read"))
            .map(|r| r.line())
            .collect();
        assert_eq!(lines, [1, 2]);
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

    /// 50 MB of `x`, then `small`: the first is rejected with its real
    /// length while the buffer stays near the limit.
    #[test]
    fn a_huge_line_is_rejected_without_being_held() {
        let n = 50_000_000;
        let input = std::io::Read::chain(
            std::io::Read::take(std::io::repeat(b'x'), n as u64),
            &b"\r\nsmall\n"[..],
        );
        let mut src = LineSource::new(
            std::io::BufReader::with_capacity(1 << 16, input),
            InputFormat::Text,
            1000,
        );
        let first = src.next_record().unwrap().unwrap();
        let Record::Rejected { line: 1, error, .. } = first else {
            panic!("{first:?}")
        };
        assert!(error.contains(&n.to_string()), "{error}");
        assert!(
            src.buf.capacity() < 1 << 17,
            "held {} bytes",
            src.buf.capacity()
        );
        let second = src.next_record().unwrap().unwrap();
        assert!(matches!(&second, Record::Text { line: 2, text, .. } if text == "small"));
    }

    #[test]
    fn a_conll_sentence_over_the_limit_is_rejected_and_not_held() {
        let mut input = String::new();
        for i in 0..100_000 {
            input.push_str(&format!("tok{i}\tO\n"));
        }
        input.push_str("\nParis\tB-geo-loc\n");
        let recs = read(input.as_bytes(), InputFormat::Conll, 16 * 1024);
        let Record::Rejected { line: 1, error, .. } = &recs[0] else {
            panic!("{:?}", recs[0])
        };
        assert!(error.contains("--max-bytes"), "{error}");
        assert!(matches!(&recs[1], Record::Tokens { tokens, .. } if tokens == &["Paris"]));
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
            matches!(&recs[0], Record::Rejected { line: 1, error, .. } if error.contains("line 2"))
        );
        assert!(matches!(&recs[1], Record::Tokens { .. }));
    }

    /// Issue 16: "an input `entities` field is overwritten silently".
    #[test]
    fn an_input_entities_field_is_kept_unless_overwrite_is_asked_for() {
        let input =
            b"{\"id\":1,\"text\":\"a\",\"entities\":[\"theirs\"]}\n{\"id\":2,\"body\":\"b\"}\n";
        let recs = read(input, InputFormat::Jsonl, 1000);
        assert!(
            matches!(&recs[0], Record::Rejected { line: 1, error, .. } if error.contains("already has a field `entities`") && error.contains("--overwrite")),
            "{recs:?}"
        );
        let names = JsonFields {
            text: "body".into(),
            entities: "ner".into(),
            ..JsonFields::default()
        };
        let mut src =
            LineSource::new(&input[..], InputFormat::Jsonl, 1000).with_json_fields(names.clone());
        let first = src.next_record().unwrap().unwrap();
        assert!(
            matches!(&first, Record::Rejected { error, .. } if error == "missing field `body`"),
            "{first:?}"
        );
        let second = src.next_record().unwrap().unwrap();
        assert!(
            matches!(&second, Record::Text { text, .. } if text == "b"),
            "{second:?}"
        );
        let overwrite = JsonFields {
            overwrite: true,
            ..JsonFields::default()
        };
        let mut src =
            LineSource::new(&input[..], InputFormat::Jsonl, 1000).with_json_fields(overwrite);
        assert!(matches!(
            src.next_record().unwrap().unwrap(),
            Record::Text { .. }
        ));
    }
}
