//! Character-level word encoders: a CNN with masked max-pooling, or a BiLSTM
//! whose final states are concatenated.
//!
//! Both run only on real tokens (padding positions of the `[B, T]` grid are
//! compacted away first and get a zero vector back), and both make a token's
//! encoding independent of how many characters other tokens in the batch
//! have: the CNN zeroes padded character embeddings (so they look exactly like
//! the convolution's own zero padding) and masks them out of the max; the
//! LSTM reads each token's real characters only.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Embedding, EmbeddingConfig, PaddingConfig1d};
use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::batch::reverse_index;
use crate::labels::FORBIDDEN;
use crate::lstm::{reorder_time, LstmDirection};
use crate::util::{float_tensor, int_tensor};

/// Which character encoder to use, and its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CharEncoderConfig {
    /// No character features.
    None,
    /// Convolution over character embeddings, then max over positions.
    Cnn {
        /// Number of filters (output width).
        filters: usize,
        /// Window width in characters; must be odd so windows centre on a character.
        kernel_size: usize,
    },
    /// Bidirectional LSTM over characters; output is both final states.
    Lstm {
        /// Hidden size per direction (output width is twice this).
        hidden: usize,
    },
}

impl CharEncoderConfig {
    /// Width of the per-token vector this encoder produces.
    pub fn output_dim(&self) -> usize {
        match self {
            CharEncoderConfig::None => 0,
            CharEncoderConfig::Cnn { filters, .. } => *filters,
            CharEncoderConfig::Lstm { hidden } => 2 * hidden,
        }
    }
}

/// Indices of the real (non-empty) tokens and, for every grid position, its
/// row in the compacted table (`n_real` = the appended zero row for padding).
struct Compaction {
    real: Vec<i64>,
    lengths: Vec<usize>,
    scatter: Vec<i64>,
}

fn compact(char_lengths: &[usize]) -> Compaction {
    let mut real = Vec::new();
    let mut lengths = Vec::new();
    for (p, &n) in char_lengths.iter().enumerate() {
        if n > 0 {
            real.push(p as i64);
            lengths.push(n);
        }
    }
    let n_real = real.len() as i64;
    let mut next = 0i64;
    let scatter = char_lengths
        .iter()
        .map(|&n| {
            if n > 0 {
                next += 1;
                next - 1
            } else {
                n_real
            }
        })
        .collect();
    Compaction {
        real,
        lengths,
        scatter,
    }
}

/// Run `encode` on the real tokens of `char_ids: [B, T, C]` and scatter the
/// `[n, F]` result back to `[B, T, F]` with zeros elsewhere.
fn on_real_tokens(
    char_ids: Tensor<3, Int>,
    char_lengths: &[usize],
    out_dim: usize,
    encode: impl FnOnce(Tensor<2, Int>, &[usize]) -> Tensor<2>,
) -> Tensor<3> {
    let [b, t, c] = char_ids.dims();
    let device = char_ids.device();
    let comp = compact(char_lengths);
    let n = comp.real.len();
    if n == 0 {
        return Tensor::zeros([b, t, out_dim], &device);
    }
    let ids = char_ids
        .reshape([b * t, c])
        .select(0, int_tensor(comp.real, [n], &device));
    let encoded = encode(ids, &comp.lengths);
    let table = Tensor::cat(vec![encoded, Tensor::zeros([1, out_dim], &device)], 0);
    table
        .select(0, int_tensor(comp.scatter, [b * t], &device))
        .reshape([b, t, out_dim])
}

/// Character CNN encoder.
#[derive(Module, Debug)]
pub struct CharCnn {
    /// Character embeddings `[V_c, E]`.
    pub embedding: Embedding,
    /// Convolution `E → filters` over the character axis.
    pub conv: Conv1d,
}

impl CharCnn {
    /// Fresh encoder.
    pub fn new(
        vocab: usize,
        dim: usize,
        filters: usize,
        kernel_size: usize,
        device: &Device,
    ) -> Self {
        CharCnn {
            embedding: EmbeddingConfig::new(vocab, dim).init(device),
            conv: Conv1dConfig::new(dim, filters, kernel_size)
                .with_padding(PaddingConfig1d::Same)
                .init(device),
        }
    }

    /// `char_ids: [B, T, C]` → `[B, T, filters]`.
    pub fn forward(&self, char_ids: Tensor<3, Int>, char_lengths: &[usize]) -> Tensor<3> {
        let [filters, _, _] = self.conv.weight.dims();
        on_real_tokens(char_ids, char_lengths, filters, |ids, lengths| {
            let [n, c] = ids.dims();
            let device = ids.device();
            let mut keep = vec![0.0f32; n * c];
            let mut penalty = vec![FORBIDDEN; n * c];
            for (i, &len) in lengths.iter().enumerate() {
                keep[i * c..i * c + len].fill(1.0);
                penalty[i * c..i * c + len].fill(0.0);
            }
            let emb = self.embedding.forward(ids) * float_tensor(keep, [n, c, 1], &device);
            let conv = self.conv.forward(emb.swap_dims(1, 2)); // [n, F, C]
            let masked = conv + float_tensor(penalty, [n, 1, c], &device);
            // tanh is increasing, so the max of the tanh is the tanh of the max:
            // one tanh per filter instead of one per character, forward and backward
            // (a fifth of a training step went to tanh).
            masked.max_dim(2).reshape([n, filters]).tanh()
        })
    }
}

/// Character BiLSTM encoder.
#[derive(Module, Debug)]
pub struct CharLstm {
    /// Character embeddings `[V_c, E]`.
    pub embedding: Embedding,
    /// Left-to-right direction.
    pub forward: LstmDirection,
    /// Right-to-left direction.
    pub backward: LstmDirection,
}

impl CharLstm {
    /// Fresh encoder.
    pub fn new(vocab: usize, dim: usize, hidden: usize, device: &Device) -> Self {
        CharLstm {
            embedding: EmbeddingConfig::new(vocab, dim).init(device),
            forward: LstmDirection::new(dim, hidden, device),
            backward: LstmDirection::new(dim, hidden, device),
        }
    }

    /// `char_ids: [B, T, C]` → `[B, T, 2H]`.
    pub fn forward(&self, char_ids: Tensor<3, Int>, char_lengths: &[usize]) -> Tensor<3> {
        let h = self.forward.d_hidden;
        on_real_tokens(char_ids, char_lengths, 2 * h, |ids, lengths| {
            let [n, c] = ids.dims();
            let device = ids.device();
            let emb = self.embedding.forward(ids); // [n, C, E]
            let rev = int_tensor(reverse_index(lengths, c), [n * c], &device);
            let last: Vec<i64> = lengths
                .iter()
                .enumerate()
                .map(|(i, &len)| (i * c + len - 1) as i64)
                .collect();
            let last = int_tensor(last, [n], &device);
            let fwd = self.forward.forward(emb.clone());
            let bwd = self.backward.forward(reorder_time(emb, rev));
            let pick = |states: Tensor<3>| states.reshape([n * c, h]).select(0, last.clone());
            Tensor::cat(vec![pick(fwd), pick(bwd)], 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::tensor_to_vec;

    /// Encode one token alone, then the same token padded inside a wider
    /// batch: the vectors must agree, and padding positions must be zero.
    fn check_batch_invariance(encode: impl Fn(Tensor<3, Int>, &[usize]) -> Tensor<3>, dim: usize) {
        let device = crate::cpu_device();
        let word = vec![3i64, 7, 2];
        let alone = encode(int_tensor(word.clone(), [1, 1, 3], &device), &[3]);
        let alone = tensor_to_vec(alone).expect("read");
        // Batch [1, 3, 6]: a longer token, our token, a padding position.
        let mut ids = vec![0i64; 18];
        ids[..6].copy_from_slice(&[1, 2, 3, 4, 5, 6]);
        ids[6..9].copy_from_slice(&word);
        let out = encode(int_tensor(ids, [1, 3, 6], &device), &[6, 3, 0]);
        let out = tensor_to_vec(out).expect("read");
        for (a, b) in alone.iter().zip(&out[dim..2 * dim]) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        assert!(out[2 * dim..].iter().all(|&x| x == 0.0));
        assert!(out[..dim].iter().any(|&x| x != 0.0));
    }

    #[test]
    fn cnn_is_batch_invariant() {
        let device = crate::cpu_device();
        device.seed(1);
        let cnn = CharCnn::new(10, 4, 5, 3, &device);
        check_batch_invariance(|ids, lens| cnn.forward(ids, lens), 5);
    }

    #[test]
    fn lstm_is_batch_invariant() {
        let device = crate::cpu_device();
        let lstm = CharLstm::new(10, 4, 3, &device);
        check_batch_invariance(|ids, lens| lstm.forward(ids, lens), 6);
    }

    #[test]
    fn compaction_maps_padding_to_the_zero_row() {
        let c = compact(&[2, 0, 1, 0]);
        assert_eq!(c.real, vec![0, 2]);
        assert_eq!(c.lengths, vec![2, 1]);
        assert_eq!(c.scatter, vec![0, 2, 1, 2]);
    }
}
