//! The one epoch loop both trainers run.
//!
//! A model kind supplies a [`Trainer`]: how to run one epoch of updates, how
//! to score dev through the path that ships, how to save the kept weights and
//! a checkpoint. [`run_epochs`] does the rest the same way for every kind:
//! dev selection with patience, the epoch log and learning curves rewritten
//! after each epoch, a checkpoint per epoch (so a killed run resumes where it
//! stopped), the per-epoch line on stderr, and time-boxed sessions. A fix to
//! selection or logging therefore reaches every model at once.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tweetner_eval::Report;

use crate::error::KitError;
use crate::report::{write_curves, write_log, CurvePoint};
use crate::selection::Selection;

/// One epoch's line of `train-log.jsonl`.
///
/// The optional fields exist for the kinds that have them (the fine-tuner's
/// second learning rate and update count); absent, they are left out of the
/// line, so each kind's log reads as it always did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss (per sentence or per batch, as the trainer defines it).
    pub train_loss: f64,
    /// Dev precision (%); `None` without a dev set (final model).
    pub dev_precision: Option<f64>,
    /// Dev recall (%).
    pub dev_recall: Option<f64>,
    /// Dev F1 (%).
    pub dev_f1: Option<f64>,
    /// Learning rate of the epoch (the encoder's, for a transformer: at its last update).
    pub lr: f64,
    /// Head learning rate at the epoch's last update (transformers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_head: Option<f64>,
    /// Optimizer updates done so far, all epochs (transformers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Wall-clock seconds of the epoch, dev evaluation included.
    pub seconds: f64,
    /// Training sentences per second.
    pub sentences_per_second: f64,
    /// Largest global gradient norm seen (before clipping).
    pub max_grad_norm: f64,
}

impl EpochRecord {
    /// The line printed after the epoch (`improved`: it is the new best).
    pub fn line(&self, total_epochs: usize, improved: bool) -> String {
        let dev = match (self.dev_precision, self.dev_recall, self.dev_f1) {
            (Some(p), Some(r), Some(f)) => format!(" dev P/R/F1 {p:.2}/{r:.2}/{f:.2}"),
            _ => String::new(),
        };
        let lr = match self.lr_head {
            Some(h) => format!("{:.2e}/{h:.2e}", self.lr),
            None => format!("{:.3e}", self.lr),
        };
        format!(
            "epoch {}/{total_epochs}: loss {:.4}{dev}, lr {lr}, {:.1} s ({:.0} sent/s){}",
            self.epoch,
            self.train_loss,
            self.seconds,
            self.sentences_per_second,
            if improved { " *best*" } else { "" }
        )
    }
}

/// What a run has done: the part of a trainer's checkpoint state the loop
/// owns (flattened into each trainer's `state.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Epochs the run is to do at most (set again on resume: it may change).
    #[serde(default)]
    pub total_epochs: usize,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Best epoch, patience counter and time to best.
    #[serde(flatten)]
    pub selection: Selection,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
}

impl Progress {
    /// A run of at most `total_epochs` that has not started.
    pub fn new(total_epochs: usize) -> Self {
        Progress {
            total_epochs,
            ..Progress::default()
        }
    }

    /// Whether the run has nothing left to do.
    pub fn finished(&self) -> bool {
        self.selection.stopped_early || self.epochs_done >= self.total_epochs
    }
}

/// What a training run did, whichever the model kind (what `tweetner train`
/// prints and tests check).
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The model directory.
    pub out_dir: std::path::PathBuf,
    /// Trained on train + dev, without selection (`tweetner train --final`).
    pub final_model: bool,
    /// Epochs run over all sessions of a resumed run.
    pub epochs_run: usize,
    /// Epoch whose weights were kept (`None` without dev selection).
    pub best_epoch: Option<usize>,
    /// Dev scores of the kept weights, re-scored from the directory (`None`
    /// for a final model or an interrupted session).
    pub dev: Option<tweetner_tagger::DevScores>,
    /// Per-epoch log.
    pub history: Vec<EpochRecord>,
    /// Seconds in epochs (training and dev evaluation).
    pub training_seconds: f64,
    /// Seconds to the end of the kept epoch.
    pub seconds_to_best: Option<f64>,
    /// Early stopping ended the run.
    pub stopped_early: bool,
    /// The session stopped before the run finished
    /// ([`LoopOptions::stop_after_epochs`]); resume to continue.
    pub interrupted: bool,
    /// Size of the weights file (0 for an interrupted session).
    pub weights_bytes: u64,
    /// Scalar parameters of the network (0 for an interrupted session).
    pub parameters: usize,
}

impl RunSummary {
    /// The summary of `progress` in `out_dir`, without scores or sizes yet.
    pub fn of(out_dir: &Path, progress: &Progress) -> Self {
        RunSummary {
            out_dir: out_dir.to_path_buf(),
            final_model: false,
            epochs_run: progress.epochs_done,
            best_epoch: progress.selection.best_epoch,
            dev: None,
            history: progress.history.clone(),
            training_seconds: progress.selection.elapsed_seconds,
            seconds_to_best: progress.selection.seconds_to_best,
            stopped_early: progress.selection.stopped_early,
            interrupted: false,
            weights_bytes: 0,
            parameters: 0,
        }
    }
}

/// What one epoch of updates did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// Mean training loss.
    pub train_loss: f64,
    /// Seconds spent on the updates (the rate in the log is over these).
    pub train_seconds: f64,
    /// Largest gradient norm before clipping.
    pub max_grad_norm: f64,
    /// Learning rate (see [`EpochRecord::lr`]).
    pub lr: f64,
    /// Second learning rate, if the kind has one.
    pub lr_head: Option<f64>,
    /// Updates so far, if the kind counts them.
    pub steps: Option<usize>,
}

/// A model kind's side of training; [`run_epochs`] drives it.
pub trait Trainer {
    /// The kind's error; shared files fail with [`KitError`].
    type Error: From<KitError>;

    /// The run's progress (part of the state a checkpoint stores).
    fn progress(&mut self) -> &mut Progress;

    /// Training sentences per epoch (for the rate in the log).
    fn train_size(&self) -> usize;

    /// Run the updates of 0-based `epoch`. Batch order and dropout must follow
    /// from the seed and `epoch` alone, so a resumed run replays a killed one.
    ///
    /// # Errors
    /// A diverged loss or a failing backend.
    fn train_epoch(&mut self, epoch: usize) -> Result<EpochStats, Self::Error>;

    /// Score dev with the inference path that ships (not the training graph),
    /// so selection sees what users get; `None` when the run has no dev set.
    ///
    /// # Errors
    /// Inference or scoring failed.
    fn evaluate(&mut self) -> Result<Option<Report>, Self::Error>;

    /// Write the current weights as the model directory's kept ones.
    ///
    /// # Errors
    /// The directory could not be written.
    fn save_best(&mut self) -> Result<(), Self::Error>;

    /// Write a checkpoint of weights, optimizer state and the full state
    /// (progress included), atomically.
    ///
    /// # Errors
    /// The checkpoint could not be written.
    fn save_checkpoint(&mut self) -> Result<(), Self::Error>;
}

/// How [`run_epochs`] runs.
#[derive(Debug, Clone, Copy)]
pub struct LoopOptions<'a> {
    /// The model directory (log and curves are written there).
    pub out_dir: &'a Path,
    /// Epochs without a new best before stopping (0: never).
    pub patience: usize,
    /// No per-epoch lines on stderr.
    pub quiet: bool,
    /// End this session after this many epochs, leaving the checkpoint as a
    /// killed run would (time-boxed sessions; how tests check resuming).
    pub stop_after_epochs: Option<usize>,
    /// Keep every epoch's weights, so the run ends with the last epoch's
    /// (dev is still scored and logged; no early stopping).
    pub keep_last: bool,
}

/// How [`run_epochs`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopEnd {
    /// The epoch budget is spent or early stopping triggered.
    Finished,
    /// [`LoopOptions::stop_after_epochs`] ended the session; resume to go on.
    Paused,
}

/// Run epochs until the run is finished (or the session's budget is spent).
///
/// After each epoch: dev is scored, the weights are kept if dev F1 improved
/// (a tie keeps the earlier epoch; with `keep_last`, always), the log and curves are rewritten from the
/// whole history, and a checkpoint is written last, so a checkpoint never
/// describes an epoch whose log or kept weights are missing.
///
/// # Errors
/// Whatever the trainer or the shared files report.
pub fn run_epochs<T: Trainer>(
    trainer: &mut T,
    opts: &LoopOptions<'_>,
) -> Result<LoopEnd, T::Error> {
    let mut session_epochs = 0usize;
    while !trainer.progress().finished() {
        if opts.stop_after_epochs.is_some_and(|n| session_epochs >= n) {
            return Ok(LoopEnd::Paused);
        }
        session_epochs += 1;
        let epoch = trainer.progress().epochs_done;
        let started = Instant::now();
        let stats = trainer.train_epoch(epoch)?;
        let report = trainer.evaluate()?;
        let f1 = report.as_ref().map(|r| r.f1);
        trainer.progress().epochs_done += 1;
        if opts.keep_last || f1.is_some_and(|f| trainer.progress().selection.improves(f)) {
            trainer.save_best()?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let rate = trainer.train_size() as f64 / stats.train_seconds.max(1e-9);
        let p = trainer.progress();
        let improved = if opts.keep_last {
            p.selection.record_last(epoch + 1, f1, seconds);
            true
        } else {
            p.selection.record(epoch + 1, f1, seconds, opts.patience)
        };
        p.history.push(EpochRecord {
            epoch: epoch + 1,
            train_loss: stats.train_loss,
            dev_precision: report.as_ref().map(|r| r.precision),
            dev_recall: report.as_ref().map(|r| r.recall),
            dev_f1: f1,
            lr: stats.lr,
            lr_head: stats.lr_head,
            steps: stats.steps,
            seconds,
            sentences_per_second: rate,
            max_grad_norm: stats.max_grad_norm,
        });
        write_log(opts.out_dir, &p.history)?;
        let points = p
            .history
            .iter()
            .map(|r| CurvePoint::new(r.epoch, r.train_loss, r.dev_f1));
        write_curves(opts.out_dir, points)?;
        let line = p.history.last().map(|r| r.line(p.total_epochs, improved));
        trainer.save_checkpoint()?;
        if let (false, Some(line)) = (opts.quiet, line) {
            eprintln!("{line}");
        }
    }
    Ok(LoopEnd::Finished)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_eval::evaluate;

    /// A model whose dev F1 follows a script, to test what the loop does with it.
    struct Scripted {
        progress: Progress,
        f1: Vec<bool>,
        saved: Vec<usize>,
        checkpoints: usize,
        dev: bool,
    }

    fn report(good: bool) -> Report {
        let gold = vec!["B-person".to_string(), "O".into()];
        let guess = if good {
            gold.clone()
        } else {
            vec!["O".to_string(), "O".into()]
        };
        evaluate([(gold, guess)]).expect("scores")
    }

    impl Trainer for Scripted {
        type Error = KitError;
        fn progress(&mut self) -> &mut Progress {
            &mut self.progress
        }
        fn train_size(&self) -> usize {
            10
        }
        fn train_epoch(&mut self, epoch: usize) -> Result<EpochStats, KitError> {
            Ok(EpochStats {
                train_loss: 1.0 / (epoch + 1) as f64,
                train_seconds: 0.5,
                max_grad_norm: 1.0,
                lr: 0.1,
                lr_head: None,
                steps: None,
            })
        }
        fn evaluate(&mut self) -> Result<Option<Report>, KitError> {
            let e = self.progress.epochs_done;
            Ok(self.dev.then(|| report(self.f1[e])))
        }
        fn save_best(&mut self) -> Result<(), KitError> {
            self.saved.push(self.progress.epochs_done);
            Ok(())
        }
        fn save_checkpoint(&mut self) -> Result<(), KitError> {
            self.checkpoints += 1;
            Ok(())
        }
    }

    fn scripted(f1: Vec<bool>, dev: bool) -> Scripted {
        Scripted {
            progress: Progress::new(f1.len()),
            f1,
            saved: Vec::new(),
            checkpoints: 0,
            dev,
        }
    }

    #[test]
    fn keeps_the_best_epoch_stops_on_patience_and_logs_every_epoch() {
        let d = tempfile::tempdir().expect("dir");
        let mut t = scripted(vec![false, true, false, false, true], true);
        let opts = LoopOptions {
            out_dir: d.path(),
            patience: 2,
            quiet: true,
            stop_after_epochs: None,
            keep_last: false,
        };
        assert_eq!(run_epochs(&mut t, &opts).expect("runs"), LoopEnd::Finished);
        // Epoch 1 (F1 0) is the first best, epoch 2 (F1 100) the next; epochs 3
        // and 4 spend the patience, so epoch 5 never runs.
        assert_eq!(t.saved, vec![1, 2]);
        assert_eq!(t.progress.epochs_done, 4);
        assert!(t.progress.selection.stopped_early);
        assert_eq!(t.progress.selection.best_epoch, Some(2));
        assert_eq!(t.checkpoints, 4);
        let log =
            std::fs::read_to_string(d.path().join(tweetner_tagger::TRAIN_LOG_FILE)).expect("log");
        assert_eq!(log.lines().count(), 4);
        assert!(!log.contains("lr_head"), "absent fields stay out: {log}");
        assert_eq!(t.progress.history[1].sentences_per_second, 20.0);
    }

    #[test]
    fn keep_last_saves_every_epoch_and_never_stops_early() {
        let d = tempfile::tempdir().expect("dir");
        let mut t = scripted(vec![true, false, false, false], true);
        let opts = LoopOptions {
            out_dir: d.path(),
            patience: 1,
            quiet: true,
            stop_after_epochs: None,
            keep_last: true,
        };
        run_epochs(&mut t, &opts).expect("runs");
        assert_eq!(t.saved, vec![1, 2, 3, 4]);
        let s = &t.progress.selection;
        assert!(!s.stopped_early);
        assert_eq!(s.best_epoch, Some(4));
        assert_eq!(s.best_f1, t.progress.history[3].dev_f1);
        assert_eq!(s.seconds_to_best, Some(s.elapsed_seconds));
    }

    #[test]
    fn a_paused_session_resumes_where_it_stopped() {
        let d = tempfile::tempdir().expect("dir");
        let mut t = scripted(vec![true, false, false], true);
        let mut opts = LoopOptions {
            out_dir: d.path(),
            patience: 0,
            quiet: true,
            stop_after_epochs: Some(2),
            keep_last: false,
        };
        assert_eq!(run_epochs(&mut t, &opts).expect("runs"), LoopEnd::Paused);
        assert_eq!(t.progress.epochs_done, 2);
        opts.stop_after_epochs = None;
        assert_eq!(run_epochs(&mut t, &opts).expect("runs"), LoopEnd::Finished);
        assert_eq!(t.progress.epochs_done, 3);
        assert_eq!(t.saved, vec![1]);
    }

    #[test]
    fn without_dev_nothing_is_selected() {
        let d = tempfile::tempdir().expect("dir");
        let mut t = scripted(vec![true, true], false);
        let opts = LoopOptions {
            out_dir: d.path(),
            patience: 1,
            quiet: true,
            stop_after_epochs: None,
            keep_last: false,
        };
        run_epochs(&mut t, &opts).expect("runs");
        assert!(t.saved.is_empty());
        assert_eq!(t.progress.epochs_done, 2);
        assert_eq!(t.progress.history[0].dev_f1, None);
    }

    #[test]
    fn the_epoch_line_shows_both_rates_when_there_are_two() {
        let mut r = EpochRecord {
            epoch: 2,
            train_loss: 0.5,
            dev_precision: Some(50.0),
            dev_recall: Some(40.0),
            dev_f1: Some(44.44),
            lr: 1e-3,
            lr_head: None,
            steps: None,
            seconds: 3.0,
            sentences_per_second: 100.0,
            max_grad_norm: 1.0,
        };
        assert_eq!(
            r.line(5, true),
            "epoch 2/5: loss 0.5000 dev P/R/F1 50.00/40.00/44.44, lr 1.000e-3, 3.0 s (100 sent/s) *best*"
        );
        r.lr_head = Some(1e-2);
        assert!(r.line(5, false).contains("lr 1.00e-3/1.00e-2, 3.0 s"));
    }
}
