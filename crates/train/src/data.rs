//! Reading the training inputs and pinning them by checksum for the model card.

use std::path::Path;

use tweetner_data::{read_conll, LabelSet, ReadOptions, Sentence};
use tweetner_tagger::DataFile;
use tweetner_trainkit::sha256_file;

use crate::config::TrainConfig;
use crate::error::TrainError;

/// The sentences a run trains and selects on.
#[derive(Debug, Clone)]
pub struct Datasets {
    /// Training sentences (train, then extra files; dev too for a final model).
    pub train: Vec<Sentence>,
    /// Dev sentences (empty for a final model).
    pub dev: Vec<Sentence>,
    /// The files read, with checksums.
    pub files: Vec<DataFile>,
}

fn read_role(
    path: &Path,
    role: &str,
    files: &mut Vec<DataFile>,
) -> Result<Vec<Sentence>, TrainError> {
    // Types outside WNUT-16 are an error (with file and line) rather than extra labels
    // the network would have to carry.
    let opts = ReadOptions {
        labels: Some(LabelSet::wnut16()),
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

/// Read the configured files. For a final model dev is appended to the training data
/// and nothing is held out.
pub fn load_datasets(config: &TrainConfig, final_model: bool) -> Result<Datasets, TrainError> {
    let mut files = Vec::new();
    let mut train = read_role(&config.data.train, "train", &mut files)?;
    if let Some(n) = config.train.max_train_sentences {
        train.truncate(n);
    }
    for extra in &config.data.extra {
        train.extend(read_role(extra, "extra", &mut files)?);
    }
    let mut dev = read_role(&config.data.dev, "dev", &mut files)?;
    if let Some(n) = config.train.max_dev_sentences {
        dev.truncate(n);
    }
    // Empty sentences carry no signal and would make empty batches.
    train.retain(|s| !s.is_empty());
    dev.retain(|s| !s.is_empty());
    if final_model {
        train.append(&mut dev);
    }
    if train.is_empty() {
        return Err(TrainError::Config {
            path: config.source.clone(),
            message: "no training sentences".into(),
        });
    }
    Ok(Datasets { train, dev, files })
}
