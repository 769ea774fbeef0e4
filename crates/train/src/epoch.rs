//! One training epoch, batch order, and dev evaluation through the fast inference path.

use std::time::Instant;

use tweetner_data::Sentence;
use tweetner_eval::Report;
use tweetner_features::WordVocab;
use tweetner_model::burn::module::Module;
use tweetner_model::burn::optim::{GradientsParams, ModuleOptimizer};
use tweetner_model::burn::tensor::Device;
use tweetner_model::{BiLstmCrf, CrfTarget, FastBiLstmCrf, SentenceInput};
use tweetner_tagger::{predict_batched, DEFAULT_BATCH_SIZE};

use crate::config::TrainSection;
use crate::error::TrainError;
use tweetner_trainkit::{clip_global_norm, epoch_bar, loss_value, score_predictions, SplitMix64};

/// The batches of 0-based `epoch` with the section's batch size and bucketing
/// ([`tweetner_trainkit::epoch_batches`]: depends only on `(seed, epoch)`).
pub fn epoch_batches(
    lengths: &[usize],
    t: &TrainSection,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    tweetner_trainkit::epoch_batches(lengths, t.batch_size, t.bucketing, seed, epoch)
}

/// What one epoch did.
pub struct EpochOutcome {
    /// The updated network.
    pub model: BiLstmCrf,
    /// Mean loss per sentence.
    pub mean_loss: f64,
    /// Largest gradient norm before clipping.
    pub max_grad_norm: f64,
    /// Seconds spent on the updates.
    pub seconds: f64,
}

/// Inputs of one epoch.
pub struct EpochInputs<'a> {
    /// Encoded training sentences.
    pub inputs: &'a [SentenceInput],
    /// Gold label indices.
    pub gold: &'a [Vec<usize>],
    /// Teacher probabilities per sentence (`[T * L]`), or empty: see
    /// [`crate::config::TrainSection::soft_weight`].
    pub soft: &'a [Option<Vec<f32>>],
    /// Weight of `soft` against `gold` where a sentence has both.
    pub soft_weight: f32,
    /// Batches to run, in order.
    pub batches: Vec<Vec<usize>>,
    /// Learning rate.
    pub lr: f64,
    /// Gradient clipping threshold (0 = none).
    pub clip_norm: f64,
    /// 1-based epoch, for messages.
    pub epoch: usize,
    /// Total epochs, for messages.
    pub total: usize,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Probability of replacing a word id by UNK.
    pub word_dropout: f64,
    /// Seeds the word-dropout choices of this epoch.
    pub dropout_seed: u64,
}

/// Copy the batch's inputs, replacing each word id by UNK with probability `p`.
fn batch_inputs(
    all: &[SentenceInput],
    ids: &[usize],
    p: f64,
    rng: &mut SplitMix64,
) -> Vec<SentenceInput> {
    ids.iter()
        .map(|&i| {
            let mut s = all[i].clone();
            if p > 0.0 {
                for w in &mut s.word_ids {
                    if rng.unit() < p {
                        *w = WordVocab::UNK;
                    }
                }
            }
            s
        })
        .collect()
}

/// Run the optimizer over one epoch's batches.
pub fn run_epoch(
    mut model: BiLstmCrf,
    optim: &mut ModuleOptimizer,
    device: &Device,
    e: EpochInputs<'_>,
) -> Result<EpochOutcome, TrainError> {
    let start = Instant::now();
    let n: usize = e.batches.iter().map(Vec::len).sum();
    let bar = epoch_bar(n, format!("{}/{}", e.epoch, e.total), e.quiet);
    let (mut loss_sum, mut seen, mut max_norm) = (0.0f64, 0usize, 0.0f64);
    let mut rng = SplitMix64::new(e.dropout_seed);
    for (bi, ids) in e.batches.iter().enumerate() {
        let inputs = batch_inputs(e.inputs, ids, e.word_dropout, &mut rng);
        let targets: Vec<CrfTarget<'_>> = ids
            .iter()
            .map(|&i| CrfTarget {
                path: &e.gold[i],
                soft: e
                    .soft
                    .get(i)
                    .and_then(Option::as_deref)
                    .filter(|_| e.soft_weight > 0.0)
                    .map(|p| (p, e.soft_weight)),
            })
            .collect();
        let batch = model.batch(&inputs, device)?;
        let loss = model.forward_target_loss(&batch, &targets)?;
        let value = loss_value(&loss);
        if !value.is_finite() {
            return Err(TrainError::Diverged {
                epoch: e.epoch,
                batch: bi,
                loss: value,
            });
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        max_norm = max_norm.max(clip_global_norm(&model, &mut grads, e.clip_norm));
        model = optim.step(e.lr, model, grads);
        loss_sum += value * ids.len() as f64;
        seen += ids.len();
        bar.inc(ids.len() as u64);
        let rate = seen as f64 / start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "loss {:.3} {rate:.0} sent/s",
            loss_sum / seen as f64
        ));
    }
    bar.finish_and_clear();
    Ok(EpochOutcome {
        model,
        mean_loss: loss_sum / seen.max(1) as f64,
        max_grad_norm: max_norm,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Score `model` on `dev` (conlleval entity level), decoding with the plain-`f32` path.
pub fn evaluate_dev(
    model: &BiLstmCrf,
    inputs: &[SentenceInput],
    dev: &[Sentence],
) -> Result<Report, TrainError> {
    let fast = FastBiLstmCrf::from_model(&model.valid())?;
    score(&fast, inputs, dev)
}

/// Score an inference network on encoded sentences.
pub fn score(
    fast: &FastBiLstmCrf,
    inputs: &[SentenceInput],
    dev: &[Sentence],
) -> Result<Report, TrainError> {
    let preds = predict_batched(fast, inputs, DEFAULT_BATCH_SIZE, 1)?;
    let ids = preds.into_iter().map(|p| p.tags);
    Ok(score_predictions(dev, ids, fast.labels())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_dropout_replaces_about_p_of_the_words_deterministically() {
        let all: Vec<SentenceInput> = (0..50)
            .map(|i| SentenceInput {
                word_ids: vec![5 + i; 40],
                char_ids: vec![vec![3]; 40],
                dense: vec![vec![]; 40],
            })
            .collect();
        let ids: Vec<usize> = (0..50).collect();
        let none = batch_inputs(&all, &ids, 0.0, &mut SplitMix64::new(1));
        assert_eq!(none, all);
        let a = batch_inputs(&all, &ids, 0.25, &mut SplitMix64::new(1));
        let b = batch_inputs(&all, &ids, 0.25, &mut SplitMix64::new(1));
        assert_eq!(a, b);
        let unk = a
            .iter()
            .flat_map(|s| &s.word_ids)
            .filter(|&&w| w == WordVocab::UNK)
            .count();
        assert!((400..600).contains(&unk), "{unk} of 2000");
        assert!(a.iter().zip(&all).all(|(x, y)| x.char_ids == y.char_ids));
    }

    #[test]
    fn batches_cover_every_sentence_once_and_depend_on_seed_and_epoch() {
        let lengths: Vec<usize> = (0..103).map(|i| 1 + (i * 37) % 29).collect();
        let t = TrainSection {
            batch_size: 4,
            ..TrainSection::default()
        };
        for bucketing in [true, false] {
            let t = TrainSection {
                bucketing,
                ..t.clone()
            };
            let b = epoch_batches(&lengths, &t, 1, 0);
            let mut all: Vec<usize> = b.iter().flatten().copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..103).collect::<Vec<_>>());
            assert!(b.iter().all(|x| !x.is_empty() && x.len() <= 4));
            assert_eq!(b, epoch_batches(&lengths, &t, 1, 0));
            assert_ne!(b, epoch_batches(&lengths, &t, 1, 1));
            assert_ne!(b, epoch_batches(&lengths, &t, 2, 0));
        }
        // Bucketing makes batches more uniform in length than plain shuffling.
        let spread = |bucketing| {
            let t = TrainSection {
                bucketing,
                ..t.clone()
            };
            epoch_batches(&lengths, &t, 3, 0)
                .iter()
                .map(|b| {
                    let l: Vec<usize> = b.iter().map(|&i| lengths[i]).collect();
                    l.iter().max().unwrap_or(&0) - l.iter().min().unwrap_or(&0)
                })
                .sum::<usize>()
        };
        assert!(spread(true) < spread(false));
    }
}
