//! Int8 storage for a fine-tuned transformer's model directory.
//!
//! Why: a model has to fit the 25 MB the repository ships, and a MiniLM's
//! f32 weights are ~90 MB, most of them in the word-embedding table and
//! the encoder's linear layers. Stored as int8 with one f32 scale per row
//! they take a quarter of that, and the runtime loses nothing it had not
//! already given up: `--int8` quantises the same linear layers per output
//! column ([`crate::quant`]), which is one row of the stored `[out, in]`
//! matrix, with the same `max |row| / 127` scale, so those integers come
//! back unchanged. The tables (word, position) gain a rounding error of at
//! most half a step per value; the dev score of a compacted model is
//! measured, not assumed (README).
//!
//! Format: a matrix `name` is stored with dtype `I8` and a companion
//! `name_scale` (`F32`, one value per row), `value = q · scale[row]`;
//! everything else (layer norms, biases, the classifier, small tables) is
//! copied as it was. The loader ([`crate::weights::WeightReader`]) reads
//! both kinds, so a compacted directory is tagged like any other. Python's
//! `transformers` does not read `I8` weights: a compacted directory is for
//! tweetner only (the directory it came from stays the checkpoint to share).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::Path;

use safetensors::{Dtype, SafeTensors, View};

use crate::error::TransformerError;
use crate::load::WEIGHTS_FILE;
use crate::modeldir::read_manifest;
use crate::quant::{int8_scale, to_int8};
use crate::weights::floats;

/// Suffix of the per-row scales of an int8 matrix.
pub const SCALE_SUFFIX: &str = "_scale";

/// Metadata key of `model.safetensors` that marks a compacted directory.
const STORAGE_KEY: &str = "tweetner_storage";

/// What [`compact_model_dir`] quantises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactOptions {
    /// Matrices with fewer values stay in their own dtype: their bytes do
    /// not matter and the classifier is the last thing to round.
    pub min_elements: usize,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            min_elements: 1 << 14,
        }
    }
}

/// What [`compact_model_dir`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactReport {
    /// Bytes of `model.safetensors` before.
    pub bytes_before: u64,
    /// Bytes of `model.safetensors` after.
    pub bytes_after: u64,
    /// Matrices now stored as int8.
    pub quantized: usize,
    /// Tensors copied as they were.
    pub kept: usize,
}

/// Quantises a row-major matrix of `cols` columns per row: symmetric, one
/// scale per row (`max |row| / 127`, 1 for a row of zeros).
pub fn quantize_rows(values: &[f32], cols: usize) -> (Vec<i8>, Vec<f32>) {
    let cols = cols.max(1);
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols);
    for row in values.chunks(cols) {
        let s = int8_scale(row.iter().fold(0.0f32, |m, v| m.max(v.abs())));
        scales.push(s);
        q.extend(row.iter().map(|&v| to_int8(v, s)));
    }
    (q, scales)
}

/// The inverse of [`quantize_rows`] (up to its rounding).
pub fn dequantize_rows(q: &[i8], scales: &[f32], cols: usize) -> Vec<f32> {
    q.chunks(cols.max(1))
        .zip(scales)
        .flat_map(|(row, &s)| row.iter().map(move |&v| f32::from(v) * s))
        .collect()
}

/// One tensor to write, in any dtype.
struct Raw {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Writes a copy of the model directory `src` into `dst` whose
/// `model.safetensors` holds its large float matrices in int8 (see the
/// module docs). Every other file is copied unchanged. `dst` must not be a
/// model directory already, so nothing is overwritten by mistake.
pub fn compact_model_dir(
    src: &Path,
    dst: &Path,
    options: &CompactOptions,
) -> Result<CompactReport, TransformerError> {
    let io = |path: &Path, source: std::io::Error| TransformerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let manifest = read_manifest(src)?;
    if dst.join(crate::modeldir::MANIFEST_FILE).exists() {
        return Err(TransformerError::ModelDir {
            path: dst.to_path_buf(),
            message: "already holds a model; choose an empty or new directory".into(),
        });
    }
    fs::create_dir_all(dst).map_err(|e| io(dst, e))?;
    let weights = src.join(WEIGHTS_FILE);
    let bytes = fs::read(&weights).map_err(|e| io(&weights, e))?;
    let (tensors, report) = compact_tensors(&bytes, &weights, options)?;
    for entry in fs::read_dir(src).map_err(|e| io(src, e))? {
        let entry = entry.map_err(|e| io(src, e))?;
        let from = entry.path();
        if !from.is_file() || entry.file_name() == WEIGHTS_FILE {
            continue;
        }
        let to = dst.join(entry.file_name());
        fs::copy(&from, &to).map_err(|e| io(&from, e))?;
    }
    let out = dst.join(WEIGHTS_FILE);
    let metadata: HashMap<String, String> = [
        ("format".to_string(), "pt".to_string()),
        (
            STORAGE_KEY.to_string(),
            format!(
                "int8 rows with `{SCALE_SUFFIX}` companions; from {}",
                manifest.name
            ),
        ),
    ]
    .into_iter()
    .collect();
    let views = tensors.iter().map(|(n, t)| (n.as_str(), t));
    safetensors::serialize_to_file(views, Some(metadata), &out).map_err(|e| {
        TransformerError::Weights {
            path: out.clone(),
            message: format!("writing: {e}"),
        }
    })?;
    tweetner_core::safetensors_meta::sort_metadata(&out).map_err(|e| io(&out, e))?;
    let bytes_after = fs::metadata(&out).map_err(|e| io(&out, e))?.len();
    Ok(CompactReport {
        bytes_before: bytes.len() as u64,
        bytes_after,
        ..report
    })
}

/// Whether the model directory's weights were written by
/// [`compact_model_dir`]. Such a model runs its linear layers in int8
/// ([`crate::TransformerTagger::load`]): they are the stored integers, so
/// the f32 path would only be slower. Reads the file's header, not its tensors.
pub fn is_compacted(dir: &Path) -> Result<bool, TransformerError> {
    use std::io::Read;
    let path = dir.join(WEIGHTS_FILE);
    let err = |message: String| TransformerError::Weights {
        path: path.clone(),
        message,
    };
    let mut f = fs::File::open(&path).map_err(|source| TransformerError::Io {
        path: path.clone(),
        source,
    })?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len)
        .map_err(|e| err(format!("reading the header length: {e}")))?;
    let len = u64::from_le_bytes(len);
    // safetensors caps headers at 100 MB; anything longer is not one.
    if len > 100_000_000 {
        return Err(err(format!(
            "header of {len} bytes: not a safetensors file"
        )));
    }
    let mut header = vec![0u8; len as usize];
    f.read_exact(&mut header)
        .map_err(|e| err(format!("reading the header: {e}")))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| err(format!("header is not JSON: {e}")))?;
    Ok(header
        .get("__metadata__")
        .and_then(|m| m.get(STORAGE_KEY))
        .is_some())
}

/// The tensors of one safetensors buffer with its large float matrices
/// quantised.
fn compact_tensors(
    bytes: &[u8],
    path: &Path,
    options: &CompactOptions,
) -> Result<(Vec<(String, Raw)>, CompactReport), TransformerError> {
    let err = |message: String| TransformerError::Weights {
        path: path.to_path_buf(),
        message,
    };
    let st =
        SafeTensors::deserialize(bytes).map_err(|e| err(format!("not a safetensors file: {e}")))?;
    let mut out = Vec::new();
    let mut report = CompactReport {
        bytes_before: 0,
        bytes_after: 0,
        quantized: 0,
        kept: 0,
    };
    let mut names = st.names();
    names.sort();
    for name in names {
        let view = st
            .tensor(name)
            .map_err(|e| err(format!("tensor `{name}`: {e}")))?;
        let shape = view.shape().to_vec();
        let large = shape.len() == 2 && shape[0] * shape[1] >= options.min_elements;
        let values = if large {
            floats(view.dtype(), view.data())
        } else {
            None
        };
        match values {
            Some(values) => {
                let (q, scales) = quantize_rows(&values, shape[1]);
                out.push((
                    name.to_string(),
                    Raw {
                        dtype: Dtype::I8,
                        shape: shape.clone(),
                        data: q.iter().map(|&v| v as u8).collect(),
                    },
                ));
                out.push((
                    format!("{name}{SCALE_SUFFIX}"),
                    Raw {
                        dtype: Dtype::F32,
                        shape: vec![shape[0]],
                        data: scales.iter().flat_map(|s| s.to_le_bytes()).collect(),
                    },
                ));
                report.quantized += 1;
            }
            None => {
                out.push((
                    name.to_string(),
                    Raw {
                        dtype: view.dtype(),
                        shape,
                        data: view.data().to_vec(),
                    },
                ));
                report.kept += 1;
            }
        }
    }
    Ok((out, report))
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;
