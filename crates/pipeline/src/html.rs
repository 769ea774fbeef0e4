//! `--format html`: one self-contained page (inline style, no scripts, no
//! fonts or files fetched) with each tweet's entities highlighted by type
//! and labelled, to read a model's output or show it to someone.
//!
//! The page is streamed: the head is written before the first record and
//! each record is one `<p>`; the closing `</body></html>` tags are optional
//! in HTML and omitted, so a page cut short (or still being written by
//! `tail -f | tweetner tag`) is still a valid page.

use std::io::{self, Write};

use crate::sink::Tagged;

/// Colours of the ten WNUT-16 types; other label sets get the fallback.
const STYLE: &str = "body{font:16px/1.9 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}\
p.tweet{border-bottom:1px solid #eee;padding:.4em 0;margin:0}\
p.tweet .line{color:#999;font-size:.75em;margin-right:.6em}\
mark{padding:.1em .35em;border-radius:.3em;background:#ddd}\
mark .label{font-size:.65em;font-weight:bold;text-transform:uppercase;margin-left:.4em;opacity:.7}\
mark[data-type=person]{background:#aa9cfc}mark[data-type=geo-loc]{background:#ff9561}\
mark[data-type=company]{background:#7aecec}mark[data-type=facility]{background:#9cc9cc}\
mark[data-type=product]{background:#bfeeb7}mark[data-type=musicartist]{background:#f0b3d0}\
mark[data-type=movie]{background:#fbe29c}mark[data-type=sportsteam]{background:#c887fb}\
mark[data-type=tvshow]{background:#feca74}mark[data-type=other]{background:#e4e7d2}";

/// The page head, written once before the first record.
pub fn head(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>tweetner entities</title><style>{STYLE}</style></head><body>"
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn mark(out: &mut String, text: &str, ty: &str, score: f32) {
    let ty = escape(ty);
    out.push_str(&format!(
        "<mark data-type=\"{ty}\" title=\"{ty} {score:.2}\">{}<span class=\"label\">{ty}</span></mark>",
        escape(text)
    ));
}

/// One record as a paragraph.
pub fn record(out: &mut dyn Write, rec: &Tagged) -> io::Result<()> {
    let mut p = String::new();
    match rec {
        Tagged::Text {
            line,
            text,
            annotation,
            ..
        } => {
            p.push_str(&format!(
                "<p class=\"tweet\"><span class=\"line\">{line}</span>"
            ));
            let mut at = 0;
            for e in &annotation.entities {
                // Offsets come from the tokenizer over this very text; a span
                // that does not fit is shown as plain text rather than cut.
                let (Some(before), Some(_)) = (
                    text.get(at..e.byte_start),
                    text.get(e.byte_start..e.byte_end),
                ) else {
                    continue;
                };
                p.push_str(&escape(before));
                mark(&mut p, &e.text, &e.ty, e.score);
                at = e.byte_end;
            }
            p.push_str(&escape(text.get(at..).unwrap_or_default()));
        }
        Tagged::Tokens {
            line,
            tokens,
            tagged,
            ..
        } => {
            p.push_str(&format!(
                "<p class=\"tweet\"><span class=\"line\">{line}</span>"
            ));
            let mut i = 0;
            let mut spans = tagged.spans.iter().peekable();
            while i < tokens.len() {
                if i > 0 {
                    p.push(' ');
                }
                match spans.peek() {
                    Some(s) if s.start == i && s.end > i && s.end <= tokens.len() => {
                        mark(&mut p, &tokens[s.start..s.end].join(" "), &s.ty, s.score);
                        i = s.end;
                        spans.next();
                    }
                    _ => {
                        p.push_str(&escape(&tokens[i]));
                        i += 1;
                    }
                }
            }
        }
    }
    p.push_str("</p>");
    writeln!(out, "{p}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_core::testing::CapsTagger;

    fn page(texts: &[&str]) -> String {
        let annotations = tweetner_core::annotate(&CapsTagger::new(), texts).unwrap();
        let mut out = Vec::new();
        head(&mut out).unwrap();
        for (i, (t, a)) in texts.iter().zip(annotations).enumerate() {
            let rec = Tagged::Text {
                line: i + 1,
                text: t.to_string(),
                fields: None,
                annotation: a,
            };
            record(&mut out, &rec).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn entities_are_marked_and_everything_else_escaped() {
        let html = page(&["<b>Obama</b> & Zoë 😀 in Paris"]);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "raw markup from the text: {html}");
        assert!(html.contains("&amp; "), "{html}");
        assert!(html.contains(">Paris<span class=\"label\">"), "{html}");
        assert!(html.contains("😀"));
        // Nothing is fetched: no scripts, links or sources.
        for bad in ["<script", "<link", "src=", "http"] {
            assert!(!html.contains(bad), "{bad} in the page");
        }
    }
}
