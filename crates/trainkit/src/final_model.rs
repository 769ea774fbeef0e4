//! Final models: retraining on train + dev for the epoch count a dev-selected
//! run found best, as the WNUT-16 shared-task winners did. Nothing is held
//! out, so such a run claims no dev score; both trainers take the epoch count,
//! the output directory and the merged data from here, so a BiLSTM-CRF and a
//! transformer final model are made alike.

use std::path::{Path, PathBuf};

use tweetner_tagger::{ModelCard, CARD_FILE};

use crate::datasets::Datasets;
use crate::error::KitError;

/// The card note of every final model, whichever trainer made it.
pub const FINAL_MODEL_NOTE: &str = "final model: dev data was part of training";

/// Where a final model goes by default: `<dir>-final` beside the selection
/// run in `dir`, which it must not overwrite (its card holds the epoch count).
pub fn final_dir(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push("-final");
    dir.with_file_name(name)
}

/// Where a run writes: `explicit` (`--out`) when given, else the configured
/// directory, or [`final_dir`] of it for a final model.
pub fn run_dir(explicit: Option<&Path>, configured: &Path, final_model: bool) -> PathBuf {
    match (explicit, final_model) {
        (Some(d), _) => d.to_path_buf(),
        (None, true) => final_dir(configured),
        (None, false) => configured.to_path_buf(),
    }
}

/// The epoch count of a final model and a sentence saying where it came from
/// (for the card): `given` when set, else the kept epoch of the dev-selected
/// run in `selection_run`.
///
/// # Errors
/// `given` is 0, the run has no card, or its card has no dev-selected epoch
/// (a final model's card, say).
pub fn final_epochs(
    given: Option<usize>,
    selection_run: &Path,
) -> Result<(usize, String), KitError> {
    if let Some(n) = given {
        if n == 0 {
            return Err(KitError::Final {
                path: PathBuf::from("--epochs"),
                message: "must be at least 1".into(),
            });
        }
        return Ok((n, format!("epoch count {n} given on the command line")));
    }
    let card_path = selection_run.join(CARD_FILE);
    if !card_path.is_file() {
        return Err(KitError::Final {
            path: card_path,
            message: "no selection run to take the epoch count from: train on dev first, or give --epochs N".into(),
        });
    }
    let card = ModelCard::read(selection_run)?;
    match (card.final_model, card.best_epoch) {
        (false, Some(n)) if n > 0 => {
            let f1 = card.dev.map_or(f64::NAN, |d| d.overall.f1);
            Ok((
                n,
                format!(
                    "epoch count {n} selected on dev by the run in {} (dev F1 {f1:.2})",
                    selection_run.display()
                ),
            ))
        }
        _ => Err(KitError::Final {
            path: card_path,
            message: "this card has no dev-selected epoch (is it a final model?)".into(),
        }),
    }
}

/// Move dev into training (after the training files), leaving no dev set.
/// Dev tweets carry no teacher probabilities, so where the training data has
/// a soft column they get `None`, as gold tweets do.
pub fn merge_dev_into_train(data: &mut Datasets) {
    let mut dev = std::mem::take(&mut data.dev);
    if !data.soft.is_empty() {
        data.soft.extend(dev.iter().map(|_| None));
    }
    data.train.append(&mut dev);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetner_data::{LabelSet, Sentence};

    fn sentence(word: &str) -> Sentence {
        Sentence {
            tokens: vec![word.into()],
            tags: vec!["O".into()],
            columns: Vec::new(),
            line: 1,
        }
    }

    #[test]
    fn the_final_directory_sits_beside_the_selection_run() {
        assert_eq!(
            final_dir(Path::new("/r/runs/mpnet")),
            PathBuf::from("/r/runs/mpnet-final")
        );
        let configured = Path::new("runs/x");
        assert_eq!(run_dir(None, configured, false), configured);
        assert_eq!(run_dir(None, configured, true), Path::new("runs/x-final"));
        assert_eq!(
            run_dir(Some(Path::new("o")), configured, true),
            Path::new("o")
        );
    }

    #[test]
    fn an_epoch_count_of_zero_or_a_missing_card_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(final_epochs(Some(0), dir.path()).is_err());
        assert_eq!(final_epochs(Some(7), dir.path()).unwrap().0, 7);
        let err = final_epochs(None, dir.path()).unwrap_err().to_string();
        assert!(err.contains(CARD_FILE) && err.contains("--epochs"), "{err}");
    }

    #[test]
    fn dev_joins_training_with_no_teacher_probabilities() {
        let mut data = Datasets {
            train: vec![sentence("a")],
            dev: vec![sentence("b"), sentence("c")],
            files: Vec::new(),
            labels: LabelSet::wnut16(),
            soft: vec![Some(vec![1.0; 21])],
        };
        merge_dev_into_train(&mut data);
        assert!(data.dev.is_empty());
        let words: Vec<&str> = data.train.iter().map(|s| s.tokens[0].as_str()).collect();
        assert_eq!(words, ["a", "b", "c"]);
        assert_eq!(data.soft.len(), 3);
        assert!(data.soft[1].is_none() && data.soft[2].is_none());
    }
}
