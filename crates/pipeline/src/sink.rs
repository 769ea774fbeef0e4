//! Annotations out: an [`AnnotationSink`] takes tagged records in input order;
//! [`FormatSink`] writes them in the formats users pipe into other tools.
//! Message buses and other outputs are further sinks in their own crates.

use std::io::{self, Write};

use serde_json::{json, Value};
use tweetner_core::{Annotation, TaggedSentence};

use std::borrow::Cow;

use crate::json_record::{object, JsonRecord};

/// Where a pipeline's results go, in input order. `Send`, because the runner
/// writes on a thread of its own.
pub trait AnnotationSink: Send {
    /// Writes one tagged record.
    ///
    /// # Errors
    /// The output failed; the run stops.
    fn write(&mut self, rec: Tagged) -> io::Result<()>;

    /// Reports a record that could not be tagged (never dropped silently).
    ///
    /// # Errors
    /// The output failed; the run stops.
    fn reject(&mut self, line: usize, error: &str) -> io::Result<()>;

    /// [`reject`](Self::reject) for a record whose id is known, so that the
    /// error can name its tweet. By default the id is left out.
    ///
    /// # Errors
    /// The output failed; the run stops.
    fn reject_record(&mut self, line: usize, id: Option<&str>, error: &str) -> io::Result<()> {
        let _ = id;
        self.reject(line, error)
    }

    /// Pushes buffered output through (called when no more results are ready,
    /// so a slow input still streams).
    ///
    /// # Errors
    /// The output failed; the run stops.
    fn flush(&mut self) -> io::Result<()>;

    /// Called every [`TICK`](crate::runner::TICK) while the writer waits for
    /// tagged records, for sinks with work that is due by time rather than
    /// by output (a bus sink's acknowledgements). Does nothing by default.
    ///
    /// # Errors
    /// The output failed; the run stops.
    fn tick(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Output layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// One JSON object per record with entities (offsets in characters).
    Jsonl,
    /// Human-readable: the text, then one line per entity.
    Pretty,
    /// CoNLL: one token per line with the predicted tag as the last column.
    Conll,
    /// One line per record: `token/TAG` pairs.
    Iob,
    /// A self-contained HTML page with entities highlighted by type.
    Html,
}

/// A tagged record, ready to print.
#[derive(Debug)]
pub enum Tagged {
    /// From raw text: entities carry character offsets.
    Text {
        /// Input line.
        line: usize,
        /// The text.
        text: String,
        /// The input JSON object, when the input was JSONL.
        fields: Option<JsonRecord>,
        /// What the tagger found.
        annotation: Annotation,
    },
    /// From given tokens: entities are token ranges.
    Tokens {
        /// Input line of the first token.
        line: usize,
        /// The tokens.
        tokens: Vec<String>,
        /// The input lines, echoed by the CoNLL output.
        lines: Vec<String>,
        /// What the tagger found.
        tagged: TaggedSentence,
    },
}

/// Writes tagged records to a byte stream in one [`OutputFormat`]; rejected
/// records go to their own stream when one is given, else into the output
/// (JSONL) or to stderr (formats that cannot carry an error record).
pub struct FormatSink {
    out: Box<dyn Write + Send>,
    rejects: Option<Box<dyn Write + Send>>,
    format: OutputFormat,
    with_tokens: bool,
    entities_key: String,
    /// Whether the HTML head is written.
    started: bool,
}

impl FormatSink {
    /// A sink writing `format` to `out`; `with_tokens` adds tokens, tags and
    /// per-token scores to JSONL records.
    pub fn new(out: Box<dyn Write + Send>, format: OutputFormat, with_tokens: bool) -> Self {
        FormatSink {
            out,
            rejects: None,
            format,
            with_tokens,
            entities_key: "entities".into(),
            started: false,
        }
    }

    /// Writes JSONL entities under `key` instead of `entities`.
    #[must_use]
    pub fn with_entities_key(mut self, key: impl Into<String>) -> Self {
        self.entities_key = key.into();
        self
    }

    /// Sends rejected records to `rejects` (JSONL) instead.
    #[must_use]
    pub fn with_rejects(mut self, rejects: Box<dyn Write + Send>) -> Self {
        self.rejects = Some(rejects);
        self
    }
}

impl AnnotationSink for FormatSink {
    fn write(&mut self, rec: Tagged) -> io::Result<()> {
        if self.format == OutputFormat::Html && !self.started {
            crate::html::head(&mut self.out)?;
            self.started = true;
        }
        write_tagged_as(
            &mut self.out,
            self.format,
            self.with_tokens,
            &self.entities_key,
            rec,
        )
    }

    fn reject(&mut self, line: usize, error: &str) -> io::Result<()> {
        self.reject_record(line, None, error)
    }

    fn reject_record(&mut self, line: usize, id: Option<&str>, error: &str) -> io::Result<()> {
        let mut obj = rejected_json(line, error);
        if let Some(id) = id {
            obj["id"] = json!(id);
        }
        match (&mut self.rejects, self.format) {
            (Some(r), _) => writeln!(r, "{obj}"),
            (None, OutputFormat::Jsonl) => writeln!(self.out, "{obj}"),
            (None, _) => {
                eprintln!("line {line}: rejected: {error}");
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        if let Some(r) = self.rejects.as_mut() {
            r.flush()?;
        }
        Ok(())
    }
}

/// Writes one record in `format` (what [`FormatSink`] does per record).
///
/// # Errors
/// Those of `out`.
pub fn write_tagged(
    out: &mut dyn Write,
    format: OutputFormat,
    with_tokens: bool,
    rec: Tagged,
) -> std::io::Result<()> {
    write_tagged_as(out, format, with_tokens, "entities", rec)
}

/// [`write_tagged`] with the JSONL entities under `entities_key`.
///
/// # Errors
/// Those of `out`.
pub fn write_tagged_as(
    out: &mut dyn Write,
    format: OutputFormat,
    with_tokens: bool,
    entities_key: &str,
    rec: Tagged,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Jsonl => writeln!(out, "{}", jsonl_line(rec, with_tokens, entities_key)),
        OutputFormat::Pretty => pretty(out, &rec),
        OutputFormat::Conll => conll(out, &rec),
        OutputFormat::Iob => iob(out, &rec),
        OutputFormat::Html => crate::html::record(out, &rec),
    }
}

/// Output line for a record that could not be read.
pub fn rejected_json(line: usize, error: &str) -> Value {
    json!({ "line": line, "error": error })
}

/// One JSONL output line. A JSONL input record is written back from its own
/// text (numbers and key order as they came) with our fields added.
fn jsonl_line(rec: Tagged, with_tokens: bool, entities_key: &str) -> String {
    match rec {
        Tagged::Text {
            line,
            text,
            fields,
            annotation,
        } => {
            let mut added = vec![(entities_key, json!(annotation.entities))];
            if with_tokens {
                added.push(("tokens", json!(annotation.tokens)));
                added.push(("tags", json!(annotation.tags)));
                added.push(("token_scores", json!(annotation.token_scores)));
            }
            match fields {
                Some(f) => f.with_fields(&added),
                // Plain text has no input object to keep: written at once,
                // not serialised and parsed again as a record would be.
                None => {
                    let head = [
                        ("line", Cow::Owned(line.to_string())),
                        ("text", Cow::Owned(Value::String(text).to_string())),
                    ];
                    let rest = added.iter().map(|(k, v)| (*k, Cow::Owned(v.to_string())));
                    object(head.into_iter().chain(rest))
                }
            }
        }
        Tagged::Tokens {
            line,
            tokens,
            tagged,
            ..
        } => {
            // Token input has no character offsets: spans are token indices.
            let entities: Vec<Value> = tagged
                .spans
                .iter()
                .map(|s| {
                    json!({
                        "text": tokens[s.start..s.end].join(" "),
                        "type": s.ty,
                        "token_start": s.start,
                        "token_end": s.end,
                        "score": s.score,
                    })
                })
                .collect();
            let mut obj = json!({ "line": line });
            obj[entities_key] = json!(entities);
            if with_tokens {
                obj["tokens"] = json!(tokens);
                obj["tags"] = json!(tagged.tags);
                obj["token_scores"] = json!(tagged.token_scores);
            }
            obj.to_string()
        }
    }
}

fn pretty(out: &mut dyn Write, rec: &Tagged) -> std::io::Result<()> {
    match rec {
        Tagged::Text {
            text, annotation, ..
        } => {
            writeln!(out, "{text}")?;
            for e in &annotation.entities {
                writeln!(
                    out,
                    "  {:<12} {:<30} [{}..{}]  {:.2}",
                    e.ty, e.text, e.start, e.end, e.score
                )?;
            }
        }
        Tagged::Tokens { tokens, tagged, .. } => {
            writeln!(out, "{}", tokens.join(" "))?;
            for s in &tagged.spans {
                let text = tokens[s.start..s.end].join(" ");
                writeln!(
                    out,
                    "  {:<12} {:<30} tokens {}..{}  {:.2}",
                    s.ty, text, s.start, s.end, s.score
                )?;
            }
        }
    }
    writeln!(out)
}

fn conll(out: &mut dyn Write, rec: &Tagged) -> std::io::Result<()> {
    match rec {
        Tagged::Text { annotation, .. } => {
            for (t, tag) in annotation.tokens.iter().zip(&annotation.tags) {
                writeln!(out, "{}\t{tag}", t.text)?;
            }
        }
        // The input lines are echoed so gold columns survive for `tweetner eval`.
        Tagged::Tokens { lines, tagged, .. } => {
            let sep = if lines.first().is_some_and(|l| l.contains('\t')) {
                '\t'
            } else {
                ' '
            };
            for (l, tag) in lines.iter().zip(&tagged.tags) {
                writeln!(out, "{l}{sep}{tag}")?;
            }
        }
    }
    writeln!(out)
}

fn iob(out: &mut dyn Write, rec: &Tagged) -> std::io::Result<()> {
    let pairs: Vec<String> = match rec {
        Tagged::Text { annotation, .. } => annotation
            .tokens
            .iter()
            .zip(&annotation.tags)
            .map(|(t, tag)| format!("{}/{tag}", t.text))
            .collect(),
        Tagged::Tokens { tokens, tagged, .. } => tokens
            .iter()
            .zip(&tagged.tags)
            .map(|(t, tag)| format!("{t}/{tag}"))
            .collect(),
    };
    writeln!(out, "{}", pairs.join(" "))
}
