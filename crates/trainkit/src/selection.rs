//! Epoch selection on dev entity F1, with patience.
//!
//! The trainers keep the weights of the best dev epoch, stop after
//! `patience` epochs without a new best, and report how long the run took to
//! reach the kept epoch (the number the README's training-time targets are
//! about). This state is part of each trainer's `state.json`, flattened, so
//! the file layout is the same as when each trainer kept these fields itself.

use serde::{Deserialize, Serialize};

/// Best epoch so far and the early-stopping counter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// Best dev F1 so far.
    pub best_f1: Option<f64>,
    /// Its epoch (1-based).
    pub best_epoch: Option<usize>,
    /// Epochs since the best.
    pub since_best: usize,
    /// Early stopping triggered.
    pub stopped_early: bool,
    /// Seconds spent in epochs so far (all sessions of a resumed run).
    pub elapsed_seconds: f64,
    /// `elapsed_seconds` at the end of the best epoch.
    pub seconds_to_best: Option<f64>,
}

impl Selection {
    /// Whether dev F1 `f1` beats the best so far (the first score always does;
    /// a tie keeps the earlier, cheaper epoch).
    pub fn improves(&self, f1: f64) -> bool {
        self.best_f1.is_none_or(|b| f1 > b)
    }

    /// Record the end of 1-based `epoch`, which took `seconds` (saving the
    /// weights included), scored `f1` on dev (`None` without a dev set: only
    /// the time counts). `patience` 0 never stops. Returns whether the epoch is
    /// the new best.
    pub fn record(&mut self, epoch: usize, f1: Option<f64>, seconds: f64, patience: usize) -> bool {
        let mut improved = false;
        if let Some(f1) = f1 {
            if self.improves(f1) {
                self.best_f1 = Some(f1);
                self.best_epoch = Some(epoch);
                self.since_best = 0;
                improved = true;
            } else {
                self.since_best += 1;
            }
            if patience > 0 && self.since_best >= patience {
                self.stopped_early = true;
            }
        }
        self.elapsed_seconds += seconds;
        if improved {
            self.seconds_to_best = Some(self.elapsed_seconds);
        }
        improved
    }

    /// Record the end of 1-based `epoch` as the kept one whatever its dev F1
    /// (`keep = "last"`): the weights are always the latest, so the "best"
    /// fields describe them. Never stops early.
    pub fn record_last(&mut self, epoch: usize, f1: Option<f64>, seconds: f64) {
        self.best_f1 = f1;
        self.best_epoch = Some(epoch);
        self.since_best = 0;
        self.elapsed_seconds += seconds;
        self.seconds_to_best = Some(self.elapsed_seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_best_and_stops_after_patience() {
        let mut s = Selection::default();
        assert!(s.record(1, Some(30.0), 10.0, 2));
        assert!(s.record(2, Some(40.0), 10.0, 2));
        assert!(!s.record(3, Some(40.0), 10.0, 2), "a tie is not a new best");
        assert!(!s.stopped_early);
        assert!(!s.record(4, Some(39.0), 10.0, 2));
        assert!(s.stopped_early);
        assert_eq!(s.best_epoch, Some(2));
        assert_eq!(s.best_f1, Some(40.0));
        assert_eq!(s.seconds_to_best, Some(20.0));
        assert_eq!(s.elapsed_seconds, 40.0);
    }

    #[test]
    fn without_dev_scores_only_time_counts() {
        let mut s = Selection::default();
        assert!(!s.record(1, None, 5.0, 1));
        assert!(!s.record(2, None, 5.0, 1));
        assert_eq!(s.best_epoch, None);
        assert!(!s.stopped_early);
        assert_eq!(s.elapsed_seconds, 10.0);
    }

    #[test]
    fn patience_zero_never_stops() {
        let mut s = Selection::default();
        s.record(1, Some(50.0), 1.0, 0);
        for e in 2..20 {
            s.record(e, Some(10.0), 1.0, 0);
        }
        assert!(!s.stopped_early);
    }
}
