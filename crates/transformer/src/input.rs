//! Padded encoder inputs and MPNet's relative-position buckets.

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::config::{Architecture, EncoderConfig, MPNET_MAX_DISTANCE};
use crate::error::TransformerError;

/// A right-padded batch of token-id rows, checked against an encoder's
/// config and ready for [`crate::Encoder::forward`].
#[derive(Debug, Clone)]
pub struct EncoderInput {
    /// Token ids `[B, T]`, padded with the config's padding id.
    pub ids: Tensor<2, Int>,
    /// `true` at padding positions `[B, T]`; attention never reads them.
    pub pad_mask: Tensor<2, Bool>,
    /// Absolute position ids `[B, T]`.
    pub positions: Tensor<2, Int>,
    /// Real length of each row (special tokens included).
    pub lengths: Vec<usize>,
}

impl EncoderInput {
    /// Pad `rows` (each a full model input, special tokens included) into a
    /// batch. Rejects an empty batch, empty rows, rows longer than the
    /// position table allows and ids outside the vocabulary.
    pub fn new(
        config: &EncoderConfig,
        rows: &[Vec<u32>],
        device: &Device,
    ) -> Result<Self, TransformerError> {
        if rows.is_empty() {
            return Err(TransformerError::Input("empty batch".into()));
        }
        let max_len = config.max_input_len();
        let mut t = 0;
        for (r, row) in rows.iter().enumerate() {
            if row.is_empty() {
                return Err(TransformerError::Input(format!("row {r} is empty")));
            }
            if row.len() > max_len {
                return Err(TransformerError::Input(format!(
                    "row {r} has {} tokens, the encoder takes at most {max_len}",
                    row.len()
                )));
            }
            if let Some(&id) = row.iter().find(|&&id| id as usize >= config.vocab_size) {
                return Err(TransformerError::Input(format!(
                    "row {r} holds token id {id}, outside the vocabulary of {}",
                    config.vocab_size
                )));
            }
            t = t.max(row.len());
        }
        let b = rows.len();
        let pad = config.pad_token_id() as i64;
        let first = config.first_position() as i64;
        let mut ids = vec![pad; b * t];
        let mut mask = vec![true; b * t];
        // Padding rows get the padding id's position, as MPNet/RoBERTa do;
        // their outputs are never read, so BERT's choice does not matter.
        let pad_position = match config.model_type {
            Architecture::Bert => 0,
            Architecture::Mpnet => pad,
        };
        let mut positions = vec![pad_position; b * t];
        for (r, row) in rows.iter().enumerate() {
            for (j, &id) in row.iter().enumerate() {
                ids[r * t + j] = id as i64;
                mask[r * t + j] = false;
                positions[r * t + j] = first + j as i64;
            }
        }
        Ok(EncoderInput {
            ids: Tensor::from_data(TensorData::new(ids, [b, t]), device),
            pad_mask: Tensor::from_data(TensorData::new(mask, [b, t]), device),
            positions: Tensor::from_data(TensorData::new(positions, [b, t]), device),
            lengths: rows.iter().map(Vec::len).collect(),
        })
    }

    /// `[B, T]`.
    pub fn dims(&self) -> [usize; 2] {
        self.ids.dims()
    }
}

/// MPNet's bucket for a relative position `relative = key − query`.
///
/// Half the buckets are for keys before the query, half for keys after. In
/// each half, the first quarter of all buckets are exact distances `0..q`
/// (`q = num_buckets / 4`); larger distances share logarithmically wider
/// buckets up to [`MPNET_MAX_DISTANCE`], beyond which all share the last one.
/// The logarithm is taken in `f32`, the precision the checkpoints were
/// trained with, so bucket edges fall where they did in training.
pub fn relative_bucket(relative: i64, num_buckets: usize) -> usize {
    let half = num_buckets / 2;
    let offset = if relative > 0 { half } else { 0 };
    let n = relative.unsigned_abs() as usize;
    let exact = half / 2;
    if n < exact {
        return offset + n;
    }
    let ratio =
        (n as f32 / exact as f32).ln() / ((MPNET_MAX_DISTANCE as f64 / exact as f64).ln() as f32);
    let large = exact + (ratio * (half - exact) as f32) as usize;
    offset + large.min(half - 1)
}

/// Buckets for every (query, key) pair of a length-`t` input, row-major `[t, t]`.
pub fn relative_buckets(t: usize, num_buckets: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(t * t);
    for q in 0..t {
        for k in 0..t {
            out.push(relative_bucket(k as i64 - q as i64, num_buckets) as i64);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_near_monotone_far_and_capped() {
        let nb = 32;
        for d in 0..8i64 {
            assert_eq!(relative_bucket(-d, nb), d as usize);
            if d > 0 {
                assert_eq!(relative_bucket(d, nb), 16 + d as usize);
            }
        }
        assert_eq!(relative_bucket(0, nb), 0);
        let mut last = 0;
        for d in 8..600i64 {
            let b = relative_bucket(-d, nb);
            assert!(b >= last && b < 16, "distance {d} -> {b}");
            assert_eq!(relative_bucket(d, nb), b + 16);
            last = b;
        }
        // Everything at or beyond the maximum distance shares the last bucket
        // of its half; well inside it, distances are still told apart.
        for d in MPNET_MAX_DISTANCE as i64..MPNET_MAX_DISTANCE as i64 + 50 {
            assert_eq!((relative_bucket(-d, nb), relative_bucket(d, nb)), (15, 31));
        }
        assert!(relative_bucket(-64, nb) < 15);
        assert!(relative_bucket(-16, nb) < relative_bucket(-64, nb));
        let grid = relative_buckets(3, nb);
        assert_eq!(grid.len(), 9);
        assert_eq!(grid[2], relative_bucket(2, nb) as i64);
        assert_eq!(grid[2 * 3], relative_bucket(-2, nb) as i64);
    }
}
