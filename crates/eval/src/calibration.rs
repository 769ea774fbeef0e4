//! Reliability of entity confidence scores: do entities scored 0.8 turn out
//! correct about 80% of the time?
//!
//! A score is only useful to a caller who thresholds on it if it means what
//! it says. This module buckets predicted entities by score and compares each
//! bucket's observed precision with its mean score (a reliability table),
//! summarised by the expected calibration error (ECE): the entity-weighted
//! mean of `|precision - mean score|` over the buckets.
//!
//! "Correct" is counted exactly as conlleval counts a correct phrase: a
//! predicted entity whose token range and type equal those of a gold entity.
//! Gold entities are delimited by the scorer's own chunk rules, so the totals
//! here equal the scorer's "found" and "correct" counts whenever the
//! predicted spans are the chunks of the predicted tags.
//!
//! ```
//! use tweetner_eval::{Calibrator, ScoredSpan};
//! let mut cal = Calibrator::new(10).unwrap();
//! let pred = [ScoredSpan::new(0, 2, "person", 0.95), ScoredSpan::new(3, 4, "geo-loc", 0.15)];
//! cal.add_sentence(&["B-person", "I-person", "O", "O"], &pred).unwrap();
//! let table = cal.finish();
//! assert_eq!((table.predicted, table.correct), (2, 1));
//! assert_eq!(table.bins[9].correct, 1);
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::error::EvalError;
use crate::spans::SpanTracker;
use crate::tags::Tag;

/// A predicted entity: tokens `[start, end)` of one sentence, a type and the
/// model's confidence that exactly this span has exactly this type.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredSpan {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Entity type, as in the gold tags (`person`, not `B-person`).
    pub ty: String,
    /// Confidence in `[0, 1]`.
    pub score: f64,
}

impl ScoredSpan {
    /// A span of tokens `[start, end)` with type `ty` and confidence `score`.
    pub fn new(start: usize, end: usize, ty: &str, score: f64) -> Self {
        ScoredSpan {
            start,
            end,
            ty: ty.to_string(),
            score,
        }
    }
}

/// One score bucket of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lowest score in the bucket (inclusive).
    pub lower: f64,
    /// Highest score in the bucket (exclusive, except 1.0 for the last one).
    pub upper: f64,
    /// Predicted entities whose score falls in the bucket.
    pub predicted: usize,
    /// Of those, how many match a gold entity exactly (span and type).
    pub correct: usize,
    /// `correct / predicted`; `None` for an empty bucket.
    pub precision: Option<f64>,
    /// Mean score of the bucket's entities; `None` for an empty bucket.
    pub mean_score: Option<f64>,
}

/// The reliability table and its summaries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Equal-width buckets covering `[0, 1]`, lowest first.
    pub bins: Vec<CalibrationBin>,
    /// Sentences added.
    pub sentences: usize,
    /// Gold entities (the scorer's "phrases").
    pub gold: usize,
    /// Predicted entities (the scorer's "found").
    pub predicted: usize,
    /// Correct predicted entities (the scorer's "correct").
    pub correct: usize,
    /// Overall precision of the predicted entities; `None` when there are none.
    pub precision: Option<f64>,
    /// Mean score of all predicted entities; `None` when there are none.
    pub mean_score: Option<f64>,
    /// Expected calibration error: `Σ_b (n_b / N) · |precision_b − mean_score_b|`.
    pub ece: f64,
    /// Maximum calibration error: the largest `|precision_b − mean_score_b|`
    /// over non-empty buckets.
    pub mce: f64,
    /// Brier score of the entities: mean of `(score − correct)²`, correct ∈ {0, 1}.
    pub brier: Option<f64>,
}

/// Accumulates predicted entities sentence by sentence.
#[derive(Debug, Clone)]
pub struct Calibrator {
    /// Per bucket: (predicted, correct, sum of scores).
    bins: Vec<(usize, usize, f64)>,
    sentences: usize,
    gold: usize,
    brier_sum: f64,
}

impl Calibrator {
    /// A calibrator with `bins` equal-width score buckets (at least one).
    pub fn new(bins: usize) -> Result<Self, EvalError> {
        if bins == 0 {
            return Err(EvalError::NoBins);
        }
        Ok(Calibrator {
            bins: vec![(0, 0, 0.0); bins],
            sentences: 0,
            gold: 0,
            brier_sum: 0.0,
        })
    }

    /// Adds one sentence: its gold tags (any scheme the scorer reads) and the
    /// model's scored entities. Nothing is added when an entity lies outside
    /// the sentence or has a score outside `[0, 1]`.
    pub fn add_sentence<S: AsRef<str>>(
        &mut self,
        gold: &[S],
        predicted: &[ScoredSpan],
    ) -> Result<(), EvalError> {
        let sentence = self.sentences + 1;
        for p in predicted {
            if p.start >= p.end || p.end > gold.len() {
                return Err(EvalError::SpanOutOfRange {
                    sentence,
                    start: p.start,
                    end: p.end,
                    len: gold.len(),
                });
            }
            if !(0.0..=1.0).contains(&p.score) {
                return Err(EvalError::InvalidScore {
                    sentence,
                    score: p.score,
                });
            }
        }
        let mut tracker = SpanTracker::new();
        for (i, tag) in gold.iter().enumerate() {
            tracker.step(i, &Tag::parse(tag.as_ref()));
        }
        let gold_spans = tracker.take_sentence(gold.len());
        self.gold += gold_spans.len();
        let gold_set: HashSet<(usize, usize, &str)> = gold_spans
            .iter()
            .map(|s| (s.start, s.end, s.ty.as_str()))
            .collect();
        let last = self.bins.len() - 1;
        for p in predicted {
            let correct = gold_set.contains(&(p.start, p.end, p.ty.as_str()));
            // floor(score · B), with a score of exactly 1.0 in the top bucket.
            let idx = ((p.score * self.bins.len() as f64) as usize).min(last);
            let bin = &mut self.bins[idx];
            bin.0 += 1;
            bin.1 += usize::from(correct);
            bin.2 += p.score;
            let target = if correct { 1.0 } else { 0.0 };
            self.brier_sum += (p.score - target).powi(2);
        }
        self.sentences += 1;
        Ok(())
    }

    /// Computes the table and its summaries.
    pub fn finish(self) -> Calibration {
        let n_bins = self.bins.len() as f64;
        let predicted: usize = self.bins.iter().map(|b| b.0).sum();
        let correct: usize = self.bins.iter().map(|b| b.1).sum();
        let score_sum: f64 = self.bins.iter().map(|b| b.2).sum();
        let mut ece = 0.0;
        let mut mce: f64 = 0.0;
        let bins = self
            .bins
            .iter()
            .enumerate()
            .map(|(i, &(n, c, sum))| {
                let (precision, mean_score) = if n == 0 {
                    (None, None)
                } else {
                    let p = c as f64 / n as f64;
                    let m = sum / n as f64;
                    let gap = (p - m).abs();
                    ece += n as f64 / predicted as f64 * gap;
                    mce = mce.max(gap);
                    (Some(p), Some(m))
                };
                CalibrationBin {
                    lower: i as f64 / n_bins,
                    upper: (i + 1) as f64 / n_bins,
                    predicted: n,
                    correct: c,
                    precision,
                    mean_score,
                }
            })
            .collect();
        let ratio = |x: f64| (predicted > 0).then(|| x / predicted as f64);
        Calibration {
            bins,
            sentences: self.sentences,
            gold: self.gold,
            predicted,
            correct,
            precision: ratio(correct as f64),
            mean_score: ratio(score_sum),
            ece,
            mce,
            brier: ratio(self.brier_sum),
        }
    }
}

impl Calibration {
    /// The reliability table as aligned text, one bucket per line, then the
    /// totals and the summary errors.
    pub fn to_text(&self) -> String {
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"));
        let gap = |p: Option<f64>, m: Option<f64>| match (p, m) {
            (Some(p), Some(m)) => format!("{:+.4}", p - m),
            _ => "-".to_string(),
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "reliability of entity scores: {} predicted entities, {} correct (exact span and type), {} gold",
            self.predicted, self.correct, self.gold
        );
        let _ = writeln!(
            s,
            "{:<12} {:>9} {:>8} {:>9} {:>10} {:>8}",
            "score", "predicted", "correct", "precision", "mean score", "gap"
        );
        let last = self.bins.len().saturating_sub(1);
        for (i, b) in self.bins.iter().enumerate() {
            let close = if i == last { ']' } else { ')' };
            let range = format!("[{:.2}, {:.2}{close}", b.lower, b.upper);
            let _ = writeln!(
                s,
                "{range:<12} {:>9} {:>8} {:>9} {:>10} {:>8}",
                b.predicted,
                b.correct,
                opt(b.precision),
                opt(b.mean_score),
                gap(b.precision, b.mean_score)
            );
        }
        let _ = writeln!(
            s,
            "{:<12} {:>9} {:>8} {:>9} {:>10} {:>8}",
            "all",
            self.predicted,
            self.correct,
            opt(self.precision),
            opt(self.mean_score),
            gap(self.precision, self.mean_score)
        );
        let _ = writeln!(
            s,
            "ECE {:.4}  MCE {:.4}  Brier {}  (gap = precision - mean score; ECE weights each bucket's |gap| by its entities)",
            self.ece,
            self.mce,
            opt(self.brier)
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, ty: &str, score: f64) -> ScoredSpan {
        ScoredSpan::new(start, end, ty, score)
    }

    /// Four bins, two sentences, every count computed by hand:
    ///
    /// sentence 1 gold: person [0,2), geo-loc [3,4)
    ///   person [0,2) 0.90 → correct, bin 3
    ///   geo-loc [3,4) 0.80 → correct, bin 3
    ///   company [5,6) 0.30 → wrong (no gold), bin 1
    /// sentence 2 gold: product [1,3)
    ///   product [1,2) 0.60 → wrong span, bin 2
    ///   person [1,3) 0.70 → wrong type, bin 2
    ///   other [4,5) 1.00 → wrong, bin 3 (1.0 belongs to the top bin)
    ///
    /// bin 1: n 1, correct 0, mean .30, gap .30
    /// bin 2: n 2, correct 0, mean .65, gap .65
    /// bin 3: n 3, correct 2, mean .90, precision 2/3, gap .2333…
    /// ECE = (1·.30 + 2·.65 + 3·(.90 − 2/3)) / 6 = (0.3 + 1.3 + 0.7) / 6 = 2.3 / 6
    /// Brier = (.01 + .04 + .09 + .36 + .49 + 1) / 6 = 1.99 / 6
    #[test]
    fn hand_computed_table() {
        let mut cal = Calibrator::new(4).unwrap();
        let g1 = ["B-person", "I-person", "O", "B-geo-loc", "O", "O"];
        cal.add_sentence(
            &g1,
            &[
                span(0, 2, "person", 0.9),
                span(3, 4, "geo-loc", 0.8),
                span(5, 6, "company", 0.3),
            ],
        )
        .unwrap();
        let g2 = ["O", "B-product", "I-product", "O", "O"];
        cal.add_sentence(
            &g2,
            &[
                span(1, 2, "product", 0.6),
                span(1, 3, "person", 0.7),
                span(4, 5, "other", 1.0),
            ],
        )
        .unwrap();
        let t = cal.finish();
        assert_eq!((t.sentences, t.gold, t.predicted, t.correct), (2, 3, 6, 2));
        let counts: Vec<(usize, usize)> = t.bins.iter().map(|b| (b.predicted, b.correct)).collect();
        assert_eq!(counts, [(0, 0), (1, 0), (2, 0), (3, 2)]);
        assert_eq!(t.bins[0].precision, None);
        assert_eq!(t.bins[0].mean_score, None);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(t.bins[1].mean_score.unwrap(), 0.3));
        assert!(close(t.bins[2].mean_score.unwrap(), 0.65));
        assert!(close(t.bins[3].precision.unwrap(), 2.0 / 3.0));
        assert!(close(t.bins[3].mean_score.unwrap(), 0.9));
        assert!(close(t.ece, 2.3 / 6.0), "ece {}", t.ece);
        assert!(close(t.mce, 0.65));
        assert!(close(t.brier.unwrap(), 1.99 / 6.0));
        assert!(close(t.precision.unwrap(), 2.0 / 6.0));
        assert!(close(t.mean_score.unwrap(), 4.3 / 6.0));
        assert_eq!((t.bins[1].lower, t.bins[1].upper), (0.25, 0.5));
    }

    #[test]
    fn matches_the_scorer_counts() {
        // The scorer counts an I- after O as a chunk start; so must the gold side.
        let gold = ["I-person", "O", "B-movie", "I-movie", "I-movie"];
        let pred_tags = ["B-person", "O", "B-movie", "I-movie", "O"];
        let mut cal = Calibrator::new(10).unwrap();
        cal.add_sentence(
            &gold,
            &[span(0, 1, "person", 0.55), span(2, 4, "movie", 0.45)],
        )
        .unwrap();
        let t = cal.finish();
        let mut ev = crate::Evaluator::new();
        ev.add_sentence(&gold, &pred_tags).unwrap();
        let report = ev.finish();
        assert_eq!(t.gold, report.counts.found_gold);
        assert_eq!(t.predicted, report.counts.found_guessed);
        assert_eq!(t.correct, report.counts.correct_chunks);
    }

    #[test]
    fn perfectly_calibrated_scores_have_zero_ece() {
        let mut cal = Calibrator::new(2).unwrap();
        let gold = ["B-person", "O", "O", "O"];
        // Bin 1: one correct at 1.0. Bin 0: one wrong at 0.0.
        cal.add_sentence(
            &gold,
            &[span(0, 1, "person", 1.0), span(2, 3, "person", 0.0)],
        )
        .unwrap();
        let t = cal.finish();
        assert_eq!(t.ece, 0.0);
        assert_eq!(t.brier, Some(0.0));
    }

    #[test]
    fn bad_input_is_an_error_and_adds_nothing() {
        let mut cal = Calibrator::new(10).unwrap();
        let gold = ["B-person", "O"];
        let err = cal
            .add_sentence(
                &gold,
                &[span(0, 1, "person", 0.5), span(1, 3, "person", 0.5)],
            )
            .unwrap_err();
        assert!(err.to_string().contains("sentence 1"), "{err}");
        let err = cal
            .add_sentence(&gold, &[span(0, 1, "person", f64::NAN)])
            .unwrap_err();
        assert!(err.to_string().contains("score"), "{err}");
        assert!(cal.add_sentence(&gold, &[span(1, 1, "x", 0.5)]).is_err());
        let t = cal.finish();
        assert_eq!((t.sentences, t.predicted, t.gold), (0, 0, 0));
        assert_eq!(t.precision, None);
        assert!(Calibrator::new(0).is_err());
    }

    #[test]
    fn text_and_json_forms() {
        let mut cal = Calibrator::new(5).unwrap();
        cal.add_sentence(&["B-person"], &[span(0, 1, "person", 0.9)])
            .unwrap();
        let t = cal.finish();
        let text = t.to_text();
        assert!(text.contains("[0.80, 1.00]"), "{text}");
        assert!(text.contains("ECE 0.1000"), "{text}");
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["bins"].as_array().unwrap().len(), 5);
        assert_eq!(v["bins"][4]["correct"], 1);
        assert!(v["bins"][0]["precision"].is_null());
    }
}
