//! Reading the training inputs and pinning them by checksum for the model card.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};
use tweetner_data::{read_conll, LabelSet, ReadOptions, Sentence};
use tweetner_tagger::DataFile;

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

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    let mut f = std::fs::File::open(path).map_err(|e| TrainError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| TrainError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// SHA-256 over a directory's files: of the sorted lines `name\0sha256\n`.
pub fn sha256_dir(dir: &Path) -> Result<String, TrainError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| TrainError::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    let mut h = Sha256::new();
    for n in names {
        let file_hash = sha256_file(&dir.join(&n))?;
        h.update(n.to_string_lossy().as_bytes());
        h.update([0u8]);
        h.update(file_hash.as_bytes());
        h.update(b"\n");
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_stable_and_content_based() {
        let d = tempfile::tempdir().expect("dir");
        std::fs::write(d.path().join("a"), "abc").expect("write");
        assert_eq!(
            sha256_file(&d.path().join("a")).expect("hash"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let h1 = sha256_dir(d.path()).expect("dir hash");
        std::fs::write(d.path().join("b"), "x").expect("write");
        let h2 = sha256_dir(d.path()).expect("dir hash");
        assert_ne!(h1, h2);
        assert!(sha256_file(&d.path().join("missing"))
            .unwrap_err()
            .to_string()
            .contains("missing"));
    }
}
