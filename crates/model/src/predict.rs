//! Turning emissions into predictions: best path, token marginals and the
//! entity spans of the best path with their exact-span probabilities.

use crate::crf::scaled::ScaledCrf;
use crate::crf::CrfScores;
use crate::labels::BioTag;

/// One entity of a predicted tag sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictedSpan {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Entity type (`person`, `geo-loc`, …).
    pub ty: String,
    /// Probability that exactly these tokens form an entity of this type.
    pub prob: f32,
}

/// Output of the tagger for one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Best label index per token (Viterbi).
    pub tags: Vec<usize>,
    /// Log probability of that whole path.
    pub path_log_prob: f32,
    /// `[T][L]` marginal probability of each label at each token.
    pub token_marginals: Vec<Vec<f32>>,
    /// Entities of the best path.
    pub spans: Vec<PredictedSpan>,
}

impl Prediction {
    /// Marginal probability of the predicted label at each token.
    pub fn token_scores(&self) -> Vec<f32> {
        self.tags
            .iter()
            .zip(&self.token_marginals)
            .map(|(&y, row)| row.get(y).copied().unwrap_or(0.0))
            .collect()
    }
}

/// Entity spans `(start, end_exclusive, type)` of a label-index path, read the
/// way conlleval reads BIO (an `I-x` that does not continue an `x` opens one).
pub fn spans_of(tags: &[BioTag], path: &[usize]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (t, &y) in path.iter().enumerate() {
        let tag = tags.get(y).unwrap_or(&BioTag::Other);
        let continues = matches!((tag, &open), (BioTag::Inside(ty), Some((_, o))) if ty == o);
        if continues {
            continue;
        }
        if let Some((s, ty)) = open.take() {
            out.push((s, t, ty));
        }
        if let Some(ty) = tag.entity_type() {
            open = Some((t, ty.to_string()));
        }
    }
    if let Some((s, ty)) = open {
        out.push((s, path.len(), ty));
    }
    out
}

/// Label indices of `B-x` and `I-x` for an entity type.
fn begin_inside(tags: &[BioTag], ty: &str) -> (Option<usize>, Option<usize>) {
    let b = tags
        .iter()
        .position(|t| matches!(t, BioTag::Begin(x) if x == ty));
    let i = tags
        .iter()
        .position(|t| matches!(t, BioTag::Inside(x) if x == ty));
    (b, i)
}

/// Everything needed to decode emissions into [`Prediction`]s, prepared once per model.
#[derive(Debug, Clone)]
pub struct CrfDecoder {
    scores: CrfScores,
    scaled: ScaledCrf,
    tags: Vec<BioTag>,
}

impl CrfDecoder {
    /// Prepare decoding with the given (constraint-masked) scores and labels.
    pub fn new(scores: CrfScores, labels: &[String]) -> Self {
        CrfDecoder {
            scaled: ScaledCrf::new(&scores),
            tags: labels.iter().map(|l| BioTag::parse(l)).collect(),
            scores,
        }
    }

    /// The CRF scores used.
    pub fn scores(&self) -> &CrfScores {
        &self.scores
    }

    /// Decode one sentence's `[T * L]` emissions. Marginals come from the
    /// scaled forward–backward, or from the log-space tables when an extreme
    /// input makes the scaled pass underflow.
    pub fn decode(&self, emissions: &[f32]) -> Prediction {
        let (path, best) = self.scores.viterbi(emissions);
        let spans = spans_of(&self.tags, &path);
        let l = self.scores.num_labels;
        let (log_z, token_marginals, probs): (f32, Vec<Vec<f32>>, Vec<f32>) =
            match self.scaled.lattice(emissions) {
                Some(lat) => {
                    let probs = spans
                        .iter()
                        .map(|(start, end, ty)| match begin_inside(&self.tags, ty) {
                            (Some(b), i) => self.scaled.span_prob(&lat, *start, end - 1, b, i),
                            (None, _) => 0.0,
                        })
                        .collect();
                    (lat.log_z, lat.marginals(), probs)
                }
                None => {
                    let lat = self.scores.lattice(emissions);
                    let probs = spans
                        .iter()
                        .map(|(start, end, ty)| match begin_inside(&self.tags, ty) {
                            (Some(b), i) => {
                                self.scores.span_log_prob(&lat, *start, end - 1, b, i).exp()
                            }
                            (None, _) => 0.0,
                        })
                        .collect();
                    (lat.log_z, lat.marginals(), probs)
                }
            };
        let spans = spans
            .into_iter()
            .zip(probs)
            .map(|((start, end, ty), prob)| {
                // A type with no B- label: fall back to the first token's marginal.
                let prob = if begin_inside(&self.tags, &ty).0.is_none() {
                    token_marginals
                        .get(start)
                        .and_then(|row| row.get(path[start]))
                        .copied()
                        .unwrap_or(0.0)
                } else {
                    prob
                };
                PredictedSpan {
                    start,
                    end,
                    ty,
                    prob,
                }
            })
            .collect();
        debug_assert!(token_marginals.iter().all(|r| r.len() == l));
        Prediction {
            path_log_prob: best - log_z,
            token_marginals,
            tags: path,
            spans,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(v: &[&str]) -> Vec<BioTag> {
        v.iter().map(|s| BioTag::parse(s)).collect()
    }

    #[test]
    fn spans_follow_conlleval_reading() {
        let t = tags(&["O", "B-a", "I-a", "B-b", "I-b"]);
        assert_eq!(
            spans_of(&t, &[1, 2, 0, 3, 1, 2, 2]),
            vec![
                (0, 2, "a".to_string()),
                (3, 4, "b".to_string()),
                (4, 7, "a".to_string())
            ]
        );
        // Orphan I- opens a span; a type switch closes the previous one.
        assert_eq!(
            spans_of(&t, &[4, 2, 0]),
            vec![(0, 1, "b".to_string()), (1, 2, "a".to_string())]
        );
        assert!(spans_of(&t, &[0, 0]).is_empty());
    }

    #[test]
    fn decoded_prediction_is_consistent() {
        let labels: Vec<String> = ["O", "B-a", "I-a"].iter().map(|s| s.to_string()).collect();
        let scores = CrfScores {
            num_labels: 3,
            transitions: vec![0.0, 0.0, -1e4, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5],
            start: vec![0.0, 0.0, -1e4],
            end: vec![0.0; 3],
        };
        let em = vec![2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 3.0];
        let p = CrfDecoder::new(scores, &labels).decode(&em);
        assert_eq!(p.tags, vec![0, 1, 2]);
        assert_eq!(p.spans.len(), 1);
        let s = &p.spans[0];
        assert_eq!((s.start, s.end, s.ty.as_str()), (1, 3, "a"));
        // The exact span cannot be more likely than the whole path's tokens' worst marginal,
        // and cannot be less likely than the best path itself.
        let min_marg = p.token_scores()[1..].iter().cloned().fold(1.0f32, f32::min);
        assert!(s.prob <= min_marg + 1e-6);
        assert!(s.prob >= p.path_log_prob.exp() - 1e-6);
    }
}
