//! Padded tensor batches built from per-sentence feature vectors.

use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::util::{float_tensor, int_tensor};

/// Features of one sentence, as produced by the feature extractor.
///
/// Id `0` is padding for both words and characters; the extractor reserves
/// it, so real tokens and characters use ids `>= 1` (unknowns included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentenceInput {
    /// One word id per token.
    pub word_ids: Vec<u32>,
    /// Character ids of each token.
    pub char_ids: Vec<Vec<u32>>,
    /// Dense (hand-crafted) feature vector of each token; all of one length.
    pub dense: Vec<Vec<f32>>,
}

impl SentenceInput {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.word_ids.len()
    }

    /// Whether the sentence has no tokens.
    pub fn is_empty(&self) -> bool {
        self.word_ids.is_empty()
    }

    /// Check that every token has its character ids and dense row
    /// (`index`: the sentence's place in its batch, for the message).
    ///
    /// # Errors
    /// The three per-token lists differ in length.
    pub fn check_lengths(&self, index: usize) -> Result<(), ModelError> {
        if self.char_ids.len() != self.len() || self.dense.len() != self.len() {
            return Err(ModelError::Shape(format!(
                "sentence {index}: {} word ids, {} char id lists, {} dense rows",
                self.len(),
                self.char_ids.len(),
                self.dense.len()
            )));
        }
        Ok(())
    }
}

/// A padded batch: `B` sentences, `T` = longest sentence, `C` = longest token
/// (in characters, after any cap), `F` = dense feature width.
#[derive(Debug, Clone)]
pub struct TaggerBatch {
    /// `[B, T]` word ids, 0 on padding.
    pub word_ids: Tensor<2, Int>,
    /// `[B, T, C]` char ids, 0 on padding.
    pub char_ids: Tensor<3, Int>,
    /// `[B, T, F]` dense features, 0 on padding.
    pub dense: Tensor<3>,
    /// `[B, T]` 1.0 on real tokens, 0.0 on padding.
    pub mask: Tensor<2>,
    /// Real length of each sentence.
    pub lengths: Vec<usize>,
    /// Number of characters of each `(b, t)` position, row-major `[B * T]` (0 on padding).
    pub char_lengths: Vec<usize>,
    /// Largest word id present (0 if none), checked against the vocabulary.
    pub max_word_id: u32,
    /// Largest char id present (0 if none), checked against the vocabulary.
    pub max_char_id: u32,
    /// Dense feature width `F`.
    pub dense_dim: usize,
}

impl TaggerBatch {
    /// Pad `sentences` into tensors on `device`, keeping every character.
    pub fn from_features(sentences: &[SentenceInput], device: &Device) -> Result<Self, ModelError> {
        Self::from_features_capped(sentences, usize::MAX, device)
    }

    /// Like [`TaggerBatch::from_features`] but keeps at most `max_chars`
    /// characters per token, bounding the character encoder's cost on long
    /// tokens such as URLs.
    pub fn from_features_capped(
        sentences: &[SentenceInput],
        max_chars: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let b = sentences.len();
        let t_max = sentences.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut dense_dim: Option<usize> = None;
        let mut c_max = 1usize;
        for (i, s) in sentences.iter().enumerate() {
            s.check_lengths(i)?;
            for (j, row) in s.dense.iter().enumerate() {
                match dense_dim {
                    None => dense_dim = Some(row.len()),
                    Some(f) if f != row.len() => {
                        return Err(ModelError::Shape(format!(
                            "sentence {i} token {j}: {} dense features, expected {f}",
                            row.len()
                        )))
                    }
                    Some(_) => {}
                }
            }
            for chars in &s.char_ids {
                c_max = c_max.max(chars.len().min(max_chars));
            }
        }
        let f = dense_dim.unwrap_or(0);
        let mut words = vec![0i64; b * t_max];
        let mut chars = vec![0i64; b * t_max * c_max];
        let mut dense = vec![0.0f32; b * t_max * f];
        let mut mask = vec![0.0f32; b * t_max];
        let mut char_lengths = vec![0usize; b * t_max];
        let (mut max_word_id, mut max_char_id) = (0u32, 0u32);
        for (bi, s) in sentences.iter().enumerate() {
            for (ti, &w) in s.word_ids.iter().enumerate() {
                let pos = bi * t_max + ti;
                words[pos] = i64::from(w);
                max_word_id = max_word_id.max(w);
                mask[pos] = 1.0;
                let cs = &s.char_ids[ti];
                let n = cs.len().min(max_chars);
                char_lengths[pos] = n;
                for (ci, &c) in cs.iter().take(n).enumerate() {
                    chars[pos * c_max + ci] = i64::from(c);
                    max_char_id = max_char_id.max(c);
                }
                dense[pos * f..(pos + 1) * f].copy_from_slice(&s.dense[ti]);
            }
        }
        Ok(TaggerBatch {
            word_ids: int_tensor(words, [b, t_max], device),
            char_ids: int_tensor(chars, [b, t_max, c_max], device),
            dense: float_tensor(dense, [b, t_max, f], device),
            mask: float_tensor(mask, [b, t_max], device),
            lengths: sentences.iter().map(|s| s.len()).collect(),
            char_lengths,
            max_word_id,
            max_char_id,
            dense_dim: f,
        })
    }

    /// The same batch with its tensors moved to `device`.
    pub fn to_device(&self, device: &Device) -> Self {
        TaggerBatch {
            word_ids: self.word_ids.clone().to_device(device),
            char_ids: self.char_ids.clone().to_device(device),
            dense: self.dense.clone().to_device(device),
            mask: self.mask.clone().to_device(device),
            ..self.clone()
        }
    }

    /// The same batch detached from autodiff (for inference with a training-device batch).
    pub fn without_autodiff(&self) -> Self {
        TaggerBatch {
            word_ids: self.word_ids.clone().without_autodiff(),
            char_ids: self.char_ids.clone().without_autodiff(),
            dense: self.dense.clone().without_autodiff(),
            mask: self.mask.clone().without_autodiff(),
            ..self.clone()
        }
    }

    /// Batch size `B`.
    pub fn batch_size(&self) -> usize {
        self.lengths.len()
    }

    /// Padded length `T`.
    pub fn max_len(&self) -> usize {
        self.lengths.iter().copied().max().unwrap_or(0)
    }

    /// Flat `[B * T]` index that reverses each sentence within its length
    /// and leaves padding in place. Selecting rows of a `[B * T, D]` tensor
    /// with it turns "run backwards" into "run forwards", so padding always
    /// trails the real tokens in both directions. It is its own inverse.
    pub fn reverse_index(&self) -> Vec<i64> {
        reverse_index(&self.lengths, self.max_len())
    }
}

/// See [`TaggerBatch::reverse_index`]; `lengths` may be any per-row lengths.
pub fn reverse_index(lengths: &[usize], t_max: usize) -> Vec<i64> {
    let mut idx = Vec::with_capacity(lengths.len() * t_max);
    for (b, &len) in lengths.iter().enumerate() {
        for t in 0..t_max {
            let src = if t < len { len - 1 - t } else { t };
            idx.push((b * t_max + src) as i64);
        }
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::tensor_to_vec;

    fn sent(words: &[u32], dense_dim: usize) -> SentenceInput {
        SentenceInput {
            word_ids: words.to_vec(),
            char_ids: words.iter().map(|&w| vec![w; w as usize]).collect(),
            dense: words.iter().map(|&w| vec![w as f32; dense_dim]).collect(),
        }
    }

    #[test]
    fn pads_and_records_lengths() {
        let device = crate::cpu_device();
        let b =
            TaggerBatch::from_features(&[sent(&[3, 1], 2), sent(&[2], 2)], &device).expect("valid");
        assert_eq!(b.lengths, vec![2, 1]);
        assert_eq!(b.char_ids.dims(), [2, 2, 3]);
        assert_eq!(b.char_lengths, vec![3, 1, 2, 0]);
        assert_eq!(
            tensor_to_vec(b.mask).expect("read"),
            vec![1.0, 1.0, 1.0, 0.0]
        );
        assert_eq!(
            tensor_to_vec(b.dense).expect("read"),
            vec![3.0, 3.0, 1.0, 1.0, 2.0, 2.0, 0.0, 0.0]
        );
        assert_eq!((b.max_word_id, b.max_char_id, b.dense_dim), (3, 3, 2));
    }

    #[test]
    fn caps_characters() {
        let device = crate::cpu_device();
        let b = TaggerBatch::from_features_capped(&[sent(&[5, 1], 0)], 2, &device).expect("valid");
        assert_eq!(b.char_ids.dims(), [1, 2, 2]);
        assert_eq!(b.char_lengths, vec![2, 1]);
    }

    #[test]
    fn rejects_ragged_input() {
        let device = crate::cpu_device();
        let mut s = sent(&[1, 2], 3);
        s.dense[1].pop();
        assert!(TaggerBatch::from_features(&[s], &device).is_err());
        let mut s = sent(&[1, 2], 3);
        s.char_ids.pop();
        assert!(TaggerBatch::from_features(&[s], &device).is_err());
    }

    #[test]
    fn reverse_index_is_an_involution_that_keeps_padding() {
        let idx = reverse_index(&[3, 1, 0], 3);
        assert_eq!(idx, vec![2, 1, 0, 3, 4, 5, 6, 7, 8]);
        let twice: Vec<i64> = idx.iter().map(|&i| idx[i as usize]).collect();
        assert_eq!(twice, (0..9).collect::<Vec<i64>>());
    }
}
