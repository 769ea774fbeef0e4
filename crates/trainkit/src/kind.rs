//! Which trainer a config file is for.
//!
//! A transformer config says `model = "transformer"` at the top level; a
//! BiLSTM-CRF config has a `[model]` table (or none: every BiLSTM setting has a
//! default). The key is read into [`TrainerKind`] and nothing else decides, so
//! a typo such as `model = "transfomer"` is an error naming the kinds, not a
//! config silently handed to the other trainer.

use std::path::Path;

use crate::error::KitError;

/// The trainers `tweetner train` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainerKind {
    /// `tweetner-train`: the BiLSTM-CRF.
    BiLstmCrf,
    /// `tweetner-finetune`: a pretrained encoder with a softmax or CRF head.
    Transformer,
}

/// The top-level `model` value of a transformer config.
pub const MODEL_TRANSFORMER: &str = "transformer";

impl TrainerKind {
    /// The kind a parsed config is for.
    ///
    /// # Errors
    /// `model` is a string other than [`MODEL_TRANSFORMER`], or neither a
    /// string nor a table.
    pub fn of_table(table: &toml::Table) -> Result<Self, String> {
        match table.get("model") {
            None | Some(toml::Value::Table(_)) => Ok(TrainerKind::BiLstmCrf),
            Some(toml::Value::String(s)) if s == MODEL_TRANSFORMER => Ok(TrainerKind::Transformer),
            Some(toml::Value::String(s)) => Err(format!(
                "field `model`: unknown model kind {s:?} (a transformer config says \
                 model = \"{MODEL_TRANSFORMER}\"; a BiLSTM-CRF config has a [model] table)"
            )),
            Some(other) => Err(format!(
                "field `model`: expected the string \"{MODEL_TRANSFORMER}\" or a [model] table, \
                 found a {}",
                other.type_str()
            )),
        }
    }

    /// The kind of the config file at `path`.
    ///
    /// # Errors
    /// The file cannot be read or is not TOML (the message names the file and
    /// line), or its `model` key names no kind.
    pub fn of_file(path: &Path) -> Result<Self, KitError> {
        let text = std::fs::read_to_string(path).map_err(|e| KitError::io(path, e))?;
        let format = |message: String| KitError::Format {
            path: path.to_path_buf(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format(e.to_string()))?;
        Self::of_table(&table).map_err(format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<TrainerKind, String> {
        TrainerKind::of_table(&text.parse().expect("toml"))
    }

    #[test]
    fn the_model_key_decides() {
        assert_eq!(
            kind("model = \"transformer\"\n"),
            Ok(TrainerKind::Transformer)
        );
        assert_eq!(kind("[train]\nepochs = 3\n"), Ok(TrainerKind::BiLstmCrf));
        assert_eq!(kind("[model]\nhidden = 100\n"), Ok(TrainerKind::BiLstmCrf));
        let e = kind("model = \"transfomer\"\n").unwrap_err();
        assert!(e.contains("unknown model kind \"transfomer\""), "{e}");
        let e = kind("model = 3\n").unwrap_err();
        assert!(e.contains("found a integer"), "{e}");
    }

    #[test]
    fn file_errors_name_the_file() {
        let d = tempfile::tempdir().expect("dir");
        let missing = d.path().join("missing.toml");
        let e = TrainerKind::of_file(&missing).unwrap_err().to_string();
        assert!(e.contains("missing.toml"), "{e}");
        let bad = d.path().join("bad.toml");
        std::fs::write(&bad, "[train\n").expect("write");
        let e = TrainerKind::of_file(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("line 1"), "{e}");
    }
}
