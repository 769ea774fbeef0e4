//! Turning emissions into predictions: best path, token marginals and the
//! entity spans of the best path with their exact-span probabilities.

use crate::crf::CrfScores;
use crate::crf::ScaledCrf;
use crate::error::ModelError;
use crate::labels::{is_forbidden, BioTag};

/// Temperatures a decoder accepts. Far outside this range the forbidden BIO
/// moves (kept at [`FORBIDDEN`](crate::labels::FORBIDDEN)) would no longer dwarf the scaled scores.
pub const TEMPERATURE_RANGE: std::ops::RangeInclusive<f32> = 0.05..=20.0;

/// Entity biases a decoder accepts: a few units of log-odds already move the
/// balance of precision and recall a long way.
pub const ENTITY_BIAS_RANGE: std::ops::RangeInclusive<f32> = -10.0..=10.0;

/// Refuse an entity bias outside [`ENTITY_BIAS_RANGE`] (NaN included).
pub fn check_entity_bias(bias: f32) -> Result<(), ModelError> {
    check_in("entity bias", bias, &ENTITY_BIAS_RANGE)
}

/// Refuse a temperature outside [`TEMPERATURE_RANGE`] (NaN included). Model
/// directories are checked with this when read, decoders when set.
pub fn check_temperature(temperature: f32) -> Result<(), ModelError> {
    check_in("temperature", temperature, &TEMPERATURE_RANGE)
}

fn check_in(
    what: &str,
    value: f32,
    range: &std::ops::RangeInclusive<f32>,
) -> Result<(), ModelError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(ModelError::Config(format!(
        "{what} {value} is outside {}..={}",
        range.start(),
        range.end()
    )))
}

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

/// Entity spans `(start, end_exclusive, type)` of a label-index path, by the
/// scorer's chunk rules ([`crate::spans`]). Labels that are not BIO-shaped
/// read as `O` (a model's labels are always `O`, `B-x`, `I-x`).
pub fn spans_of(tags: &[BioTag], path: &[usize]) -> Vec<(usize, usize, String)> {
    let tag_at = |t: usize| match tags.get(path[t]) {
        Some(BioTag::Begin(ty)) => ("B", ty.as_str()),
        Some(BioTag::Inside(ty)) => ("I", ty.as_str()),
        _ => ("O", ""),
    };
    crate::spans::spans_by(path.len(), tag_at)
        .into_iter()
        .map(|s| (s.start, s.end, s.ty))
        .collect()
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
    /// The scores as trained.
    trained: CrfScores,
    /// Those scores with the entity bias folded in: what decoding uses.
    scores: CrfScores,
    entity_bias: f32,
    scaled: ScaledCrf,
    tags: Vec<BioTag>,
    /// Scores divided by a temperature, for the probabilities only.
    calibrated: Option<Calibrated>,
}

/// A CRF with every score divided by a temperature `t`. The best path is the
/// same for any `t > 0` (all path scores shrink by the same factor), so only
/// the marginals and span probabilities change: temperature scaling fixes
/// over-confident scores without touching the entities found.
#[derive(Debug, Clone)]
struct Calibrated {
    temperature: f32,
    scores: CrfScores,
    scaled: ScaledCrf,
}

impl Calibrated {
    fn new(scores: &CrfScores, temperature: f32) -> Self {
        let k = 1.0 / temperature;
        // Forbidden moves stay forbidden rather than becoming merely unlikely.
        let scale = |v: &[f32]| -> Vec<f32> {
            v.iter()
                .map(|&x| if is_forbidden(x) { x } else { x * k })
                .collect()
        };
        let scores = CrfScores {
            num_labels: scores.num_labels,
            transitions: scale(&scores.transitions),
            start: scale(&scores.start),
            end: scale(&scores.end),
        };
        Calibrated {
            temperature,
            scaled: ScaledCrf::new(&scores),
            scores,
        }
    }
}

impl CrfDecoder {
    /// Prepare decoding with the given (constraint-masked) scores and labels.
    pub fn new(scores: CrfScores, labels: &[String]) -> Self {
        CrfDecoder {
            scaled: ScaledCrf::new(&scores),
            tags: labels.iter().map(|l| BioTag::parse(l)).collect(),
            trained: scores.clone(),
            scores,
            entity_bias: 0.0,
            calibrated: None,
        }
    }

    /// Add `bias` to the score of every entity's first label (`B-x`) at every
    /// token (0 = as trained). A model trained on data that leaves many
    /// entities untagged (silver tags, sparse gold) may say `O` too often, its
    /// precision far ahead of its recall; a positive bias trades some precision
    /// back. Only `B-x` moves: raising `I-x` too stretches the entities found
    /// past their ends (on the shipped model every such bias above 0.1 cost F1).
    /// Unlike the temperature it changes the tags. Refused outside
    /// [`ENTITY_BIAS_RANGE`].
    pub fn set_entity_bias(&mut self, bias: f32) -> Result<(), ModelError> {
        check_entity_bias(bias)?;
        if bias == self.entity_bias {
            return Ok(()); // loading applies 0 to every model: nothing to rebuild
        }
        let per_label: Vec<f32> = self
            .tags
            .iter()
            .map(|t| match t {
                BioTag::Begin(_) => bias,
                _ => 0.0,
            })
            .collect();
        self.scores = self.trained.with_label_bias(&per_label);
        self.scaled = ScaledCrf::new(&self.scores);
        self.entity_bias = bias;
        let t = self.temperature();
        self.calibrated = (t != 1.0).then(|| Calibrated::new(&self.scores, t));
        Ok(())
    }

    /// The entity bias (0 = as trained).
    pub fn entity_bias(&self) -> f32 {
        self.entity_bias
    }

    /// Divide all scores by `temperature` when computing probabilities (1 = as
    /// trained). Refused outside [`TEMPERATURE_RANGE`].
    pub fn set_temperature(&mut self, temperature: f32) -> Result<(), ModelError> {
        check_temperature(temperature)?;
        self.calibrated = (temperature != 1.0).then(|| Calibrated::new(&self.scores, temperature));
        Ok(())
    }

    /// The temperature of the probabilities (1 = as trained).
    pub fn temperature(&self) -> f32 {
        self.calibrated.as_ref().map_or(1.0, |c| c.temperature)
    }

    /// The CRF scores used (the entity bias folded in).
    pub fn scores(&self) -> &CrfScores {
        &self.scores
    }

    /// Decode one sentence's `[T * L]` emissions. Marginals come from the
    /// scaled forward–backward, or from the log-space tables when an extreme
    /// input makes the scaled pass underflow.
    pub fn decode(&self, emissions: &[f32]) -> Prediction {
        let (path, mut best) = self.scores.viterbi(emissions);
        let spans = spans_of(&self.tags, &path);
        let l = self.scores.num_labels;
        let scaled_emissions: Vec<f32>;
        let (scores, scaled, emissions) = match &self.calibrated {
            Some(c) => {
                let k = 1.0 / c.temperature;
                scaled_emissions = emissions.iter().map(|e| e * k).collect();
                best *= k;
                (&c.scores, &c.scaled, &scaled_emissions[..])
            }
            None => (&self.scores, &self.scaled, emissions),
        };
        let (log_z, token_marginals, probs): (f32, Vec<Vec<f32>>, Vec<f32>) =
            match scaled.lattice(emissions) {
                Some(lat) => {
                    let probs = spans
                        .iter()
                        .map(|(start, end, ty)| match begin_inside(&self.tags, ty) {
                            (Some(b), i) => scaled.span_prob(&lat, *start, end - 1, b, i),
                            (None, _) => 0.0,
                        })
                        .collect();
                    (lat.log_z, lat.marginals(), probs)
                }
                None => {
                    let lat = scores.lattice(emissions);
                    let probs = spans
                        .iter()
                        .map(|(start, end, ty)| match begin_inside(&self.tags, ty) {
                            (Some(b), i) => scores.span_log_prob(&lat, *start, end - 1, b, i).exp(),
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
                    // Rounding can carry a sure span a hair past 1 (seen at t = 0.5).
                    prob: prob.clamp(0.0, 1.0),
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
    use crate::labels::FORBIDDEN;

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

    #[test]
    fn temperature_changes_probabilities_not_the_path() {
        let labels: Vec<String> = ["O", "B-a", "I-a"].iter().map(|s| s.to_string()).collect();
        let scores = CrfScores {
            num_labels: 3,
            transitions: vec![0.0, 0.0, FORBIDDEN, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5],
            start: vec![0.0, 0.0, FORBIDDEN],
            end: vec![0.0; 3],
        };
        let em = vec![1.0, 0.0, 0.2, 0.3, 1.2, 0.0, 0.0, 0.4, 0.9];
        let mut d = CrfDecoder::new(scores.clone(), &labels);
        let base = d.decode(&em);
        d.set_temperature(1.0).unwrap();
        assert_eq!(d.decode(&em), base, "t = 1 is the trained model");
        let mut last = base.spans[0].prob;
        for t in [1.5f32, 3.0, 10.0] {
            d.set_temperature(t).unwrap();
            assert_eq!(d.temperature(), t);
            let p = d.decode(&em);
            assert_eq!(p.tags, base.tags);
            assert_eq!(p.spans.len(), base.spans.len());
            // A hotter CRF spreads probability over more paths.
            assert!(
                p.spans[0].prob < last,
                "t {t}: {} !< {last}",
                p.spans[0].prob
            );
            last = p.spans[0].prob;
            // Same as dividing every score by hand.
            let by_hand = Calibrated::new(&scores, t);
            let em_t: Vec<f32> = em.iter().map(|e| e / t).collect();
            let lat = by_hand.scores.lattice(&em_t);
            let expect = by_hand.scores.span_log_prob(&lat, 1, 2, 1, Some(2)).exp();
            assert!((p.spans[0].prob - expect).abs() < 1e-5);
            // O -> I-a stays impossible however hot.
            assert!(p.token_marginals[0][2] < 1e-6);
        }
        d.set_temperature(0.5).unwrap();
        assert!(d.decode(&em).spans[0].prob > base.spans[0].prob);
        for bad in [0.0f32, -1.0, f32::NAN, f32::INFINITY, 100.0] {
            assert!(d.set_temperature(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entity_bias_is_an_emission_shift_folded_into_the_transitions() {
        let labels: Vec<String> = ["O", "B-a", "I-a"].iter().map(|s| s.to_string()).collect();
        let scores = CrfScores {
            num_labels: 3,
            transitions: vec![0.3, -0.2, FORBIDDEN, 0.1, 0.0, 0.5, -0.4, 0.2, 0.5],
            start: vec![0.2, -0.1, FORBIDDEN],
            end: vec![0.0, 0.1, -0.3],
        };
        // The entity is a near miss as trained.
        let em = vec![1.0, 0.6, 0.0, 1.2, 0.5, 0.9, 0.8, 0.1, 0.4];
        let mut d = CrfDecoder::new(scores.clone(), &labels);
        assert_eq!(d.decode(&em).tags, vec![0, 0, 0]);
        for (bias, t) in [(0.8f32, 1.0f32), (0.8, 2.0), (-0.5, 1.0)] {
            d.set_temperature(t).unwrap();
            d.set_entity_bias(bias).unwrap();
            assert_eq!(d.entity_bias(), bias);
            // Same as adding the bias to the B- labels' emissions by hand.
            let shifted: Vec<f32> = em
                .iter()
                .enumerate()
                .map(|(k, &e)| if k % 3 == 1 { e + bias } else { e })
                .collect();
            let mut plain = CrfDecoder::new(scores.clone(), &labels);
            plain.set_temperature(t).unwrap();
            let (got, want) = (d.decode(&em), plain.decode(&shifted));
            assert_eq!(got.tags, want.tags, "bias {bias} t {t}");
            assert!((got.spans.len() == want.spans.len()));
            for (a, b) in got.spans.iter().zip(&want.spans) {
                assert!((a.prob - b.prob).abs() < 1e-5, "bias {bias} t {t}");
            }
            for (a, b) in got
                .token_marginals
                .iter()
                .flatten()
                .zip(want.token_marginals.iter().flatten())
            {
                assert!((a - b).abs() < 1e-5, "bias {bias} t {t}");
            }
            // O -> I-a stays impossible.
            assert!(got.token_marginals[0][2] < 1e-6);
        }
        d.set_entity_bias(0.8).unwrap();
        d.set_temperature(1.0).unwrap();
        assert!(!d.decode(&em).spans.is_empty(), "the bias finds entities");
        d.set_entity_bias(0.0).unwrap();
        assert_eq!(d.scores(), &scores, "0 restores the trained scores");
        for bad in [f32::NAN, f32::INFINITY, 10.5, -11.0] {
            assert!(d.set_entity_bias(bad).is_err(), "{bad}");
        }
    }
}
