//! Raw tweet text → entities with character offsets and confidences.
//!
//! Models only see token lists; users hand us strings and want spans they
//! can cut out of those strings. This module is the one place that maps
//! between the two, so the CLI, the HTTP service and the pipeline cannot
//! drift apart.

use crate::error::ModelError;
use crate::tagger::{TaggedSentence, Tagger};
use serde::Serialize;
use tweetner_text::{tokenize, Token};

/// One entity found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// The entity exactly as written in the input (`input[start..end]` in chars).
    pub text: String,
    /// WNUT-16 type (`person`, `geo-loc`, …).
    #[serde(rename = "type")]
    pub ty: String,
    /// Start, in Unicode scalar values (what most JSON consumers index by).
    pub start: usize,
    /// End (exclusive), in Unicode scalar values.
    pub end: usize,
    /// Byte offsets of the same span, for consumers that slice UTF-8.
    pub byte_start: usize,
    /// Byte end (exclusive).
    pub byte_end: usize,
    /// The span in UTF-16 code units, what JavaScript's `String.slice`
    /// (and Java, C#) index by: an emoji before the entity counts 2 here, 1 in `start`.
    pub utf16_start: usize,
    /// UTF-16 end (exclusive).
    pub utf16_end: usize,
    /// Model confidence in exactly this span and type, in `[0, 1]`.
    pub score: f32,
}

/// Everything the tagger said about one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annotation {
    /// Tokens with their offsets.
    pub tokens: Vec<Token>,
    /// One BIO tag per token.
    pub tags: Vec<String>,
    /// Confidence in each token's tag.
    pub token_scores: Vec<f32>,
    /// Entities with offsets into the original text.
    pub entities: Vec<Entity>,
}

/// Tokenizes and tags `texts` in one batch (order preserved).
pub fn annotate<S: AsRef<str>>(
    tagger: &(impl Tagger + ?Sized),
    texts: &[S],
) -> Result<Vec<Annotation>, ModelError> {
    let tokenized: Vec<Vec<Token>> = texts.iter().map(|t| tokenize(t.as_ref())).collect();
    let words: Vec<Vec<String>> = tokenized
        .iter()
        .map(|ts| ts.iter().map(|t| t.text.clone()).collect())
        .collect();
    let tagged = tagger.tag_batch(&words)?;
    if tagged.len() != texts.len() {
        return Err(ModelError::Config(format!(
            "tagger returned {} results for {} texts",
            tagged.len(),
            texts.len()
        )));
    }
    texts
        .iter()
        .zip(tokenized)
        .zip(tagged)
        .map(|((text, tokens), t)| attach(text.as_ref(), tokens, t))
        .collect()
}

/// UTF-16 offsets of increasing byte offsets, counted incrementally (a
/// smaller offset than the last restarts the count).
#[derive(Default)]
struct Utf16Cursor {
    byte: usize,
    units: usize,
}

impl Utf16Cursor {
    fn at(&mut self, text: &str, byte: usize) -> usize {
        if byte < self.byte {
            *self = Utf16Cursor::default();
        }
        let piece = text.get(self.byte..byte).unwrap_or_default();
        self.units += piece.chars().map(char::len_utf16).sum::<usize>();
        self.byte = byte;
        self.units
    }
}

/// Joins a tagger's token-level result with the token offsets.
fn attach(text: &str, tokens: Vec<Token>, t: TaggedSentence) -> Result<Annotation, ModelError> {
    if t.tags.len() != tokens.len() {
        return Err(ModelError::Config(format!(
            "tagger returned {} tags for {} tokens",
            t.tags.len(),
            tokens.len()
        )));
    }
    let mut entities = Vec::with_capacity(t.spans.len());
    // UTF-16 offsets by one walk over the text, spans being in text order.
    let mut utf16 = Utf16Cursor::default();
    for span in &t.spans {
        let (Some(first), Some(last)) = (
            tokens.get(span.start),
            span.end.checked_sub(1).and_then(|i| tokens.get(i)),
        ) else {
            return Err(ModelError::Config(format!(
                "span {}..{} is outside the {} tokens",
                span.start,
                span.end,
                tokens.len()
            )));
        };
        entities.push(Entity {
            text: text[first.start..last.end].to_string(),
            ty: span.ty.clone(),
            start: first.char_start,
            end: last.char_end,
            byte_start: first.start,
            byte_end: last.end,
            utf16_start: utf16.at(text, first.start),
            utf16_end: utf16.at(text, last.end),
            score: span.score,
        });
    }
    Ok(Annotation {
        tokens,
        tags: t.tags,
        token_scores: t.token_scores,
        entities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagger() -> crate::testing::CapsTagger {
        crate::testing::CapsTagger::new()
    }

    #[test]
    fn offsets_slice_the_original_text() {
        let texts = ["😀 héllo Ümit and Zoë at #NYC", "", "   ", "no caps here"];
        let out = annotate(&tagger(), &texts).unwrap();
        assert_eq!(out.len(), texts.len());
        let first = &out[0];
        let names: Vec<&str> = first.entities.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(names, ["Ümit", "Zoë"]);
        let chars: Vec<char> = texts[0].chars().collect();
        let utf16: Vec<u16> = texts[0].encode_utf16().collect();
        for e in &first.entities {
            assert_eq!(&texts[0][e.byte_start..e.byte_end], e.text);
            assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.text);
            assert_eq!(
                String::from_utf16(&utf16[e.utf16_start..e.utf16_end]).unwrap(),
                e.text
            );
        }
        // The emoji is 1 char but 2 UTF-16 units.
        assert_eq!(first.entities[0].utf16_start, first.entities[0].start + 1);
        assert!(out[1].entities.is_empty() && out[1].tokens.is_empty());
        assert!(out[2].tokens.is_empty());
        assert!(out[3].entities.is_empty());
    }

    #[test]
    fn serialises_type_field_name() {
        let out = annotate(&tagger(), &["Hello"]).unwrap();
        let v = serde_json::to_value(&out[0].entities[0]).unwrap();
        assert_eq!(v["type"], "person");
        assert_eq!(v["start"], 0);
        assert_eq!(v["end"], 5);
    }

    struct Broken;
    impl Tagger for Broken {
        fn labels(&self) -> &[String] {
            &[]
        }
        fn tag_batch(&self, s: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
            Ok(s.iter()
                .map(|_| TaggedSentence {
                    tags: vec![],
                    token_scores: vec![],
                    spans: vec![],
                })
                .collect())
        }
    }

    #[test]
    fn inconsistent_tagger_output_is_an_error() {
        assert!(annotate(&Broken, &["two tokens"]).is_err());
    }
}
