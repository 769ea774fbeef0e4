//! Writing tagged records in the formats users pipe into other tools.

use std::io::Write;

use serde_json::{json, Map, Value};
use tweetner_annotate::Annotation;
use tweetner_tagger::TaggedSentence;

/// Output layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per record with entities (offsets in characters).
    Jsonl,
    /// Human-readable: the text, then one line per entity.
    Pretty,
    /// CoNLL: one token per line with the predicted tag as the last column.
    Conll,
    /// One line per record: `token/TAG` pairs.
    Iob,
}

/// A tagged record, ready to print.
pub enum Tagged {
    Text {
        line: usize,
        text: String,
        fields: Option<Map<String, Value>>,
        annotation: Annotation,
    },
    Tokens {
        line: usize,
        tokens: Vec<String>,
        lines: Vec<String>,
        tagged: TaggedSentence,
    },
}

pub fn write_tagged(
    out: &mut dyn Write,
    format: OutputFormat,
    with_tokens: bool,
    rec: Tagged,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Jsonl => writeln!(out, "{}", to_json(rec, with_tokens)),
        OutputFormat::Pretty => pretty(out, &rec),
        OutputFormat::Conll => conll(out, &rec),
        OutputFormat::Iob => iob(out, &rec),
    }
}

/// Output line for a record that could not be read.
pub fn rejected_json(line: usize, error: &str) -> Value {
    json!({ "line": line, "error": error })
}

fn to_json(rec: Tagged, with_tokens: bool) -> Value {
    match rec {
        Tagged::Text {
            line,
            text,
            fields,
            annotation,
        } => {
            let mut obj = fields.unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert("line".into(), json!(line));
                m.insert("text".into(), json!(text));
                m
            });
            obj.insert("entities".into(), json!(annotation.entities));
            if with_tokens {
                obj.insert("tokens".into(), json!(annotation.tokens));
                obj.insert("tags".into(), json!(annotation.tags));
                obj.insert("token_scores".into(), json!(annotation.token_scores));
            }
            Value::Object(obj)
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
            let mut obj = json!({ "line": line, "entities": entities });
            if with_tokens {
                obj["tokens"] = json!(tokens);
                obj["tags"] = json!(tagged.tags);
                obj["token_scores"] = json!(tagged.token_scores);
            }
            obj
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
