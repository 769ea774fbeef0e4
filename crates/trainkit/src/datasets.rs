//! Reading a run's CoNLL files, deciding its label set and pinning every file
//! by checksum for the model card: the same for both trainers, so a model of
//! either kind can learn any label set the same way.

use std::path::{Path, PathBuf};

use tweetner_data::{
    parse_soft, read_conll, DataError, LabelSet, LabelSpec, ReadOptions, Sentence,
};
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
    /// Read the last middle column of training tokens, where there is one, as
    /// a teacher's label probabilities ([`tweetner_data::parse_soft`]).
    pub soft_labels: bool,
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
    /// With [`Splits::soft_labels`], one entry per training sentence: its
    /// tokens' label probabilities, `[T * L]` in [`LabelSet::bio_tags`]
    /// order, or `None` for a sentence without the column (gold data).
    /// Empty otherwise.
    pub soft: Vec<Option<Vec<f32>>>,
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
    // Which file each training sentence came from, for soft-label errors.
    let mut origins = vec![(splits.train, train.len())];
    for extra in splits.extra {
        let more = read_role(extra, "extra", fixed.as_ref(), &mut files)?;
        origins.push((extra.as_path(), more.len()));
        train.extend(more);
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
    let mut soft = if splits.soft_labels {
        soft_targets(&train, &origins, &labels.bio_tags())?
    } else {
        Vec::new()
    };
    // Empty sentences carry no signal and would make empty batches.
    if !soft.is_empty() {
        let mut keep = train.iter().map(|s| !s.is_empty());
        soft.retain(|_| keep.next().unwrap_or(false));
    }
    train.retain(|s| !s.is_empty());
    dev.retain(|s| !s.is_empty());
    Ok(Datasets {
        train,
        dev,
        files,
        labels,
        soft,
    })
}

/// Parses the soft-label column of every training sentence that has one
/// (`origins`: each file with its number of sentences, in reading order).
fn soft_targets(
    train: &[Sentence],
    origins: &[(&Path, usize)],
    labels: &[String],
) -> Result<Vec<Option<Vec<f32>>>, KitError> {
    let mut out = Vec::with_capacity(train.len());
    let mut sentences = train.iter();
    for &(path, count) in origins {
        for s in sentences.by_ref().take(count) {
            if s.columns.is_empty() {
                out.push(None);
                continue;
            }
            let mut row = Vec::with_capacity(s.len() * labels.len());
            for (i, cols) in s.columns.iter().enumerate() {
                let field = cols.last().map_or("", String::as_str);
                let probs = parse_soft(field, labels).map_err(|message| DataError::Parse {
                    source_name: path.display().to_string(),
                    line: s.line_of(i),
                    message,
                })?;
                row.extend(probs);
            }
            out.push(Some(row));
        }
    }
    Ok(out)
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
            soft_labels: false,
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

    #[test]
    fn soft_columns_are_read_per_sentence_and_bad_ones_named_by_file_and_line() {
        let d = tempfile::tempdir().expect("dir");
        let train = write(d.path(), "train", "Ann\tB-person\nin\tO\n");
        let silver = write(
            d.path(),
            "silver",
            "\nBo\tB-person:0.6|O:0.4\tB-person\nsings\tO:1.000\tO\n\n\n",
        );
        let dev = write(d.path(), "dev", "Bo\tB-person\n");
        let extra = [silver.clone()];
        let wnut = LabelSpec::Wnut16;
        let splits = Splits {
            train: &train,
            extra: &extra,
            dev: &dev,
            labels: &wnut,
            max_train: None,
            max_dev: None,
            soft_labels: true,
        };
        let data = read_splits(&splits).expect("read");
        assert_eq!(data.train.len(), 2);
        assert_eq!(data.soft.len(), 2);
        assert!(data.soft[0].is_none(), "gold data has no soft column");
        let bio = data.labels.bio_tags();
        let row = data.soft[1].as_ref().expect("silver is soft");
        assert_eq!(row.len(), 2 * bio.len());
        let person = bio.iter().position(|l| l == "B-person").expect("label");
        assert!((row[person] - 0.6).abs() < 1e-6 && (row[0] - 0.4).abs() < 1e-6);
        assert_eq!(row[bio.len()], 1.0);

        // Off: nothing parsed.
        let off = read_splits(&Splits {
            soft_labels: false,
            ..splits
        })
        .expect("read");
        assert!(off.soft.is_empty());

        let bad = write(
            d.path(),
            "bad",
            "Bo\tB-person:0.6|O:0.4\tB-person\nx\tB-singer:1\tO\n",
        );
        let extra = [bad];
        let e = read_splits(&Splits {
            extra: &extra,
            ..splits
        })
        .expect_err("B-singer is no label")
        .to_string();
        assert!(e.contains("bad:2") && e.contains("B-singer"), "{e}");
    }
}
