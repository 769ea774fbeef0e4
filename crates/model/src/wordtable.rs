//! The word embedding table of [`crate::FastBiLstmCrf`], kept in the precision it was
//! stored in, and read straight from a `weights.safetensors` file.
//!
//! The table is most of a model's parameters (50k words × 100 dims). Going through
//! burn to load it costs three full `f32` copies at once (the randomly initialised
//! parameter, the loaded one, the plain copy for fast inference), which made loading
//! the peak of a tagger's memory; a model saved with half-precision embeddings also
//! doubled in memory. Read directly, the table costs its stored size once, and
//! widening one row to `f32` per token is negligible next to the BiLSTM.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use burn::tensor::f16;
use serde::Deserialize;

use crate::error::ModelError;

/// Rows of word vectors, `f32` or `f16`.
#[derive(Debug, Clone)]
pub struct WordTable {
    dim: usize,
    data: WordData,
}

#[derive(Debug, Clone)]
enum WordData {
    F32(Vec<f32>),
    F16(Vec<f16>),
}

impl WordTable {
    /// A table of `values.len() / dim` rows.
    pub fn from_f32(values: Vec<f32>, dim: usize) -> Result<Self, ModelError> {
        Self::check(values.len(), dim)?;
        Ok(WordTable {
            dim,
            data: WordData::F32(values),
        })
    }

    /// A half-precision table of `values.len() / dim` rows.
    pub fn from_f16(values: Vec<f16>, dim: usize) -> Result<Self, ModelError> {
        Self::check(values.len(), dim)?;
        Ok(WordTable {
            dim,
            data: WordData::F16(values),
        })
    }

    fn check(len: usize, dim: usize) -> Result<(), ModelError> {
        if dim == 0 || !len.is_multiple_of(dim) {
            return Err(ModelError::Shape(format!(
                "word table of {len} values is not a whole number of rows of {dim}"
            )));
        }
        Ok(())
    }

    /// Whether every value is a finite number (a NaN in a table would give
    /// every text containing that word nonsense scores).
    pub fn all_finite(&self) -> bool {
        match &self.data {
            WordData::F32(v) => v.iter().all(|x| x.is_finite()),
            WordData::F16(v) => v.iter().all(|x| x.is_finite()),
        }
    }

    /// Number of rows (words).
    pub fn rows(&self) -> usize {
        let len = match &self.data {
            WordData::F32(v) => v.len(),
            WordData::F16(v) => v.len(),
        };
        len / self.dim
    }

    /// Vector width.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Whether the values are stored in half precision.
    pub fn is_f16(&self) -> bool {
        matches!(self.data, WordData::F16(_))
    }

    /// Copy row `id` into `dst` (`dim` values). The caller checked `id < rows()`.
    pub fn copy_row(&self, id: usize, dst: &mut [f32]) {
        let range = id * self.dim..(id + 1) * self.dim;
        match &self.data {
            WordData::F32(v) => dst.copy_from_slice(&v[range]),
            WordData::F16(v) => {
                for (d, s) in dst.iter_mut().zip(&v[range]) {
                    *d = s.to_f32();
                }
            }
        }
    }

    /// Read the 2-D tensor `name` from a safetensors file (F32 or F16), reading only its
    /// bytes. Errors name the file.
    pub fn read_safetensors(path: &Path, name: &str) -> Result<Self, ModelError> {
        let bad = |message: String| ModelError::Weights {
            path: path.to_path_buf(),
            message,
        };
        let mut file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
        let file_len = file.metadata().map_err(|e| bad(e.to_string()))?.len();
        let mut len8 = [0u8; 8];
        file.read_exact(&mut len8)
            .map_err(|e| bad(format!("reading the header length: {e}")))?;
        let header_len = u64::from_le_bytes(len8);
        if header_len > 100_000_000 || 8 + header_len > file_len {
            return Err(bad(format!(
                "header length {header_len} does not fit the file"
            )));
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact(&mut header)
            .map_err(|e| bad(format!("reading the header: {e}")))?;
        let mut entries: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&header).map_err(|e| bad(format!("header: {e}")))?;
        let entry = entries
            .remove(name)
            .ok_or_else(|| bad(format!("no tensor {name:?}")))?;
        let info: TensorInfo =
            serde_json::from_value(entry).map_err(|e| bad(format!("tensor {name:?}: {e}")))?;
        let [rows, dim] = info.shape[..] else {
            return Err(bad(format!(
                "tensor {name:?} has shape {:?}, expected 2 dimensions",
                info.shape
            )));
        };
        let width = match info.dtype.as_str() {
            "F32" => 4,
            "F16" => 2,
            other => return Err(bad(format!("tensor {name:?} has dtype {other}"))),
        };
        let [start, end] = info.data_offsets;
        let expected = rows
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(width))
            .ok_or_else(|| bad(format!("tensor {name:?} shape overflows")))?;
        if end < start || (end - start) as usize != expected {
            return Err(bad(format!(
                "tensor {name:?}: {} bytes for shape {:?} {}",
                end.saturating_sub(start),
                info.shape,
                info.dtype
            )));
        }
        let data_start = 8 + header_len + start;
        if data_start + (end - start) > file_len {
            return Err(bad(format!(
                "tensor {name:?} runs past the end of the file"
            )));
        }
        file.seek(SeekFrom::Start(data_start))
            .map_err(|e| bad(e.to_string()))?;
        let mut bytes = vec![0u8; expected];
        file.read_exact(&mut bytes)
            .map_err(|e| bad(format!("reading tensor {name:?}: {e}")))?;
        if width == 2 {
            let values = bytes
                .chunks_exact(2)
                .map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])))
                .collect();
            Self::from_f16(values, dim)
        } else {
            let values = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Self::from_f32(values, dim)
        }
    }
}

/// One tensor's entry in a safetensors header.
#[derive(Debug, Deserialize)]
struct TensorInfo {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A safetensors file with the given tensors (name, dtype, shape, raw bytes).
    fn write_file(path: &Path, tensors: &[(&str, &str, Vec<usize>, Vec<u8>)]) {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, dtype, shape, bytes) in tensors {
            let start = data.len();
            data.extend_from_slice(bytes);
            header.insert(
                name.to_string(),
                serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [start, data.len()]}),
            );
        }
        let h = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&h);
        out.extend_from_slice(&data);
        std::fs::write(path, out).unwrap_or_default();
    }

    #[test]
    fn reads_f16_and_f32_rows() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("w.safetensors");
        let halves: Vec<u8> = [0.5f32, -1.0, 2.0, 0.25, 3.0, -0.125]
            .iter()
            .flat_map(|&v| f16::from_f32(v).to_bits().to_le_bytes())
            .collect();
        let floats: Vec<u8> = [1.5f32, 2.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        write_file(
            &path,
            &[
                ("other", "F32", vec![2], floats.clone()),
                ("emb", "F16", vec![3, 2], halves),
                ("emb32", "F32", vec![1, 2], floats),
            ],
        );
        let t = WordTable::read_safetensors(&path, "emb").unwrap_or_else(|e| panic!("{e}"));
        assert!(t.is_f16());
        assert_eq!((t.rows(), t.dim()), (3, 2));
        let mut row = [0.0f32; 2];
        t.copy_row(2, &mut row);
        assert_eq!(row, [3.0, -0.125]);
        let t = WordTable::read_safetensors(&path, "emb32").unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.is_f16());
        t.copy_row(0, &mut row);
        assert_eq!(row, [1.5, 2.5]);
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("w.safetensors");
        write_file(&path, &[("v", "F32", vec![2], vec![0; 8])]);
        for name in ["absent", "v"] {
            let err = WordTable::read_safetensors(&path, name)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("w.safetensors"), "{err}");
        }
        // Offsets that do not match the shape.
        write_file(&path, &[("m", "F32", vec![2, 2], vec![0; 8])]);
        assert!(WordTable::read_safetensors(&path, "m").is_err());
        // Truncated file.
        std::fs::write(&path, [200u8, 0, 0, 0, 0, 0, 0, 0, b'{']).unwrap_or_default();
        assert!(WordTable::read_safetensors(&path, "m").is_err());
        assert!(WordTable::from_f32(vec![0.0; 5], 2).is_err());
    }
}
