//! Inference with a [`TokenClassifier`]: per-word scores in length-sorted,
//! dynamically padded batches on the plain (non-autodiff) device, decoded by
//! argmax (softmax head) or Viterbi (CRF head).
//!
//! Sorting tweets by piece count before batching keeps padding small — a
//! batch is only as wide as its longest window — and the result for a tweet
//! never depends on its batch mates (padded keys are masked out), so output
//! order and values do not depend on batch size or thread count.

use std::sync::Mutex;

use burn::tensor::Device;
use tweetner_model::labels::BioTag;
use tweetner_model::predict::{spans_of, CrfDecoder, PredictedSpan, Prediction};

use crate::error::TransformerError;
use crate::fast::FastClassifier;
use crate::head::{HeadSpec, TokenClassifier};
use crate::subword::{AlignedSentence, SubwordTokenizer};

/// Tweets per inference batch: large enough to amortise the per-call cost of
/// the backend, small enough that a batch of similar lengths wastes little
/// on padding.
pub const INFERENCE_BATCH: usize = 32;

/// Per-word label scores of each tweet, flat `[words × labels]` (the linear
/// layer's output at each word's first piece; empty for an empty tweet).
///
/// `threads` batches run at once (each on one rayon worker of the current
/// pool); the backend itself may use further workers of the same pool.
pub fn word_scores(
    model: &TokenClassifier,
    tokenizer: &SubwordTokenizer,
    sentences: &[AlignedSentence],
    batch_size: usize,
    threads: usize,
    device: &Device,
) -> Result<Vec<Vec<f32>>, TransformerError> {
    let l = model.num_labels();
    let mut order: Vec<usize> = (0..sentences.len())
        .filter(|&i| !sentences[i].pieces.is_empty())
        .collect();
    order.sort_by_key(|&i| sentences[i].pieces.len());
    let batches: Vec<&[usize]> = order.chunks(batch_size.max(1)).collect();
    let slots: Vec<Mutex<Vec<f32>>> = (0..sentences.len())
        .map(|_| Mutex::new(Vec::new()))
        .collect();
    let run = |ids: &[usize]| -> Result<(), TransformerError> {
        let batch: Vec<AlignedSentence> = ids.iter().map(|&i| sentences[i].clone()).collect();
        let windows = model.spec.windows(&batch, tokenizer)?;
        let logits = model.logits(&windows, device)?;
        let [_, t, _] = logits.dims();
        let values = logits
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| TransformerError::Tensor(format!("reading scores: {e:?}")))?;
        for (&i, rows) in ids.iter().zip(windows.word_rows(t)) {
            let mut out = Vec::with_capacity(rows.len() * l);
            for r in rows {
                let row = values.get(r * l..(r + 1) * l).ok_or_else(|| {
                    TransformerError::Input(format!("score row {r} outside the batch output"))
                })?;
                out.extend_from_slice(row);
            }
            if let Ok(mut slot) = slots[i].lock() {
                *slot = out;
            }
        }
        Ok(())
    };
    if threads <= 1 || batches.len() <= 1 {
        for b in &batches {
            run(b)?;
        }
    } else {
        use rayon::prelude::*;
        batches.par_iter().try_for_each(|b| run(b))?;
    }
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .map_err(|_| TransformerError::Tensor("a scoring thread panicked".into()))
        })
        .collect()
}

/// Sub-word rows the fast path runs through the linear layers together
/// ([`FastClassifier::scores_batch`]): enough that each weight block is
/// reused across several tweets, few enough that the activations of a group
/// (≤ 256 × 1,536 floats for the widest layer) stay in L2.
pub const FAST_BATCH_ROWS: usize = 256;

/// Consecutive windows grouped so that each group holds at most `max_rows`
/// sub-words (a longer window forms a group of its own).
fn row_groups(windows: &[crate::window::Window], max_rows: usize) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let (mut start, mut rows) = (0, 0);
    for (i, w) in windows.iter().enumerate() {
        let n = w.input_ids.len();
        if i > start && rows + n > max_rows {
            groups.push(start..i);
            (start, rows) = (i, 0);
        }
        rows += n;
    }
    if start < windows.len() {
        groups.push(start..windows.len());
    }
    groups
}

/// [`word_scores`] through the plain-`f32` copy of the network
/// ([`FastClassifier`]): windows run without padding, in groups of about
/// [`FAST_BATCH_ROWS`] sub-words that spread over the current rayon pool
/// when `threads > 1`.
pub fn word_scores_fast(
    fast: &FastClassifier,
    spec: &HeadSpec,
    tokenizer: &SubwordTokenizer,
    sentences: &[AlignedSentence],
    threads: usize,
) -> Result<Vec<Vec<f32>>, TransformerError> {
    let l = spec.labels.len();
    let windows = spec.windows(sentences, tokenizer)?;
    let groups = row_groups(&windows.windows, FAST_BATCH_ROWS);
    let run = |g: &std::ops::Range<usize>| {
        let ids: Vec<&[u32]> = windows.windows[g.clone()]
            .iter()
            .map(|w| w.input_ids.as_slice())
            .collect();
        fast.scores_batch(&ids)
    };
    let grouped: Vec<Vec<Vec<f32>>> = if threads <= 1 {
        groups.iter().map(run).collect::<Result<_, _>>()?
    } else {
        use rayon::prelude::*;
        groups.par_iter().map(run).collect::<Result<_, _>>()?
    };
    let outputs: Vec<Vec<f32>> = grouped.into_iter().flatten().collect();
    windows
        .word_locations
        .iter()
        .map(|words| {
            let mut out = Vec::with_capacity(words.len() * l);
            for loc in words {
                let row = outputs
                    .get(loc.window)
                    .and_then(|o| o.get(loc.position * l..(loc.position + 1) * l))
                    .ok_or_else(|| {
                        TransformerError::Input(format!(
                            "no scores at window {} position {}",
                            loc.window, loc.position
                        ))
                    })?;
                out.extend_from_slice(row);
            }
            Ok(out)
        })
        .collect()
}

/// Turns per-word scores into [`Prediction`]s the way the head was trained.
#[derive(Debug, Clone)]
pub struct Decoder {
    labels: Vec<String>,
    tags: Vec<BioTag>,
    crf: Option<CrfDecoder>,
}

impl Decoder {
    /// The decoder for `model`'s head.
    pub fn new(model: &TokenClassifier) -> Result<Self, TransformerError> {
        let labels = model.spec.labels.clone();
        let crf = match &model.crf {
            Some(crf) => Some(CrfDecoder::new(crf.scores()?, &labels)),
            None => None,
        };
        Ok(Decoder {
            tags: labels.iter().map(|l| BioTag::parse(l)).collect(),
            labels,
            crf,
        })
    }

    /// Labels in output order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Decode one tweet's `[words × labels]` scores.
    pub fn decode(&self, scores: &[f32]) -> Prediction {
        match &self.crf {
            Some(crf) => crf.decode(scores),
            None => self.argmax(scores),
        }
    }

    /// Independent per-word argmax (what `transformers` predicts): marginals
    /// are the softmax, a span's probability the product of its words'.
    fn argmax(&self, scores: &[f32]) -> Prediction {
        let l = self.labels.len().max(1);
        let mut tags = Vec::new();
        let mut marginals = Vec::new();
        let mut log_prob = 0.0f32;
        for row in scores.chunks_exact(l) {
            let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = row.iter().map(|&x| (x - m).exp()).collect();
            let z: f32 = exp.iter().sum();
            let probs: Vec<f32> = exp.iter().map(|&e| e / z).collect();
            // First maximum, as numpy/torch argmax pick.
            let best = row
                .iter()
                .enumerate()
                .fold(0, |b, (i, &x)| if x > row[b] { i } else { b });
            log_prob += probs[best].max(f32::MIN_POSITIVE).ln();
            tags.push(best);
            marginals.push(probs);
        }
        let spans = spans_of(&self.tags, &tags)
            .into_iter()
            .map(|(start, end, ty)| PredictedSpan {
                prob: (start..end).map(|w| marginals[w][tags[w]]).product(),
                start,
                end,
                ty,
            })
            .collect();
        Prediction {
            tags,
            path_log_prob: log_prob,
            token_marginals: marginals,
            spans,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::Window;

    fn window(len: usize) -> Window {
        Window {
            sentence: 0,
            start: 0,
            end: len,
            input_ids: vec![1; len],
            offset: 0,
        }
    }

    #[test]
    fn row_groups_cover_every_window_once_within_the_budget() {
        let lens = [5, 3, 8, 2, 20, 1, 1];
        let windows: Vec<Window> = lens.iter().map(|&n| window(n)).collect();
        let groups = row_groups(&windows, 10);
        assert_eq!(groups, vec![0..2, 2..4, 4..5, 5..7]);
        assert!(row_groups(&[], 10).is_empty());
        // Groups tile the windows in order.
        let flat: Vec<usize> = groups.into_iter().flatten().collect();
        assert_eq!(flat, (0..lens.len()).collect::<Vec<_>>());
    }
}
