//! The BiLSTM-CRF tagger network:
//! word embedding ⊕ char encoding ⊕ dense features → dropout →
//! 1–2 length-aware BiLSTM layers → dropout → linear → emissions → CRF.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::batch::{SentenceInput, TaggerBatch};
use crate::charenc::{CharCnn, CharEncoderConfig, CharLstm};
use crate::crf::{Crf, CrfTarget};
use crate::error::ModelError;
use crate::lstm::BiLstmLayer;
use crate::predict::{CrfDecoder, Prediction};
use crate::util::{float_tensor, int_tensor, tensor_to_vec};

fn yes() -> bool {
    true
}

fn default_max_word_chars() -> usize {
    30
}

/// Hyper-parameters of [`BiLstmCrf`]; saved as JSON next to the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiLstmCrfConfig {
    /// Word vocabulary size (ids `0..word_vocab_size`, 0 = padding).
    pub word_vocab_size: usize,
    /// Word embedding width.
    pub word_dim: usize,
    /// Keep the word embeddings fixed during training (e.g. pretrained vectors).
    #[serde(default)]
    pub freeze_word_embeddings: bool,
    /// Character vocabulary size (ids `0..char_vocab_size`, 0 = padding).
    pub char_vocab_size: usize,
    /// Character embedding width.
    pub char_dim: usize,
    /// Character encoder kind and size.
    pub char_encoder: CharEncoderConfig,
    /// Characters kept per token (longer tokens are truncated).
    #[serde(default = "default_max_word_chars")]
    pub max_word_chars: usize,
    /// Width of the dense per-token feature vector (0 for none).
    pub dense_dim: usize,
    /// BiLSTM hidden size per direction.
    pub hidden_size: usize,
    /// Number of stacked BiLSTM layers (1 or 2).
    pub num_layers: usize,
    /// Dropout probability on the LSTM inputs and outputs.
    pub dropout: f64,
    /// Output labels, e.g. `["O", "B-person", "I-person", …]`.
    pub labels: Vec<String>,
    /// Forbid invalid BIO moves in the CRF.
    #[serde(default = "yes")]
    pub bio_constraints: bool,
}

impl BiLstmCrfConfig {
    /// Width of the concatenated per-token input to the first BiLSTM layer.
    pub fn input_dim(&self) -> usize {
        self.word_dim + self.char_encoder.output_dim() + self.dense_dim
    }

    /// Reject configurations the network cannot be built from.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::Config(m));
        if self.labels.is_empty() {
            return bad("the label list is empty".into());
        }
        if self.word_vocab_size == 0 || self.word_dim == 0 {
            return bad("word_vocab_size and word_dim must be positive".into());
        }
        if !(1..=2).contains(&self.num_layers) {
            return bad(format!(
                "num_layers must be 1 or 2, got {}",
                self.num_layers
            ));
        }
        if self.hidden_size == 0 {
            return bad("hidden_size must be positive".into());
        }
        if !(self.dropout.is_finite() && (0.0..1.0).contains(&self.dropout)) {
            return bad(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        if self.max_word_chars == 0 {
            return bad("max_word_chars must be positive".into());
        }
        match self.char_encoder {
            CharEncoderConfig::None => {}
            _ if self.char_vocab_size == 0 || self.char_dim == 0 => {
                return bad("a char encoder needs char_vocab_size and char_dim > 0".into())
            }
            CharEncoderConfig::Cnn {
                filters,
                kernel_size,
            } => {
                if filters == 0 || kernel_size % 2 == 0 {
                    return bad(format!(
                        "char CNN needs filters > 0 and an odd kernel_size, got {filters}, {kernel_size}"
                    ));
                }
            }
            CharEncoderConfig::Lstm { hidden } => {
                if hidden == 0 {
                    return bad("char LSTM hidden must be positive".into());
                }
            }
        }
        Ok(())
    }
}

/// The BiLSTM-CRF network.
#[derive(Module, Debug)]
pub struct BiLstmCrf {
    /// Word embeddings `[V_w, word_dim]`.
    pub word_embedding: Embedding,
    /// Character CNN, when configured.
    pub char_cnn: Option<CharCnn>,
    /// Character BiLSTM, when configured.
    pub char_lstm: Option<CharLstm>,
    /// Dropout before each BiLSTM layer.
    pub input_dropout: Dropout,
    /// Stacked BiLSTM layers.
    pub layers: Vec<BiLstmLayer>,
    /// Dropout before the output projection.
    pub output_dropout: Dropout,
    /// Projection `2H → L` giving the emissions.
    pub output: Linear,
    /// The CRF.
    pub crf: Crf,
    /// Hyper-parameters (not weights).
    #[module(skip)]
    pub config: BiLstmCrfConfig,
}

impl BiLstmCrf {
    /// A freshly initialised network. Use an autodiff device
    /// (`cpu_device().autodiff()`) to train it.
    pub fn new(config: BiLstmCrfConfig, device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let mut word_embedding =
            EmbeddingConfig::new(config.word_vocab_size, config.word_dim).init(device);
        if config.freeze_word_embeddings {
            word_embedding.weight = word_embedding.weight.set_require_grad(false);
        }
        let (char_cnn, char_lstm) = match config.char_encoder {
            CharEncoderConfig::None => (None, None),
            CharEncoderConfig::Cnn {
                filters,
                kernel_size,
            } => (
                Some(CharCnn::new(
                    config.char_vocab_size,
                    config.char_dim,
                    filters,
                    kernel_size,
                    device,
                )),
                None,
            ),
            CharEncoderConfig::Lstm { hidden } => (
                None,
                Some(CharLstm::new(
                    config.char_vocab_size,
                    config.char_dim,
                    hidden,
                    device,
                )),
            ),
        };
        let h = config.hidden_size;
        let layers = (0..config.num_layers)
            .map(|i| BiLstmLayer::new(if i == 0 { config.input_dim() } else { 2 * h }, h, device))
            .collect();
        let dropout = DropoutConfig::new(config.dropout);
        Ok(BiLstmCrf {
            word_embedding,
            char_cnn,
            char_lstm,
            input_dropout: dropout.init(),
            layers,
            output_dropout: dropout.init(),
            output: LinearConfig::new(2 * h, config.labels.len()).init(device),
            crf: Crf::new(&config.labels, config.bio_constraints, device),
            config,
        })
    }

    /// Replace the word embeddings with a pretrained row-major
    /// `[word_vocab_size * word_dim]` matrix; they stay trainable unless the
    /// config says to freeze them.
    pub fn with_pretrained_words(mut self, matrix: Vec<f32>) -> Result<Self, ModelError> {
        let (v, d) = (self.config.word_vocab_size, self.config.word_dim);
        if matrix.len() != v * d {
            return Err(ModelError::Shape(format!(
                "pretrained matrix has {} values, expected {v} x {d} = {}",
                matrix.len(),
                v * d
            )));
        }
        let device = self.word_embedding.weight.lazy_device();
        let weight = Param::from_tensor(float_tensor(matrix, [v, d], &device));
        self.word_embedding.weight = weight.set_require_grad(!self.config.freeze_word_embeddings);
        Ok(self)
    }

    /// The label list.
    pub fn labels(&self) -> &[String] {
        &self.config.labels
    }

    /// Build a batch for this model (applies the character cap).
    pub fn batch(
        &self,
        sentences: &[SentenceInput],
        device: &Device,
    ) -> Result<TaggerBatch, ModelError> {
        let batch =
            TaggerBatch::from_features_capped(sentences, self.config.max_word_chars, device)?;
        self.check_batch(&batch)?;
        Ok(batch)
    }

    /// Ids within the vocabularies and dense width as configured.
    pub fn check_batch(&self, batch: &TaggerBatch) -> Result<(), ModelError> {
        let c = &self.config;
        if batch.max_word_id as usize >= c.word_vocab_size {
            return Err(ModelError::Index(format!(
                "word id {} but the vocabulary has {} entries",
                batch.max_word_id, c.word_vocab_size
            )));
        }
        let uses_chars = c.char_encoder != CharEncoderConfig::None;
        if uses_chars && batch.max_char_id as usize >= c.char_vocab_size {
            return Err(ModelError::Index(format!(
                "char id {} but the vocabulary has {} entries",
                batch.max_char_id, c.char_vocab_size
            )));
        }
        if batch.max_len() > 0 && batch.dense_dim != c.dense_dim {
            return Err(ModelError::Shape(format!(
                "{} dense features per token, model expects {}",
                batch.dense_dim, c.dense_dim
            )));
        }
        Ok(())
    }

    /// Emission scores `[B, T, L]` (garbage at padded positions).
    pub fn emissions(&self, batch: &TaggerBatch) -> Result<Tensor<3>, ModelError> {
        self.check_batch(batch)?;
        let (b, t) = (batch.batch_size(), batch.max_len());
        let device = batch.mask.device();
        let l = self.config.labels.len();
        if t == 0 {
            return Ok(Tensor::zeros([b, 0, l], &device));
        }
        let mut parts = vec![self.word_embedding.forward(batch.word_ids.clone())];
        if self.char_cnn.is_some() || self.char_lstm.is_some() {
            // Apply the configured cap even to batches built without it, so
            // every path (and the fast inference copy) sees the same characters.
            let cap = self.config.max_word_chars;
            let [_, _, c] = batch.char_ids.dims();
            let ids = batch.char_ids.clone().narrow(2, 0, c.min(cap));
            let lengths: Vec<usize> = batch.char_lengths.iter().map(|&n| n.min(cap)).collect();
            if let Some(cnn) = &self.char_cnn {
                parts.push(cnn.forward(ids.clone(), &lengths));
            }
            if let Some(lstm) = &self.char_lstm {
                parts.push(lstm.forward(ids, &lengths));
            }
        }
        if self.config.dense_dim > 0 {
            parts.push(batch.dense.clone());
        }
        let mut x = Tensor::cat(parts, 2);
        let reverse = int_tensor(batch.reverse_index(), [b * t], &device);
        for layer in &self.layers {
            x = layer.forward(self.input_dropout.forward(x), reverse.clone());
        }
        Ok(self.output.forward(self.output_dropout.forward(x)))
    }

    /// Mean CRF negative log-likelihood of `gold` (label indices, one per real token).
    pub fn forward_loss(
        &self,
        batch: &TaggerBatch,
        gold: &[Vec<usize>],
    ) -> Result<Tensor<1>, ModelError> {
        let targets: Vec<CrfTarget<'_>> = gold.iter().map(|g| CrfTarget::hard(g)).collect();
        self.forward_target_loss(batch, &targets)
    }

    /// Mean cross-entropy of the CRF against each sentence's target (its
    /// tags, possibly mixed with a teacher's probabilities; see [`CrfTarget`]).
    pub fn forward_target_loss(
        &self,
        batch: &TaggerBatch,
        targets: &[CrfTarget<'_>],
    ) -> Result<Tensor<1>, ModelError> {
        if targets.len() != batch.batch_size() {
            return Err(ModelError::Shape(format!(
                "{} gold sequences for {} sentences",
                targets.len(),
                batch.batch_size()
            )));
        }
        for (i, (g, &len)) in targets.iter().zip(&batch.lengths).enumerate() {
            if g.path.len() != len {
                return Err(ModelError::Shape(format!(
                    "sentence {i}: {} gold tags for {len} tokens",
                    g.path.len()
                )));
            }
        }
        let emissions = self.emissions(batch)?;
        self.crf.target_loss(emissions, batch.mask.clone(), targets)
    }

    /// Tag a batch: Viterbi path, marginals and span probabilities per
    /// sentence. Runs without autodiff (a training model is switched to
    /// [`Module::valid`] first); the CRF part runs on plain `f32`.
    pub fn predict(&self, batch: &TaggerBatch) -> Result<Vec<Prediction>, ModelError> {
        let valid;
        let model = if self.output.weight.val().is_autodiff() {
            valid = self.valid();
            &valid
        } else {
            self
        };
        let plain;
        let batch = if batch.mask.is_autodiff() {
            plain = batch.without_autodiff();
            &plain
        } else {
            batch
        };
        let emissions = model.emissions(batch)?;
        let [_, t, l] = emissions.dims();
        let flat = tensor_to_vec(emissions)?;
        let decoder = CrfDecoder::new(model.crf.scores()?, &model.config.labels);
        Ok(batch
            .lengths
            .iter()
            .enumerate()
            .map(|(b, &len)| {
                let start = b * t * l;
                decoder.decode(&flat[start..start + len * l])
            })
            .collect())
    }

    /// Copy the weights into the plain-`f32` inference form (much faster on CPU).
    pub fn to_fast(&self) -> Result<crate::FastBiLstmCrf, ModelError> {
        crate::FastBiLstmCrf::from_model(self)
    }

    /// Build a batch from features on the model's (non-autodiff) device and tag it.
    pub fn predict_sentences(
        &self,
        sentences: &[SentenceInput],
    ) -> Result<Vec<Prediction>, ModelError> {
        let device = self.output.weight.lazy_device().inner();
        let batch = self.batch(sentences, &device)?;
        self.predict(&batch)
    }
}
