//! The character CNN of [`crate::FastBiLstmCrf`], as table lookups.
//!
//! Why: a convolution over character embeddings is linear in each window
//! position's embedding, and the embedding of a character never changes at
//! inference. So the product of every character's embedding with every
//! kernel offset's weights (`V_c × K × F`, 300 KB in the shipped model) is
//! computed once, at load, and a position's filter responses are the bias
//! plus `K` rows of that table. The per-token matmul over an im2col buffer
//! (the buffer written twice, 75 multiply-adds per filter and character) is
//! gone; the result equals it up to the order of `f32` additions.

use crate::charenc::CharCnn;
use crate::error::ModelError;
use crate::util::tensor_to_vec;
use tweetner_kernels::tanh_slice;

/// Character CNN weights, folded into per-character tables.
#[derive(Debug, Clone)]
pub(crate) struct FastCharCnn {
    /// `[V_c, K, F]`: character `c` at kernel offset `k` adds row `c·K + k`.
    table: Vec<f32>,
    kernel: usize,
    filters: usize,
    bias: Vec<f32>,
}

impl FastCharCnn {
    pub(crate) fn from_burn(cnn: &CharCnn) -> Result<Self, ModelError> {
        let [filters, dim, kernel] = cnn.conv.weight.dims();
        // burn's Conv1d weight is `[F, E, K]`.
        let w = tensor_to_vec(cnn.conv.weight.val())?;
        let emb = tensor_to_vec(cnn.embedding.weight.val())?;
        let vocab = emb.len() / dim.max(1);
        let mut table = vec![0.0f32; vocab * kernel * filters];
        for c in 0..vocab {
            let e_row = &emb[c * dim..(c + 1) * dim];
            for k in 0..kernel {
                let dst = &mut table[(c * kernel + k) * filters..(c * kernel + k + 1) * filters];
                for (f, out) in dst.iter_mut().enumerate() {
                    *out = e_row
                        .iter()
                        .enumerate()
                        .map(|(e, v)| v * w[(f * dim + e) * kernel + k])
                        .sum();
                }
            }
        }
        let bias = match &cnn.conv.bias {
            Some(b) => tensor_to_vec(b.val())?,
            None => vec![0.0; filters],
        };
        Ok(FastCharCnn {
            table,
            kernel,
            filters,
            bias,
        })
    }

    /// Whether every folded weight is a finite number.
    pub(crate) fn all_finite(&self) -> bool {
        self.table.iter().chain(&self.bias).all(|x| x.is_finite())
    }

    /// Write each word's encoding (max over positions of the filter
    /// responses, then `tanh`, as in training) into columns `col..col+F` of
    /// `x: [N, stride]`, reading at most `cap` characters per word; a word
    /// without characters keeps zeros.
    pub(crate) fn encode(
        &self,
        words: &[&Vec<u32>],
        x: &mut [f32],
        stride: usize,
        col: usize,
        cap: usize,
    ) {
        let (k, f) = (self.kernel, self.filters);
        let pad = (k - 1) / 2;
        let mut acc = vec![0.0f32; f];
        for (tok, cs) in words.iter().enumerate() {
            let cs = &cs[..cs.len().min(cap)];
            if cs.is_empty() {
                continue;
            }
            let dst = &mut x[tok * stride + col..tok * stride + col + f];
            dst.fill(f32::NEG_INFINITY);
            for p in 0..cs.len() {
                acc.copy_from_slice(&self.bias);
                // Offsets whose character falls outside the word see zero padding.
                for kk in pad.saturating_sub(p)..k.min(cs.len() + pad - p) {
                    let ch = cs[p + kk - pad] as usize;
                    let row = &self.table[(ch * k + kk) * f..(ch * k + kk + 1) * f];
                    acc.iter_mut().zip(row).for_each(|(a, v)| *a += v);
                }
                dst.iter_mut().zip(&acc).for_each(|(d, a)| *d = d.max(*a));
            }
            tanh_slice(dst);
        }
    }
}
