//! The BiLSTM-CRF's side of the shared epoch loop ([`tweetner_trainkit::run_epochs`]).

use std::path::Path;

use tweetner_data::Sentence;
use tweetner_eval::Report;
use tweetner_model::burn::optim::ModuleOptimizer;
use tweetner_model::burn::tensor::Device;
use tweetner_model::{BiLstmCrf, SentenceInput};
use tweetner_tagger::{save_weights, WeightPrecision, WEIGHTS_FILE};
use tweetner_trainkit::{dropout_seed, EpochStats, Progress, Trainer};

use crate::checkpoint::{save_checkpoint, TrainState};
use crate::config::TrainConfig;
use crate::epoch::{epoch_batches, evaluate_dev, run_epoch, EpochInputs};
use crate::error::TrainError;
use crate::optim::learning_rate;

/// Encoded data of a run.
pub struct Encoded<'a> {
    /// Training sentences as network inputs.
    pub train: Vec<SentenceInput>,
    /// Their gold label ids.
    pub gold: Vec<Vec<usize>>,
    /// Their teacher probabilities, where the data has them (else empty).
    pub soft: Vec<Option<Vec<f32>>>,
    /// Dev sentences as network inputs.
    pub dev_inputs: Vec<SentenceInput>,
    /// Dev sentences with their gold tags (`None`: a final model, no selection).
    pub dev: Option<&'a [Sentence]>,
}

/// A BiLSTM-CRF in training, with its optimizer, state and data.
pub struct BiLstmTrainer<'a> {
    /// The run's settings.
    pub config: &'a TrainConfig,
    /// The model directory.
    pub out_dir: &'a Path,
    /// The autodiff device.
    pub device: Device,
    /// Held in an `Option` because burn's optimizer step consumes the module;
    /// it is `None` only while an epoch runs.
    model: Option<BiLstmCrf>,
    optim: ModuleOptimizer,
    /// Resumable state (what the checkpoint stores besides tensors).
    pub state: TrainState,
    data: Encoded<'a>,
    lengths: Vec<usize>,
    precision: WeightPrecision,
    quiet: bool,
}

impl<'a> BiLstmTrainer<'a> {
    /// A trainer starting from `model` and `optim` at `state`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: &'a TrainConfig,
        out_dir: &'a Path,
        device: Device,
        model: BiLstmCrf,
        optim: ModuleOptimizer,
        state: TrainState,
        data: Encoded<'a>,
        precision: WeightPrecision,
        quiet: bool,
    ) -> Self {
        let lengths = data.train.iter().map(|s| s.len()).collect();
        BiLstmTrainer {
            config,
            out_dir,
            device,
            model: Some(model),
            optim,
            state,
            data,
            lengths,
            precision,
            quiet,
        }
    }

    /// The network as trained so far.
    ///
    /// # Errors
    /// Only after a failed epoch (the module went down with it).
    pub fn model(&self) -> Result<&BiLstmCrf, TrainError> {
        self.model
            .as_ref()
            .ok_or_else(|| TrainError::checkpoint(self.out_dir, "a failed epoch lost the model"))
    }

    /// Dev inputs as encoded for the network.
    pub fn dev_inputs(&self) -> &[SentenceInput] {
        &self.data.dev_inputs
    }
}

impl Trainer for BiLstmTrainer<'_> {
    type Error = TrainError;

    fn progress(&mut self) -> &mut Progress {
        &mut self.state.progress
    }

    fn train_size(&self) -> usize {
        self.data.train.len()
    }

    fn train_epoch(&mut self, epoch: usize) -> Result<EpochStats, TrainError> {
        let t = &self.config.train;
        let seed = dropout_seed(self.config.seed, epoch);
        self.device.seed(seed);
        let lr = learning_rate(t, epoch);
        let model = self
            .model
            .take()
            .ok_or_else(|| TrainError::checkpoint(self.out_dir, "a failed epoch lost the model"))?;
        let outcome = run_epoch(
            model,
            &mut self.optim,
            &self.device,
            EpochInputs {
                inputs: &self.data.train,
                gold: &self.data.gold,
                soft: &self.data.soft,
                soft_weight: t.soft_weight as f32,
                batches: epoch_batches(&self.lengths, t, self.config.seed, epoch),
                lr,
                clip_norm: t.clip_norm,
                epoch: epoch + 1,
                total: self.state.progress.total_epochs,
                quiet: self.quiet,
                word_dropout: t.word_dropout,
                dropout_seed: seed,
            },
        )?;
        self.model = Some(outcome.model);
        Ok(EpochStats {
            train_loss: outcome.mean_loss,
            train_seconds: outcome.seconds,
            max_grad_norm: outcome.max_grad_norm,
            lr,
            lr_head: None,
            steps: None,
        })
    }

    fn evaluate(&mut self) -> Result<Option<Report>, TrainError> {
        match self.data.dev {
            Some(dev) => Ok(Some(evaluate_dev(
                self.model()?,
                &self.data.dev_inputs,
                dev,
            )?)),
            None => Ok(None),
        }
    }

    fn save_best(&mut self) -> Result<(), TrainError> {
        let path = self.out_dir.join(WEIGHTS_FILE);
        save_weights(self.model()?, &path, self.precision)?;
        Ok(())
    }

    fn save_checkpoint(&mut self) -> Result<(), TrainError> {
        save_checkpoint(self.out_dir, self.model()?, &self.optim, &self.state)
    }
}
