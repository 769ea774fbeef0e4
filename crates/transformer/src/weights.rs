//! Reading named tensors out of a Hugging Face `model.safetensors`.
//!
//! Checkpoints are read with the `safetensors` crate and converted to burn
//! tensors here rather than through burn's store, because the mapping is not
//! one-to-one: PyTorch linears are stored `[out, in]` while burn's are
//! `[in, out]`, some checkpoints prefix every name with `bert.` / `mpnet.`, and
//! a missing or misshapen tensor should name the tensor and the file.

use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

use crate::compact::{dequantize_rows, SCALE_SUFFIX};
use crate::error::TransformerError;

/// The suffix every BERT-like checkpoint has; what precedes it is the prefix.
const ANCHOR: &str = "embeddings.word_embeddings.weight";

/// Named-tensor access to one parsed safetensors buffer.
pub struct WeightReader<'a> {
    tensors: SafeTensors<'a>,
    path: PathBuf,
    prefix: String,
}

impl<'a> WeightReader<'a> {
    /// Parse `bytes` (the content of `path`) and find the name prefix shared
    /// by the encoder's tensors (`""` for a bare encoder, `"bert."` for a
    /// task checkpoint, …).
    pub fn new(bytes: &'a [u8], path: &Path) -> Result<Self, TransformerError> {
        let err = |message: String| TransformerError::Weights {
            path: path.to_path_buf(),
            message,
        };
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| err(format!("not a safetensors file: {e}")))?;
        let mut prefixes: Vec<String> = tensors
            .names()
            .into_iter()
            .filter_map(|n| n.strip_suffix(ANCHOR))
            .filter(|p| p.is_empty() || p.ends_with('.'))
            .map(str::to_string)
            .collect();
        prefixes.sort();
        let prefix = match prefixes.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(err(format!(
                    "no tensor named `{ANCHOR}` (is this an encoder?)"
                )))
            }
            many => return Err(err(format!("several encoders in one file: {many:?}"))),
        };
        Ok(WeightReader {
            tensors,
            path: path.to_path_buf(),
            prefix,
        })
    }

    /// The detected name prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether `name` (without prefix) is present.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors
            .tensor(&format!("{}{name}", self.prefix))
            .is_ok()
    }

    fn err(&self, message: String) -> TransformerError {
        TransformerError::Weights {
            path: self.path.clone(),
            message,
        }
    }

    /// Tensor `name` (without prefix) as flat `f32`, checked against `shape`.
    pub fn values(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, TransformerError> {
        self.unprefixed_values(&format!("{}{name}", self.prefix), shape)
    }

    /// Tensor `full` (exact name, no prefix added: a task head's
    /// `classifier.weight` sits beside the encoder's prefix) as flat `f32`.
    pub fn unprefixed_values(
        &self,
        full: &str,
        shape: &[usize],
    ) -> Result<Vec<f32>, TransformerError> {
        let full = full.to_string();
        let view = self
            .tensors
            .tensor(&full)
            .map_err(|_| self.err(format!("missing tensor `{full}`")))?;
        if view.shape() != shape {
            return Err(self.err(format!(
                "tensor `{full}` has shape {:?}, the config implies {shape:?}",
                view.shape()
            )));
        }
        let values = match view.dtype() {
            Dtype::I8 => self.int8_values(&full, view.data(), shape)?,
            dtype => floats(dtype, view.data()).ok_or_else(|| {
                self.err(format!(
                    "tensor `{full}` has dtype {dtype:?}; only float tensors and int8 \
                     matrices with `{SCALE_SUFFIX}` rows are supported"
                ))
            })?,
        };
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(self.err(format!(
                "tensor `{full}` holds a non-finite value at flat index {bad}"
            )));
        }
        Ok(values)
    }

    /// An int8 matrix of a compacted model directory ([`crate::compact`]):
    /// each row times its scale from `{full}_scale`.
    fn int8_values(
        &self,
        full: &str,
        bytes: &[u8],
        shape: &[usize],
    ) -> Result<Vec<f32>, TransformerError> {
        let [rows, cols] = shape else {
            return Err(self.err(format!(
                "tensor `{full}` is int8 with shape {shape:?}; only matrices are stored so"
            )));
        };
        let scale_name = format!("{full}{SCALE_SUFFIX}");
        let scales = self
            .tensors
            .tensor(&scale_name)
            .ok()
            .filter(|v| v.shape() == [*rows])
            .and_then(|v| floats(v.dtype(), v.data()))
            .ok_or_else(|| {
                self.err(format!(
                    "int8 tensor `{full}` needs `{scale_name}`: {rows} float scales, one per row"
                ))
            })?;
        if let Some(bad) = scales.iter().position(|s| !s.is_finite() || *s < 0.0) {
            return Err(self.err(format!(
                "`{scale_name}` row {bad} is {}; scales are finite and not negative",
                scales[bad]
            )));
        }
        let q: Vec<i8> = bytes.iter().map(|&b| b as i8).collect();
        Ok(dequantize_rows(&q, &scales, *cols))
    }

    /// A `[rows, dim]` embedding table.
    pub fn embedding(
        &self,
        name: &str,
        rows: usize,
        dim: usize,
        device: &Device,
    ) -> Result<Embedding, TransformerError> {
        let values = self.values(&format!("{name}.weight"), &[rows, dim])?;
        let mut e = EmbeddingConfig::new(rows, dim).init(device);
        e.weight = Param::from_tensor(tensor2(values, [rows, dim], device));
        Ok(e)
    }

    /// A linear layer stored PyTorch-style (`weight [out, in]`, `bias [out]`),
    /// transposed into burn's `[in, out]`.
    pub fn linear(
        &self,
        name: &str,
        d_in: usize,
        d_out: usize,
        device: &Device,
    ) -> Result<Linear, TransformerError> {
        let w = self.values(&format!("{name}.weight"), &[d_out, d_in])?;
        let b = self.values(&format!("{name}.bias"), &[d_out])?;
        // Transpose on the host so the tensor is contiguous `[in, out]`, as a
        // freshly initialised one is (a strided view would make matmuls
        // take another path and sum in another order).
        let mut t = vec![0.0f32; w.len()];
        for (o, row) in w.chunks_exact(d_in).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                t[i * d_out + o] = v;
            }
        }
        let mut l = LinearConfig::new(d_in, d_out).init(device);
        l.weight = Param::from_tensor(tensor2(t, [d_in, d_out], device));
        l.bias = Some(Param::from_tensor(tensor1(b, device)));
        Ok(l)
    }

    /// A LayerNorm (`weight`/`bias`, or the older `gamma`/`beta` names).
    pub fn layer_norm(
        &self,
        name: &str,
        dim: usize,
        eps: f64,
        device: &Device,
    ) -> Result<LayerNorm, TransformerError> {
        let (w, b) = if self.contains(&format!("{name}.gamma")) {
            ("gamma", "beta")
        } else {
            ("weight", "bias")
        };
        let gamma = self.values(&format!("{name}.{w}"), &[dim])?;
        let beta = self.values(&format!("{name}.{b}"), &[dim])?;
        let mut ln = LayerNormConfig::new(dim).with_epsilon(eps).init(device);
        ln.gamma = Param::from_tensor(tensor1(gamma, device));
        ln.beta = Some(Param::from_tensor(tensor1(beta, device)));
        Ok(ln)
    }
}

/// Little-endian float bytes of `dtype` as `f32`; `None` for other dtypes.
pub(crate) fn floats(dtype: Dtype, bytes: &[u8]) -> Option<Vec<f32>> {
    Some(match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                f64::from_le_bytes(a) as f32
            })
            .collect(),
        _ => return None,
    })
}

fn tensor1(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

fn tensor2(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, shape), device)
}
