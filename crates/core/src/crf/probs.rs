//! Decoding per-token label probabilities that come without a CRF (an
//! ensemble's average, a teacher's soft labels): the best path the BIO
//! constraints allow, maximising the sum of log-probabilities.

use super::CrfScores;
use crate::labels::constraint_masks;

/// Probability floor before taking logs: a label given no weight stays
/// possible, only very unlikely, so every sentence keeps a valid path.
pub const PROB_FLOOR: f32 = 1e-30;

/// BIO-constrained decoding of probability rows.
#[derive(Debug, Clone)]
pub struct ProbDecoder {
    constraints: CrfScores,
}

impl ProbDecoder {
    /// A decoder for `labels` (those that do not parse as BIO are unconstrained).
    pub fn new(labels: &[String]) -> Self {
        let (transitions, start) = constraint_masks(labels);
        ProbDecoder {
            constraints: CrfScores {
                num_labels: labels.len(),
                transitions,
                start,
                end: vec![0.0; labels.len()],
            },
        }
    }

    /// The best valid path through `probs` (one row of label probabilities
    /// per token, each as long as the label list).
    pub fn best_path(&self, probs: &[Vec<f32>]) -> Vec<usize> {
        let emissions: Vec<f32> = probs
            .iter()
            .flat_map(|row| row.iter().map(|p| p.max(PROB_FLOOR).ln()))
            .collect();
        self.constraints.viterbi(&emissions).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_valid_path_beats_the_per_token_argmax_when_that_is_invalid() {
        let labels: Vec<String> = ["O", "B-a", "I-a"].map(String::from).to_vec();
        let d = ProbDecoder::new(&labels);
        // Argmax per token is O I-a: invalid. B-a I-a (0.4 * 0.9) beats O O (0.6 * 0.05).
        let probs = vec![vec![0.6, 0.4, 0.0], vec![0.05, 0.05, 0.9]];
        assert_eq!(d.best_path(&probs), [1, 2]);
        // Rows with zeros everywhere still decode to a valid path.
        assert_eq!(d.best_path(&[vec![0.0; 3], vec![0.0, 0.0, 1.0]]), [1, 2]);
        assert!(d.best_path(&[]).is_empty());
    }
}
