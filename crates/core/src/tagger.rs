//! The interface every tagging model exposes to the rest of tweetner.

use crate::error::ModelError;
use crate::predict::Prediction;

/// One scored entity span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanScore {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Entity type (`person`, `geo-loc`, …).
    pub ty: String,
    /// Model confidence in exactly this span and type, in `[0, 1]`.
    pub score: f32,
}

/// Tagging result for one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedSentence {
    /// One BIO label per token.
    pub tags: Vec<String>,
    /// Confidence in each token's label, in `[0, 1]`.
    pub token_scores: Vec<f32>,
    /// Entities read off `tags`, with confidences.
    pub spans: Vec<SpanScore>,
}

impl TaggedSentence {
    /// Convert a [`Prediction`] using the model's label list.
    pub fn from_prediction(p: &Prediction, labels: &[String]) -> Self {
        TaggedSentence {
            tags: p
                .tags
                .iter()
                .map(|&y| labels.get(y).cloned().unwrap_or_else(|| "O".to_string()))
                .collect(),
            token_scores: p.token_scores(),
            spans: p
                .spans
                .iter()
                .map(|s| SpanScore {
                    start: s.start,
                    end: s.end,
                    ty: s.ty.clone(),
                    score: s.prob,
                })
                .collect(),
        }
    }
}

/// A sequence tagger over tokenised sentences. Implementations own whatever
/// turns tokens into model inputs (feature extraction, sub-word splitting).
pub trait Tagger {
    /// The BIO label list, in the model's index order.
    fn labels(&self) -> &[String];

    /// Tag each sentence (a list of tokens). Empty sentences give empty results.
    fn tag_batch(&self, sentences: &[Vec<String>]) -> Result<Vec<TaggedSentence>, ModelError>;

    /// Each token's probability of every label, `[sentence][token][label]` in
    /// [`Tagger::labels`] order, rows summing to 1: what an ensemble of
    /// models averages. A kind without such probabilities answers
    /// [`ModelError::Config`].
    fn token_marginals(&self, sentences: &[Vec<String>]) -> Result<Vec<Vec<Vec<f32>>>, ModelError> {
        let _ = sentences;
        Err(ModelError::Config(
            "this model kind gives no per-token label probabilities".into(),
        ))
    }

    /// Tag `sentences` once on the calling thread, timing each stage of the
    /// model's pipeline (for `tweetner bench`, which has to explain where the
    /// time goes for every kind of model). A model whose work does not split
    /// into stages returns an empty list.
    fn profile(&self, sentences: &[Vec<String>]) -> Result<StageTimes, ModelError> {
        let _ = sentences;
        Ok(Vec::new())
    }
}

/// `(stage, seconds)` in pipeline order, from [`Tagger::profile`].
pub type StageTimes = Vec<(&'static str, f64)>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::PredictedSpan;

    #[test]
    fn conversion_keeps_scores_aligned() {
        let labels: Vec<String> = ["O", "B-a", "I-a"].iter().map(|s| s.to_string()).collect();
        let p = Prediction {
            tags: vec![1, 2, 0],
            path_log_prob: -0.5,
            token_marginals: vec![
                vec![0.1, 0.8, 0.1],
                vec![0.2, 0.1, 0.7],
                vec![0.9, 0.05, 0.05],
            ],
            spans: vec![PredictedSpan {
                start: 0,
                end: 2,
                ty: "a".into(),
                prob: 0.6,
            }],
        };
        let t = TaggedSentence::from_prediction(&p, &labels);
        assert_eq!(t.tags, vec!["B-a", "I-a", "O"]);
        assert_eq!(t.token_scores, vec![0.8, 0.7, 0.9]);
        assert_eq!(t.spans[0].score, 0.6);
        assert_eq!((t.spans[0].start, t.spans[0].end), (0, 2));
    }
}
