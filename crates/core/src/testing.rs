//! A tagger whose answers are known without a trained model, for the tests of
//! every stage that takes a [`Tagger`] (annotation, the pipeline, sinks).

use crate::error::ModelError;
use crate::tagger::{SpanScore, TaggedSentence, Tagger};

/// Tags every capitalised token as a one-token `person` (score 0.5, token
/// scores 0.9), and fails on a batch holding the token `FAIL`.
pub struct CapsTagger {
    labels: Vec<String>,
}

impl CapsTagger {
    /// The tagger, with labels `O`, `B-person`, `I-person`.
    pub fn new() -> Self {
        CapsTagger {
            labels: vec!["O".into(), "B-person".into(), "I-person".into()],
        }
    }
}

impl Default for CapsTagger {
    fn default() -> Self {
        Self::new()
    }
}

impl Tagger for CapsTagger {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError> {
        sentences
            .iter()
            .map(|words| {
                if words.iter().any(|w| w == "FAIL") {
                    return Err(ModelError::Features("asked to fail".into()));
                }
                let caps: Vec<bool> = words
                    .iter()
                    .map(|w| w.chars().next().is_some_and(char::is_uppercase))
                    .collect();
                Ok(TaggedSentence {
                    tags: caps
                        .iter()
                        .map(|&c| if c { "B-person" } else { "O" }.to_string())
                        .collect(),
                    token_scores: vec![0.9; words.len()],
                    spans: caps
                        .iter()
                        .enumerate()
                        .filter(|(_, &c)| c)
                        .map(|(i, _)| SpanScore {
                            start: i,
                            end: i + 1,
                            ty: "person".into(),
                            score: 0.5,
                        })
                        .collect(),
                })
            })
            .collect()
    }
}
