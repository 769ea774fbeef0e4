//! Saving and loading a [`BiLstmCrf`]: `config.json` (hyper-parameters and
//! labels) plus `weights.safetensors` (all parameters, burn store naming).

use std::fs;
use std::path::{Path, PathBuf};

use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;

use crate::bilstm::{BiLstmCrf, BiLstmCrfConfig};
use crate::error::ModelError;

/// File name of the hyper-parameters inside a model directory.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the weights inside a model directory.
pub const WEIGHTS_FILE: &str = "weights.safetensors";

impl BiLstmCrf {
    /// Write `dir/config.json` and `dir/weights.safetensors` (creating `dir`).
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        fs::create_dir_all(dir).map_err(|source| ModelError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let config_path = dir.join(CONFIG_FILE);
        let json =
            serde_json::to_string_pretty(&self.config).map_err(|source| ModelError::Json {
                path: config_path.clone(),
                source,
            })?;
        fs::write(&config_path, json).map_err(|source| ModelError::Io {
            path: config_path,
            source,
        })?;
        let weights_path = dir.join(WEIGHTS_FILE);
        let mut store = SafetensorsStore::from_file(weights_path.clone()).overwrite(true);
        self.save_into(&mut store).map_err(|e| ModelError::Weights {
            path: weights_path,
            message: e.to_string(),
        })
    }

    /// Read a model written by [`BiLstmCrf::save`] onto `device`. Every
    /// parameter must be present with the configured shape.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let config = read_config(&dir.join(CONFIG_FILE))?;
        let freeze = config.freeze_word_embeddings;
        let mut model = BiLstmCrf::new(config, device)?;
        let weights_path = dir.join(WEIGHTS_FILE);
        let weights_err = |message: String| ModelError::Weights {
            path: weights_path.clone(),
            message,
        };
        if !weights_path.is_file() {
            return Err(weights_err("file not found".into()));
        }
        let mut store = SafetensorsStore::from_file(weights_path.clone());
        let result = model
            .load_from(&mut store)
            .map_err(|e| weights_err(e.to_string()))?;
        if !result.errors.is_empty() || !result.missing.is_empty() {
            return Err(weights_err(format!(
                "missing tensors {:?}, errors {:?}",
                result.missing.iter().map(|m| &m.0).collect::<Vec<_>>(),
                result.errors
            )));
        }
        if freeze {
            model.word_embedding.weight = model.word_embedding.weight.set_require_grad(false);
        }
        Ok(model)
    }
}

/// Parse a `config.json`.
pub fn read_config(path: &Path) -> Result<BiLstmCrfConfig, ModelError> {
    let text = fs::read_to_string(path).map_err(|source| ModelError::Io {
        path: PathBuf::from(path),
        source,
    })?;
    let config: BiLstmCrfConfig =
        serde_json::from_str(&text).map_err(|source| ModelError::Json {
            path: PathBuf::from(path),
            source,
        })?;
    config.validate()?;
    Ok(config)
}
