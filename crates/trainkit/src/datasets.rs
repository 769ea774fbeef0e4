//! Reading a run's CoNLL files, deciding its label set and pinning every file
//! by checksum for the model card: the same for both trainers, so a model of
//! either kind can learn any label set the same way.

use std::path::{Path, PathBuf};

use tweetner_data::{read_conll, LabelSet, LabelSpec, ReadOptions, Sentence};
use tweetner_tagger::DataFile;

use crate::checksum::sha256_file;
use crate::error::KitError;

/// The files of a run and how much of them to use.
#[derive(Debug, Clone, Copy)]
pub struct Splits<'a> {
    /// Training file.
    pub train: &'a Path,
    /// More training files, read after `train`.
    pub extra: &'a [PathBuf],
    /// Dev file: selection only.
    pub dev: &'a Path,
    /// Where the entity types come from.
    pub labels: &'a LabelSpec,
    /// Use only the first N sentences of `train`.
    pub max_train: Option<usize>,
    /// Use only the first N dev sentences.
    pub max_dev: Option<usize>,
}

/// The sentences a run trains and selects on.
#[derive(Debug, Clone)]
pub struct Datasets {
    /// Training sentences (train, then the extra files), none of them empty.
    pub train: Vec<Sentence>,
    /// Dev sentences, none of them empty.
    pub dev: Vec<Sentence>,
    /// The files read, with checksums.
    pub files: Vec<DataFile>,
    /// The entity types the model predicts.
    pub labels: LabelSet,
}

/// Reads `splits`. A fixed label set is enforced on every file; a set taken
/// from the data is what the training files use, and dev is held to it.
///
/// # Errors
/// A file is unreadable or malformed, a tag's type is outside the label set
/// (file and line named), or no training entity leaves no label to learn.
pub fn read_splits(splits: &Splits<'_>) -> Result<Datasets, KitError> {
    let mut files = Vec::new();
    let fixed = splits.labels.fixed();
    let mut train = read_role(splits.train, "train", fixed.as_ref(), &mut files)?;
    if let Some(n) = splits.max_train {
        train.truncate(n);
    }
    for extra in splits.extra {
        train.extend(read_role(extra, "extra", fixed.as_ref(), &mut files)?);
    }
    let labels = fixed.unwrap_or_else(|| LabelSet::from_sentences(&train));
    if labels.is_empty() {
        return Err(KitError::Format {
            path: splits.train.to_path_buf(),
            message: "the training files hold no entity: there are no labels to learn".into(),
        });
    }
    let mut dev = read_role(splits.dev, "dev", Some(&labels), &mut files)?;
    if let Some(n) = splits.max_dev {
        dev.truncate(n);
    }
    // Empty sentences carry no signal and would make empty batches.
    train.retain(|s| !s.is_empty());
    dev.retain(|s| !s.is_empty());
    Ok(Datasets {
        train,
        dev,
        files,
        labels,
    })
}

fn read_role(
    path: &Path,
    role: &str,
    labels: Option<&LabelSet>,
    files: &mut Vec<DataFile>,
) -> Result<Vec<Sentence>, KitError> {
    // A type outside the label set is an error (with file and line) rather than an
    // extra label the network would have to carry.
    let opts = ReadOptions {
        labels: labels.cloned(),
        ..ReadOptions::default()
    };
    let sentences = read_conll(path, &opts)?;
    files.push(DataFile {
        role: role.to_string(),
        path: path.display().to_string(),
        sha256: sha256_file(path)?,
        items: sentences.len(),
    });
    Ok(sentences)
}

/// Gold label ids of each training sentence, in `labels` order.
///
/// # Errors
/// A tag outside `labels` (cannot happen for sentences from [`read_splits`]
/// with the same set; checked so a mismatch is never trained on silently).
pub fn gold_ids(sentences: &[Sentence], labels: &[String]) -> Result<Vec<Vec<usize>>, KitError> {
    sentences
        .iter()
        .map(|s| {
            s.tags
                .iter()
                .map(|t| {
                    labels
                        .iter()
                        .position(|l| l == t)
                        .ok_or_else(|| KitError::Label {
                            line: s.line,
                            message: format!(
                                "tag {t:?} is not one of the model's labels {labels:?}"
                            ),
                        })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn labels_come_from_the_spec_or_the_training_files() {
        let d = tempfile::tempdir().expect("dir");
        let train = write(
            d.path(),
            "train",
            "Ann\tB-PER\nin\tO\nRome\tB-LOC\n\n\nx\tO\n",
        );
        let dev = write(d.path(), "dev", "Bo\tB-PER\n");
        let from_data = LabelSpec::FromData;
        let splits = Splits {
            train: &train,
            extra: &[],
            dev: &dev,
            labels: &from_data,
            max_train: None,
            max_dev: None,
        };
        let data = read_splits(&splits).expect("read");
        assert_eq!(data.labels.types, ["LOC", "PER"]);
        assert_eq!(data.train.len(), 2);
        assert_eq!(data.files.len(), 2);
        let ids = gold_ids(&data.train, &data.labels.bio_tags()).expect("ids");
        assert_eq!(ids[0], [3, 0, 1]);

        // The WNUT-16 default refuses PER, naming the file and line.
        let wnut = LabelSpec::Wnut16;
        let e = read_splits(&Splits {
            labels: &wnut,
            ..splits
        })
        .expect_err("PER is not WNUT-16")
        .to_string();
        assert!(e.contains("PER") && e.contains("train"), "{e}");

        // Dev may not bring a type training never saw.
        let dev2 = write(d.path(), "dev2", "Acme\tB-ORG\n");
        let e = read_splits(&Splits {
            dev: &dev2,
            ..splits
        })
        .expect_err("ORG only in dev")
        .to_string();
        assert!(e.contains("ORG") && e.contains("dev2"), "{e}");

        // No entity at all: nothing to learn.
        let empty = write(d.path(), "empty", "a\tO\n");
        let e = read_splits(&Splits {
            train: &empty,
            ..splits
        })
        .expect_err("no labels")
        .to_string();
        assert!(e.contains("no entity"), "{e}");
    }
}
