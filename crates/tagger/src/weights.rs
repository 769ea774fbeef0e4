//! Reading and writing `weights.safetensors`, optionally with half-precision embeddings.

use std::fs;
use std::path::Path;

use tweetner_model::burn::module::Module;
use tweetner_model::burn::store::{HalfPrecisionAdapter, ModuleSnapshot, SafetensorsStore};
use tweetner_model::burn::tensor::Device;
use tweetner_model::{BiLstmCrf, FastBiLstmCrf, WordTable};

use crate::error::TaggerError;
use crate::fsutil::temp_sibling;
use crate::manifest::WeightPrecision;

/// An adapter that converts only embedding tables (`f32` ⇄ `f16`, by source dtype).
///
/// burn's default half-precision set also covers linear and convolution layers; the
/// recurrent and output weights are small, so they stay exact.
fn embeddings_only() -> HalfPrecisionAdapter {
    [
        "Linear",
        "LayerNorm",
        "GroupNorm",
        "InstanceNorm",
        "RmsNorm",
        "PRelu",
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "ConvTranspose1d",
        "ConvTranspose2d",
        "ConvTranspose3d",
        "DeformConv2d",
    ]
    .into_iter()
    .fold(HalfPrecisionAdapter::new(), |a, m| a.without_module(m))
}

/// Write the network's weights to `path` (through a temporary file and a rename) and
/// return the file size in bytes.
pub fn save_weights(
    model: &BiLstmCrf,
    path: &Path,
    precision: WeightPrecision,
) -> Result<u64, TaggerError> {
    let tmp = temp_sibling(path);
    let mut store = SafetensorsStore::from_file(tmp.clone()).overwrite(true);
    if precision == WeightPrecision::F16Embeddings {
        store = store.with_to_adapter(embeddings_only());
    }
    if let Err(e) = model.save_into(&mut store) {
        let _ = fs::remove_file(&tmp);
        return Err(TaggerError::invalid(path, format!("saving weights: {e}")));
    }
    // The store creates its file owner-only; a model directory is meant to be shared
    // (copied to a server, read by other users), like the other files written beside it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644))
            .map_err(|e| TaggerError::io(&tmp, e))?;
    }
    if let Err(e) = tweetner_core::safetensors_meta::sort_metadata(&tmp) {
        let _ = fs::remove_file(&tmp);
        return Err(TaggerError::io(&tmp, e));
    }
    tweetner_core::fsio::commit_file(&tmp, path).map_err(|e| TaggerError::io(path, e))?;
    let size = fs::metadata(path).map_err(|e| TaggerError::io(path, e))?;
    Ok(size.len())
}

/// Load weights from `path` into `model` (built from the same config, on any device).
/// Every parameter must be present with its configured shape.
pub fn load_weights(
    mut model: BiLstmCrf,
    path: &Path,
    precision: WeightPrecision,
) -> Result<BiLstmCrf, TaggerError> {
    if !path.is_file() {
        return Err(TaggerError::invalid(path, "weights file not found"));
    }
    let freeze = model.config.freeze_word_embeddings;
    let mut store = SafetensorsStore::from_file(path.to_path_buf());
    if precision == WeightPrecision::F16Embeddings {
        store = store.with_from_adapter(embeddings_only());
    }
    let result = model
        .load_from(&mut store)
        .map_err(|e| TaggerError::invalid(path, format!("loading weights: {e}")))?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(TaggerError::invalid(
            path,
            format!(
                "weights do not fit the network: missing {:?}, errors {:?}",
                result.missing.iter().map(|m| &m.0).collect::<Vec<_>>(),
                result.errors
            ),
        ));
    }
    if freeze {
        model.word_embedding.weight = model.word_embedding.weight.set_require_grad(false);
    }
    Ok(model)
}

/// Build the network described by `config` on the default (inference) device and load
/// its weights from `path`.
pub fn load_network(
    config: &tweetner_model::BiLstmCrfConfig,
    path: &Path,
    precision: WeightPrecision,
) -> Result<BiLstmCrf, TaggerError> {
    let device = Device::default();
    let model = BiLstmCrf::new(config.clone(), &device)?;
    load_weights(model, path, precision)
}

/// Where the word embedding table lives in the weights file.
const WORD_TABLE: &str = "word_embedding.weight";

/// Build the inference network described by `config` from the weights at `path`.
///
/// Everything but the word table goes through burn into a network whose word table
/// is a one-row placeholder; the table itself is read straight from the file in its
/// stored precision ([`WordTable::read_safetensors`]). Through burn alone the table
/// would exist three times in `f32` while loading, which made loading the peak of a
/// tagger's memory.
pub fn load_fast_network(
    config: &tweetner_model::BiLstmCrfConfig,
    path: &Path,
    precision: WeightPrecision,
) -> Result<FastBiLstmCrf, TaggerError> {
    if !path.is_file() {
        return Err(TaggerError::invalid(path, "weights file not found"));
    }
    let mut small = config.clone();
    small.word_vocab_size = 1;
    let mut model = BiLstmCrf::new(small, &Device::default())?;
    let mut store =
        SafetensorsStore::from_file(path.to_path_buf()).with_predicate(|p, _| p != WORD_TABLE);
    if precision == WeightPrecision::F16Embeddings {
        store = store.with_from_adapter(embeddings_only());
    }
    let result = model
        .load_from(&mut store)
        .map_err(|e| TaggerError::invalid(path, format!("loading weights: {e}")))?;
    let missing: Vec<&String> = result
        .missing
        .iter()
        .map(|m| &m.0)
        .filter(|p| p.as_str() != WORD_TABLE)
        .collect();
    if !result.errors.is_empty() || !missing.is_empty() {
        return Err(TaggerError::invalid(
            path,
            format!(
                "weights do not fit the network: missing {missing:?}, errors {:?}",
                result.errors
            ),
        ));
    }
    let fast = FastBiLstmCrf::from_model(&model)?;
    drop(model);
    let table = WordTable::read_safetensors(path, WORD_TABLE)?;
    if table.rows() != config.word_vocab_size {
        return Err(TaggerError::invalid(
            path,
            format!(
                "word table has {} rows, the manifest says {}",
                table.rows(),
                config.word_vocab_size
            ),
        ));
    }
    Ok(fast.with_word_table(table)?)
}

/// Number of scalar parameters of a network.
pub fn parameter_count(model: &BiLstmCrf) -> usize {
    model.num_params()
}
