//! The transformer encoder (BERT or MPNet) in burn.
//!
//! Both families share one layer shape — self-attention, residual,
//! LayerNorm, GELU feed-forward, residual, LayerNorm (post-LN) — and differ
//! only in the embedding block and in MPNet's relative-position bias, a
//! learned `[buckets, heads]` table shared by every layer whose entries are
//! added to the attention scores. One [`Encoder`] type covers both so the
//! fine-tuning code needs no generics over the architecture.

use burn::module::Module;
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig,
    Linear, LinearConfig,
};
use burn::tensor::activation::{gelu, gelu_approximate, softmax};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::config::{Activation, Architecture, EncoderConfig};
use crate::error::TransformerError;
use crate::input::{relative_buckets, EncoderInput};

/// Score given to padded keys before the softmax: low enough that their
/// weight is exactly zero in `f32`, finite so no `inf − inf` can arise.
const MASKED_SCORE: f32 = -1e9;

/// The standard deviation BERT-style models are initialised with.
const INIT_STD: f64 = 0.02;

/// Token, position (and for BERT token-type) embeddings, summed and normalised.
#[derive(Module, Debug)]
pub struct Embeddings {
    /// Token table `[vocab, hidden]`.
    pub word: Embedding,
    /// Absolute position table `[max_positions, hidden]`.
    pub position: Embedding,
    /// Token-type table `[types, hidden]` (BERT; type 0 is used throughout).
    pub token_type: Option<Embedding>,
    /// LayerNorm over the sum.
    pub layer_norm: LayerNorm,
    /// Dropout after the LayerNorm (training only).
    pub dropout: Dropout,
}

/// Multi-head self-attention with its output projection, residual and LayerNorm.
#[derive(Module, Debug)]
pub struct SelfAttention {
    /// Query projection `[hidden, hidden]`.
    pub query: Linear,
    /// Key projection.
    pub key: Linear,
    /// Value projection.
    pub value: Linear,
    /// Output projection.
    pub output: Linear,
    /// LayerNorm after the residual.
    pub layer_norm: LayerNorm,
    /// Dropout on attention probabilities.
    pub probs_dropout: Dropout,
    /// Dropout on the projected output, before the residual.
    pub output_dropout: Dropout,
    /// Number of heads.
    pub heads: usize,
}

/// One transformer layer: attention then feed-forward, each post-LN.
#[derive(Module, Debug)]
pub struct EncoderLayer {
    /// The attention block.
    pub attention: SelfAttention,
    /// Feed-forward up-projection `[hidden, intermediate]`.
    pub intermediate: Linear,
    /// Feed-forward down-projection `[intermediate, hidden]`.
    pub output: Linear,
    /// LayerNorm after the feed-forward residual.
    pub layer_norm: LayerNorm,
    /// Dropout before the feed-forward residual.
    pub dropout: Dropout,
    /// Use the tanh approximation of GELU.
    pub gelu_tanh: bool,
}

/// A BERT or MPNet encoder: token ids in, last-layer hidden states out.
#[derive(Module, Debug)]
pub struct Encoder {
    /// The embedding block.
    pub embeddings: Embeddings,
    /// The transformer layers, bottom first.
    pub layers: Vec<EncoderLayer>,
    /// MPNet's relative-position bias table `[buckets, heads]`.
    pub relative_attention_bias: Option<Embedding>,
    /// The hyper-parameters the encoder was built from.
    #[module(skip)]
    pub config: EncoderConfig,
}

fn normal() -> Initializer {
    Initializer::Normal {
        mean: 0.0,
        std: INIT_STD,
    }
}

fn linear(d_in: usize, d_out: usize, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out)
        .with_initializer(normal())
        .init(device)
}

fn embedding(rows: usize, dim: usize, device: &Device) -> Embedding {
    EmbeddingConfig::new(rows, dim)
        .with_initializer(normal())
        .init(device)
}

impl Encoder {
    /// A freshly initialised encoder (BERT-style `N(0, 0.02)` weights, zero
    /// biases, unit LayerNorms). Pretrained weights come from
    /// [`crate::load_encoder`]; this is for tests and from-scratch training.
    pub fn new(config: EncoderConfig, device: &Device) -> Result<Self, TransformerError> {
        let config = config.checked()?;
        let h = config.hidden_size;
        let eps = config.layer_norm_eps();
        let ln = || LayerNormConfig::new(h).with_epsilon(eps).init(device);
        let hidden_dropout = || DropoutConfig::new(config.hidden_dropout_prob).init();
        let embeddings = Embeddings {
            word: embedding(config.vocab_size, h, device),
            position: embedding(config.max_position_embeddings, h, device),
            token_type: (config.model_type == Architecture::Bert && config.type_vocab_size > 0)
                .then(|| embedding(config.type_vocab_size, h, device)),
            layer_norm: ln(),
            dropout: hidden_dropout(),
        };
        let layers = (0..config.num_hidden_layers)
            .map(|_| EncoderLayer {
                attention: SelfAttention {
                    query: linear(h, h, device),
                    key: linear(h, h, device),
                    value: linear(h, h, device),
                    output: linear(h, h, device),
                    layer_norm: ln(),
                    probs_dropout: DropoutConfig::new(config.attention_probs_dropout_prob).init(),
                    output_dropout: hidden_dropout(),
                    heads: config.num_attention_heads,
                },
                intermediate: linear(h, config.intermediate_size, device),
                output: linear(config.intermediate_size, h, device),
                layer_norm: ln(),
                dropout: hidden_dropout(),
                gelu_tanh: config.hidden_act == Activation::GeluTanh,
            })
            .collect();
        let relative_attention_bias = (config.model_type == Architecture::Mpnet).then(|| {
            embedding(
                config.relative_attention_num_buckets,
                config.num_attention_heads,
                device,
            )
        });
        Ok(Encoder {
            embeddings,
            layers,
            relative_attention_bias,
            config,
        })
    }

    /// Width of the hidden states.
    pub fn hidden_size(&self) -> usize {
        self.config.hidden_size
    }

    /// Pad and check `rows` of token ids for this encoder (see [`EncoderInput::new`]).
    pub fn input(
        &self,
        rows: &[Vec<u32>],
        device: &Device,
    ) -> Result<EncoderInput, TransformerError> {
        EncoderInput::new(&self.config, rows, device)
    }

    /// Last-layer hidden states `[B, T, hidden]`. States at padded positions
    /// are meaningless; real positions never depend on padding.
    pub fn forward(&self, input: &EncoderInput) -> Tensor<3> {
        let [b, t] = input.dims();
        let mut x = self.embeddings.word.forward(input.ids.clone())
            + self.embeddings.position.forward(input.positions.clone());
        if let Some(tt) = &self.embeddings.token_type {
            let types: Tensor<2, Int> = Tensor::zeros([b, t], &input.ids.device());
            x = x + tt.forward(types);
        }
        let mut x = self
            .embeddings
            .dropout
            .forward(self.embeddings.layer_norm.forward(x));
        let bias = self.position_bias(t, &input.ids.device());
        let mask = input.pad_mask.clone().reshape([b, 1, 1, t]);
        for layer in &self.layers {
            x = layer.forward(x, &mask, bias.as_ref());
        }
        x
    }

    /// MPNet's relative-position bias `[1, heads, T, T]`, computed once per
    /// forward pass because every layer shares it.
    fn position_bias(&self, t: usize, device: &Device) -> Option<Tensor<4>> {
        let table = self.relative_attention_bias.as_ref()?;
        let heads = self.config.num_attention_heads;
        let buckets = relative_buckets(t, self.config.relative_attention_num_buckets);
        let buckets: Tensor<2, Int> =
            Tensor::from_data(TensorData::new(buckets, [1, t * t]), device);
        Some(
            table
                .forward(buckets)
                .reshape([t, t, heads])
                .permute([2, 0, 1])
                .reshape([1, heads, t, t]),
        )
    }
}

impl EncoderLayer {
    /// `x: [B, T, hidden]`, `mask: [B, 1, 1, T]` (true = padding key).
    pub fn forward(
        &self,
        x: Tensor<3>,
        mask: &Tensor<4, Bool>,
        bias: Option<&Tensor<4>>,
    ) -> Tensor<3> {
        let attended = self.attention.forward(x, mask, bias);
        let inner = self.intermediate.forward(attended.clone());
        let inner = if self.gelu_tanh {
            gelu_approximate(inner)
        } else {
            gelu(inner)
        };
        let out = self.dropout.forward(self.output.forward(inner));
        self.layer_norm.forward(out + attended)
    }
}

impl SelfAttention {
    /// `x: [B, T, hidden]` → `[B, T, hidden]` after residual and LayerNorm.
    pub fn forward(
        &self,
        x: Tensor<3>,
        mask: &Tensor<4, Bool>,
        bias: Option<&Tensor<4>>,
    ) -> Tensor<3> {
        let [b, t, h] = x.dims();
        let d = h / self.heads;
        let split = |y: Tensor<3>| y.reshape([b, t, self.heads, d]).swap_dims(1, 2);
        let q = split(self.query.forward(x.clone()));
        let k = split(self.key.forward(x.clone()));
        let v = split(self.value.forward(x.clone()));
        let mut scores = q.matmul(k.transpose()).div_scalar((d as f32).sqrt());
        if let Some(bias) = bias {
            scores = scores + bias.clone();
        }
        let scores = scores.mask_fill(mask.clone(), MASKED_SCORE);
        let probs = self.probs_dropout.forward(softmax(scores, 3));
        let context = probs.matmul(v).swap_dims(1, 2).reshape([b, t, h]);
        let out = self.output_dropout.forward(self.output.forward(context));
        self.layer_norm.forward(out + x)
    }
}
