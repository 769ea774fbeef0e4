//! The model card (`card.json` + `MODEL_CARD.md`) and [`model_info`].

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::TaggerError;
use crate::fsutil::{read_json, write_atomic, write_json};
use crate::manifest::{
    read_labels, ModelManifest, CARD_FILE, CARD_MD_FILE, KIND_BILSTM_CRF, MANIFEST_FILE,
};

/// One input file of training, pinned by content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataFile {
    /// `train`, `dev`, `extra`, `embeddings` or `gazetteer`.
    pub role: String,
    /// Path as given in the training config (resolved).
    pub path: String,
    /// SHA-256 of the file (of the sorted `name\0sha256\n` listing for a directory).
    pub sha256: String,
    /// Sentences read (CoNLL files) or entries (other files); 0 when not counted.
    pub items: usize,
}

/// Precision, recall and F1 (percent) of one entity type, or of all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Score {
    /// Entity type; empty for the overall score.
    pub ty: String,
    /// Precision in percent.
    pub precision: f64,
    /// Recall in percent.
    pub recall: f64,
    /// F1 in percent.
    pub f1: f64,
    /// Gold entities.
    pub gold: usize,
    /// Predicted entities.
    pub predicted: usize,
}

/// Dev-set scores of the shipped weights (conlleval entity level).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevScores {
    /// Over all types.
    pub overall: Score,
    /// One per type.
    pub per_type: Vec<Score>,
}

/// What a model is, what it was trained on and how well it did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelCard {
    /// Display name.
    pub name: String,
    /// Model family (`bilstm-crf`).
    pub kind: String,
    /// tweetner version that trained it.
    pub tweetner_version: String,
    /// UTC time training finished, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    /// Trained on train + dev for a fixed epoch count chosen on dev in an earlier run:
    /// no dev score can be claimed for it.
    pub final_model: bool,
    /// Training inputs with their checksums.
    pub data: Vec<DataFile>,
    /// Every training setting (the resolved configuration).
    pub settings: serde_json::Value,
    /// Dev scores of the shipped weights; `None` for a final model.
    pub dev: Option<DevScores>,
    /// Epoch (1-based) whose weights were kept.
    pub best_epoch: Option<usize>,
    /// Epochs run in total.
    pub epochs_trained: usize,
    /// Wall-clock seconds spent training (evaluation included, start-up excluded).
    pub training_seconds: f64,
    /// Wall-clock seconds until the end of the kept epoch.
    pub seconds_to_best: Option<f64>,
    /// Scalar parameters of the network.
    pub parameters: usize,
    /// Size of the weights file in bytes.
    pub weights_bytes: u64,
    /// Free-form remarks (machine, caveats).
    pub notes: Vec<String>,
}

/// A path as a card shows it: under the home directory as `~/…`, else
/// relative to `cwd` (the repository root when training runs as the README
/// says), so a shipped card names no machine's directory layout. The file
/// itself is pinned by its sha256, not by where it lay.
pub fn portable_path(path: &str, cwd: Option<&Path>, home: Option<&Path>) -> String {
    let p = Path::new(path);
    if !p.is_absolute() {
        return path.to_string();
    }
    if let Some(rest) = home.and_then(|h| p.strip_prefix(h).ok()) {
        return format!("~/{}", rest.display());
    }
    let Some(cwd) = cwd.filter(|c| c.is_absolute()) else {
        return path.to_string();
    };
    let ours: Vec<_> = p.components().collect();
    let base: Vec<_> = cwd.components().collect();
    let common = ours.iter().zip(&base).take_while(|(a, b)| a == b).count();
    // Only the root in common: the absolute path says more than `../../..`.
    if common <= 1 {
        return path.to_string();
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &ours[common..] {
        out.push(c);
    }
    out.display().to_string()
}

/// [`portable_path`] of every string in `v` that is an absolute path.
fn portable_strings(v: &mut serde_json::Value, cwd: Option<&Path>, home: Option<&Path>) {
    match v {
        serde_json::Value::String(s) if s.starts_with('/') => *s = portable_path(s, cwd, home),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| portable_strings(x, cwd, home)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| portable_strings(x, cwd, home)),
        _ => {}
    }
}

impl ModelCard {
    /// Write `card.json` and `MODEL_CARD.md` into `dir` (atomically, each),
    /// with paths made [`portable_path`]s.
    pub fn write(&self, dir: &Path) -> Result<(), TaggerError> {
        let cwd = std::env::current_dir().ok();
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let card = self.portable(cwd.as_deref(), home.as_deref());
        write_json(&dir.join(CARD_FILE), &card)?;
        write_atomic(&dir.join(CARD_MD_FILE), card.to_markdown().as_bytes())
    }

    /// This card with its paths (data files, settings, notes) made portable.
    pub fn portable(&self, cwd: Option<&Path>, home: Option<&Path>) -> ModelCard {
        let mut card = self.clone();
        for d in &mut card.data {
            d.path = portable_path(&d.path, cwd, home);
        }
        portable_strings(&mut card.settings, cwd, home);
        for n in &mut card.notes {
            let words: Vec<String> = n
                .split(' ')
                .map(|w| {
                    if w.starts_with('/') {
                        portable_path(w, cwd, home)
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            *n = words.join(" ");
        }
        card
    }

    /// Read `dir/card.json`.
    pub fn read(dir: &Path) -> Result<Self, TaggerError> {
        read_json(&dir.join(CARD_FILE))
    }

    /// The human-readable card.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# Model card: {}\n", self.name);
        let _ = writeln!(s, "| | |\n|---|---|");
        let _ = writeln!(s, "| kind | {} |", self.kind);
        let _ = writeln!(s, "| tweetner version | {} |", self.tweetner_version);
        let _ = writeln!(s, "| created | {} |", self.created);
        let _ = writeln!(s, "| parameters | {} |", self.parameters);
        let _ = writeln!(s, "| weights size | {} bytes |", self.weights_bytes);
        let _ = writeln!(s, "| epochs trained | {} |", self.epochs_trained);
        if let Some(e) = self.best_epoch {
            let _ = writeln!(s, "| kept epoch | {e} |");
        }
        let _ = writeln!(s, "| training time | {:.0} s |", self.training_seconds);
        if let Some(t) = self.seconds_to_best {
            let _ = writeln!(s, "| time to kept epoch | {t:.0} s |");
        }
        s.push('\n');
        if self.final_model {
            s.push_str(
                "**Final model**: trained on train + dev for the epoch count selected on dev \
                 in an earlier run. Dev was trained on, so no dev score is reported for these \
                 weights; see the selection run's card for the dev estimate.\n\n",
            );
        }
        if let Some(dev) = &self.dev {
            s.push_str("## Dev scores (conlleval, entity level)\n\n");
            s.push_str("| type | precision | recall | F1 | gold | predicted |\n");
            s.push_str("|---|---:|---:|---:|---:|---:|\n");
            for sc in std::iter::once(&dev.overall).chain(&dev.per_type) {
                let ty = if sc.ty.is_empty() { "**all**" } else { &sc.ty };
                let _ = writeln!(
                    s,
                    "| {ty} | {:.2} | {:.2} | {:.2} | {} | {} |",
                    sc.precision, sc.recall, sc.f1, sc.gold, sc.predicted
                );
            }
            s.push('\n');
        }
        if !self.data.is_empty() {
            s.push_str("## Data\n\n| role | path | items | sha256 |\n|---|---|---:|---|\n");
            for d in &self.data {
                // A final model's dev file is training data; the table says so.
                let role = if self.final_model && d.role == "dev" {
                    "dev (trained on)"
                } else {
                    &d.role
                };
                let _ = writeln!(
                    s,
                    "| {role} | `{}` | {} | `{}` |",
                    d.path, d.items, d.sha256
                );
            }
            s.push('\n');
        }
        if !self.notes.is_empty() {
            s.push_str("## Notes\n\n");
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
            s.push('\n');
        }
        s.push_str("## Settings\n\n```json\n");
        s.push_str(&serde_json::to_string_pretty(&self.settings).unwrap_or_default());
        s.push_str("\n```\n");
        s
    }
}

/// What `/v1/model` and `tweetner model info` show about a model directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Display name.
    pub name: String,
    /// Model family.
    pub kind: String,
    /// BIO labels in output order.
    pub labels: Vec<String>,
    /// Temperature the entity scores are divided by (1 = as trained; see
    /// `tweetner calibrate`), so clients know whether scores were calibrated.
    pub score_temperature: f32,
    /// The card, when the directory has one.
    pub card: Option<ModelCard>,
}

/// Describe a model directory of any registered kind without loading its
/// weights: name, kind and temperature from the manifest, labels from
/// `labels.json` (checked against the network's list for a BiLSTM-CRF).
pub fn model_info(dir: &Path) -> Result<ModelInfo, TaggerError> {
    /// The manifest fields every kind writes.
    #[derive(serde::Deserialize)]
    struct Common {
        name: String,
        kind: String,
        #[serde(default = "unit")]
        temperature: f32,
    }
    fn unit() -> f32 {
        1.0
    }
    let kind = tweetner_core::registry::manifest_kind(dir)?;
    let labels = read_labels(dir)?;
    let common = if kind == KIND_BILSTM_CRF {
        let manifest = ModelManifest::read(dir)?;
        if labels != manifest.network.labels {
            return Err(TaggerError::invalid(
                dir,
                "labels.json disagrees with the network's label list",
            ));
        }
        Common {
            name: manifest.name,
            kind: manifest.kind,
            temperature: manifest.temperature,
        }
    } else {
        read_json(&dir.join(MANIFEST_FILE))?
    };
    let card = if dir.join(CARD_FILE).is_file() {
        Some(ModelCard::read(dir)?)
    } else {
        None
    };
    Ok(ModelInfo {
        name: common.name,
        kind: common.kind,
        labels,
        score_temperature: common.temperature,
        card,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_name_paths_relative_to_home_or_the_working_directory() {
        let (cwd, home) = (Some(Path::new("/work/main")), Some(Path::new("/root")));
        let p = |s| portable_path(s, cwd, home);
        assert_eq!(
            p("/work/shared/data/wnut16/train.conll"),
            "../shared/data/wnut16/train.conll"
        );
        assert_eq!(
            p("/work/main/runs/x/weights.safetensors"),
            "runs/x/weights.safetensors"
        );
        assert_eq!(p("/root/.cache/tweetner/e.emb"), "~/.cache/tweetner/e.emb");
        assert_eq!(p("/opt/data/e.emb"), "/opt/data/e.emb");
        assert_eq!(p("configs/a.toml"), "configs/a.toml");
        let card = ModelCard {
            data: vec![DataFile {
                path: "/work/shared/d.conll".into(),
                ..DataFile::default()
            }],
            settings: serde_json::json!({"data": {"extra": ["/root/s.conll"], "n": 3}}),
            notes: vec!["started from the trained model /work/main/runs/a".into()],
            ..ModelCard::default()
        }
        .portable(cwd, home);
        assert_eq!(card.data[0].path, "../shared/d.conll");
        assert_eq!(card.settings["data"]["extra"][0], "~/s.conll");
        assert_eq!(card.notes[0], "started from the trained model runs/a");
    }

    #[test]
    fn a_final_models_card_marks_dev_as_trained_on() {
        let dev = DataFile {
            role: "dev".into(),
            path: "d.conll".into(),
            ..DataFile::default()
        };
        let mut card = ModelCard {
            data: vec![dev],
            ..ModelCard::default()
        };
        assert!(card.to_markdown().contains("| dev | `d.conll`"));
        card.final_model = true;
        let md = card.to_markdown();
        assert!(md.contains("| dev (trained on) | `d.conll`"), "{md}");
        assert!(md.contains("**Final model**"), "{md}");
    }

    /// The shipped model's card must not name this machine's directories.
    #[test]
    fn the_shipped_card_has_no_absolute_paths() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default");
        for file in [CARD_FILE, CARD_MD_FILE] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            for bad in ["/work/", "/root/", "/home/"] {
                assert!(!text.contains(bad), "{file} names {bad}");
            }
        }
    }
}
