//! The transformer's side of the shared epoch loop
//! ([`tweetner_trainkit::run_epochs`]), and dev scoring through the tagger
//! that ships ([`TransformerTagger`], the plain-`f32` path).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use tweetner_data::Sentence;
use tweetner_eval::Report;
use tweetner_lexicon::Lexicon;
use tweetner_trainkit::{
    dropout_seed, epoch_bar, epoch_batches, loss_value, score_predictions, EpochStats, Progress,
    Trainer,
};
use tweetner_transformer::burn::module::Module;
use tweetner_transformer::burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use tweetner_transformer::burn::tensor::Device;
use tweetner_transformer::{
    save_model_dir, AlignedSentence, SubwordTokenizer, TokenClassifier, TransformerTagger,
};

use crate::checkpoint::{save_checkpoint, TrainState};
use crate::config::FinetuneConfig;
use crate::error::FinetuneError;
use crate::optim::{scheduled_lr, update};

/// Conlleval report of `tagger` on `dev`, tagging the tweets' tokens exactly
/// as `tweetner eval --model` does.
///
/// # Errors
/// Tagging failed or the tags could not be scored.
pub fn score_dev(tagger: &TransformerTagger, dev: &[Sentence]) -> Result<Report, FinetuneError> {
    let tokens: Vec<Vec<&str>> = dev
        .iter()
        .map(|s| s.tokens.iter().map(String::as_str).collect())
        .collect();
    let ids = tagger.predict(&tokens)?.into_iter().map(|p| p.tags);
    Ok(score_predictions(dev, ids, &tagger.spec().labels)?)
}

/// Conlleval report of `model` (any device) on `dev`, through the shipped
/// inference path built in memory from the model.
///
/// # Errors
/// See [`score_dev`].
pub fn evaluate_dev(
    model: &TokenClassifier,
    tokenizer: &SubwordTokenizer,
    lexicon: Option<&Arc<Lexicon>>,
    dev: &[Sentence],
) -> Result<Report, FinetuneError> {
    let mut tagger =
        TransformerTagger::from_parts(model.valid(), tokenizer.clone(), String::new())?
            .with_threads(rayon::current_num_threads())?;
    if let Some(lex) = lexicon {
        tagger = tagger.with_lexicon(Arc::clone(lex))?;
    }
    score_dev(&tagger, dev)
}

/// Training data of a run, aligned to sub-word pieces.
pub struct Aligned<'a> {
    /// Training tweets as pieces.
    pub train: Vec<AlignedSentence>,
    /// Their gold label ids per word.
    pub gold: Vec<Vec<usize>>,
    /// The entry list the head reads, if any.
    pub lexicon: Option<Arc<Lexicon>>,
    /// Each training tweet's entry-list features (`words × dim`, flat);
    /// empty without a list.
    pub lexicon_rows: Vec<Vec<f32>>,
    /// Dev tweets with gold tags.
    pub dev: &'a [Sentence],
}

/// A token classifier in training, with both optimizers, state and data.
pub struct TransformerTrainer<'a> {
    config: &'a FinetuneConfig,
    out_dir: &'a Path,
    name: String,
    device: Device,
    /// Held in an `Option` because burn's optimizer step consumes the module;
    /// `None` only while an epoch runs.
    model: Option<TokenClassifier>,
    encoder_opt: ModuleOptimizer,
    head_opt: ModuleOptimizer,
    tokenizer: &'a SubwordTokenizer,
    /// Resumable state.
    pub state: TrainState,
    data: Aligned<'a>,
    lengths: Vec<usize>,
    warmup_steps: usize,
    total_steps: usize,
    quiet: bool,
}

/// What a [`TransformerTrainer`] starts from.
pub struct Start {
    /// The model (fresh or restored).
    pub model: TokenClassifier,
    /// Encoder optimizer.
    pub encoder_opt: ModuleOptimizer,
    /// Head optimizer.
    pub head_opt: ModuleOptimizer,
    /// State (fresh or restored).
    pub state: TrainState,
}

impl<'a> TransformerTrainer<'a> {
    /// A trainer for `config` writing to `out_dir`.
    pub fn new(
        config: &'a FinetuneConfig,
        out_dir: &'a Path,
        device: Device,
        tokenizer: &'a SubwordTokenizer,
        start: Start,
        data: Aligned<'a>,
        quiet: bool,
    ) -> Self {
        let t = &config.train;
        let lengths = data.train.iter().map(|a| a.pieces.len()).collect();
        let updates_per_epoch = data
            .train
            .len()
            .div_ceil(t.batch_size)
            .div_ceil(t.grad_accum);
        let total_steps = updates_per_epoch * t.epochs;
        TransformerTrainer {
            config,
            out_dir,
            name: config.name(out_dir),
            device,
            model: Some(start.model),
            encoder_opt: start.encoder_opt,
            head_opt: start.head_opt,
            tokenizer,
            state: start.state,
            data,
            lengths,
            warmup_steps: (t.warmup * total_steps as f64).round() as usize,
            total_steps,
            quiet,
        }
    }

    fn model(&self) -> Result<&TokenClassifier, FinetuneError> {
        self.model
            .as_ref()
            .ok_or_else(|| FinetuneError::checkpoint(self.out_dir, "a failed epoch lost the model"))
    }

    fn take_model(&mut self) -> Result<TokenClassifier, FinetuneError> {
        self.model
            .take()
            .ok_or_else(|| FinetuneError::checkpoint(self.out_dir, "a failed epoch lost the model"))
    }
}

impl Trainer for TransformerTrainer<'_> {
    type Error = FinetuneError;

    fn progress(&mut self) -> &mut Progress {
        &mut self.state.progress
    }

    fn train_size(&self) -> usize {
        self.data.train.len()
    }

    fn train_epoch(&mut self, epoch: usize) -> Result<EpochStats, FinetuneError> {
        let config = self.config;
        let t = &config.train;
        let started = Instant::now();
        self.device.seed(dropout_seed(config.seed, epoch));
        let batches = epoch_batches(&self.lengths, t.batch_size, t.bucketing, config.seed, epoch);
        let bar = epoch_bar(self.data.train.len(), (epoch + 1).to_string(), self.quiet);
        let (mut loss_sum, mut max_norm) = (0.0f64, 0.0f64);
        let (mut lr_e, mut lr_h) = (0.0, 0.0);
        let mut acc = GradientsAccumulator::<TokenClassifier>::new();
        let mut pending = 0usize;
        let mut model = self.take_model()?;
        for (bi, ids) in batches.iter().enumerate() {
            let a: Vec<AlignedSentence> = ids.iter().map(|&i| self.data.train[i].clone()).collect();
            let g: Vec<Vec<usize>> = ids.iter().map(|&i| self.data.gold[i].clone()).collect();
            let f: Vec<Vec<f32>> = if self.data.lexicon_rows.is_empty() {
                Vec::new()
            } else {
                ids.iter()
                    .map(|&i| self.data.lexicon_rows[i].clone())
                    .collect()
            };
            let loss = model.loss(&a, &g, &f, self.tokenizer, &self.device)?;
            let value = loss_value(&loss);
            if !value.is_finite() {
                return Err(FinetuneError::Diverged {
                    epoch: epoch + 1,
                    batch: bi,
                    loss: value,
                });
            }
            let loss = if t.grad_accum > 1 {
                loss.div_scalar(t.grad_accum as f32)
            } else {
                loss
            };
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            acc.accumulate(&model, grads);
            pending += 1;
            if pending == t.grad_accum || bi + 1 == batches.len() {
                let steps = self.state.steps;
                lr_e = scheduled_lr(t.lr_encoder, steps, self.warmup_steps, self.total_steps);
                lr_h = scheduled_lr(t.lr_head, steps, self.warmup_steps, self.total_steps);
                let (m, norm) = update(
                    model,
                    acc.grads(),
                    &mut self.encoder_opt,
                    &mut self.head_opt,
                    lr_e,
                    lr_h,
                    t.clip_norm,
                );
                model = m;
                max_norm = max_norm.max(norm);
                self.state.steps += 1;
                pending = 0;
            }
            loss_sum += value;
            bar.inc(ids.len() as u64);
            bar.set_message(format!("loss {:.4}", loss_sum / (bi + 1) as f64));
        }
        bar.finish_and_clear();
        self.model = Some(model);
        Ok(EpochStats {
            train_loss: loss_sum / batches.len().max(1) as f64,
            train_seconds: started.elapsed().as_secs_f64(),
            max_grad_norm: max_norm,
            lr: lr_e,
            lr_head: Some(lr_h),
            steps: Some(self.state.steps),
        })
    }

    fn evaluate(&mut self) -> Result<Option<Report>, FinetuneError> {
        if self.data.dev.is_empty() {
            // A final model: dev is part of training.
            return Ok(None);
        }
        Ok(Some(evaluate_dev(
            self.model()?,
            self.tokenizer,
            self.data.lexicon.as_ref(),
            self.data.dev,
        )?))
    }

    fn save_best(&mut self) -> Result<(), FinetuneError> {
        let valid = self.model()?.valid();
        save_model_dir(self.out_dir, &valid, &self.config.encoder.path, &self.name)?;
        Ok(())
    }

    fn save_checkpoint(&mut self) -> Result<(), FinetuneError> {
        let model = self.model()?;
        save_checkpoint(
            self.out_dir,
            model,
            &self.encoder_opt,
            &self.head_opt,
            &self.state,
        )
    }
}
