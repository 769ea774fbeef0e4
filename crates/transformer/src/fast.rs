//! Plain-`f32` inference copy of a [`TokenClassifier`]: the same arithmetic
//! as the burn forward pass (`crate::encoder`), on contiguous row-major
//! buffers with `gemm` matmuls, one window at a time.
//!
//! Why: burn's CPU backend spends most of a small encoder's time in per-op
//! overhead (dispatch, allocation, broadcasting) rather than in the matmuls,
//! and a padded batch also pays for its padding. Running each window on its
//! own needs no padding and no mask, and windows spread over threads with no
//! shared state. Tests compare this path with burn's (to ~1e-4).

use crate::config::Architecture;
use crate::error::TransformerError;
use crate::head::TokenClassifier;
use crate::input::relative_buckets;
use crate::quant::QuantLinear;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::Tensor;

fn values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, TransformerError> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| TransformerError::Tensor(format!("reading weights: {e:?}")))
}

/// `c[m×n] = a[m×k] · b[k×n]`, row-major, contiguous.
fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    tweetner_kernels::matmul(m, k, n, a, b, c, false);
}

/// A linear layer `[in, out]` + bias.
#[derive(Debug, Clone)]
struct FastLinear {
    w: Vec<f32>,
    b: Vec<f32>,
    d_in: usize,
    d_out: usize,
}

impl FastLinear {
    fn from(l: &Linear) -> Result<Self, TransformerError> {
        let [d_in, d_out] = l.weight.val().dims();
        let b = match &l.bias {
            Some(b) => values(b.val())?,
            None => vec![0.0; d_out],
        };
        Ok(FastLinear {
            w: values(l.weight.val())?,
            b,
            d_in,
            d_out,
        })
    }

    /// Several linears with the same input fused into one (Q, K, V).
    fn concat(parts: &[FastLinear]) -> FastLinear {
        let d_in = parts.first().map_or(0, |p| p.d_in);
        let d_out: usize = parts.iter().map(|p| p.d_out).sum();
        let mut w = vec![0.0; d_in * d_out];
        let mut off = 0;
        for p in parts {
            for i in 0..d_in {
                w[i * d_out + off..i * d_out + off + p.d_out]
                    .copy_from_slice(&p.w[i * p.d_out..(i + 1) * p.d_out]);
            }
            off += p.d_out;
        }
        FastLinear {
            w,
            b: parts.iter().flat_map(|p| p.b.iter().copied()).collect(),
            d_in,
            d_out,
        }
    }

    /// `x [t, in]` → `[t, out]`.
    fn forward(&self, x: &[f32], t: usize) -> Vec<f32> {
        let mut y = vec![0.0; t * self.d_out];
        matmul(t, self.d_in, self.d_out, x, &self.w, &mut y);
        for row in y.chunks_exact_mut(self.d_out) {
            row.iter_mut().zip(&self.b).for_each(|(v, b)| *v += b);
        }
        y
    }
}

/// One projection of an encoder layer, in f32 or int8 ([`FastClassifier::to_int8`]).
#[derive(Debug, Clone)]
enum Proj {
    F32(FastLinear),
    Int8(QuantLinear),
}

impl Proj {
    fn forward(&self, x: &[f32], t: usize) -> Vec<f32> {
        match self {
            Proj::F32(l) => l.forward(x, t),
            Proj::Int8(q) => q.forward(x, t),
        }
    }

    fn quantize(&mut self) {
        if let Proj::F32(l) = self {
            *self = Proj::Int8(QuantLinear::new(&l.w, &l.b, l.d_in, l.d_out));
        }
    }
}

#[derive(Debug, Clone)]
struct FastNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl FastNorm {
    fn from(ln: &LayerNorm, eps: f64) -> Result<Self, TransformerError> {
        let gamma = values(ln.gamma.val())?;
        let beta = match &ln.beta {
            Some(b) => values(b.val())?,
            None => vec![0.0; gamma.len()],
        };
        Ok(FastNorm {
            gamma,
            beta,
            eps: eps as f32,
        })
    }

    fn apply(&self, x: &mut [f32]) {
        tweetner_kernels::layer_norm(x, &self.gamma, &self.beta, self.eps);
    }
}

fn gelu(x: &mut [f32], tanh: bool) {
    if tanh {
        tweetner_kernels::gelu_tanh(x)
    } else {
        tweetner_kernels::gelu_erf(x)
    }
}

#[derive(Debug, Clone)]
struct FastLayer {
    qkv: Proj,
    output: Proj,
    ln1: FastNorm,
    intermediate: Proj,
    ffn_out: Proj,
    ln2: FastNorm,
}

/// The inference copy of a token classifier's encoder and linear layer.
#[derive(Debug, Clone)]
pub struct FastClassifier {
    word: Vec<f32>,
    position: Vec<f32>,
    token_type0: Option<Vec<f32>>,
    ln: FastNorm,
    layers: Vec<FastLayer>,
    rel_bias: Option<Vec<f32>>,
    buckets: usize,
    heads: usize,
    hidden: usize,
    vocab: usize,
    max_positions: usize,
    first_position: usize,
    gelu_tanh: bool,
    classifier: FastLinear,
}

impl FastClassifier {
    /// Copy the weights out of `model` (any device).
    pub fn from_model(model: &TokenClassifier) -> Result<Self, TransformerError> {
        let enc = &model.encoder;
        let c = &enc.config;
        let eps = c.layer_norm_eps();
        let layers = enc
            .layers
            .iter()
            .map(|l| {
                let a = &l.attention;
                Ok(FastLayer {
                    qkv: Proj::F32(FastLinear::concat(&[
                        FastLinear::from(&a.query)?,
                        FastLinear::from(&a.key)?,
                        FastLinear::from(&a.value)?,
                    ])),
                    output: Proj::F32(FastLinear::from(&a.output)?),
                    ln1: FastNorm::from(&a.layer_norm, eps)?,
                    intermediate: Proj::F32(FastLinear::from(&l.intermediate)?),
                    ffn_out: Proj::F32(FastLinear::from(&l.output)?),
                    ln2: FastNorm::from(&l.layer_norm, eps)?,
                })
            })
            .collect::<Result<Vec<_>, TransformerError>>()?;
        let h = c.hidden_size;
        let token_type0 = match &enc.embeddings.token_type {
            Some(tt) => Some(
                values(tt.weight.val())?
                    .get(..h)
                    .map(<[f32]>::to_vec)
                    .ok_or_else(|| TransformerError::Tensor("empty token-type table".into()))?,
            ),
            None => None,
        };
        Ok(FastClassifier {
            word: values(enc.embeddings.word.weight.val())?,
            position: values(enc.embeddings.position.weight.val())?,
            token_type0,
            ln: FastNorm::from(&enc.embeddings.layer_norm, eps)?,
            layers,
            rel_bias: match &enc.relative_attention_bias {
                Some(b) if c.model_type == Architecture::Mpnet => Some(values(b.weight.val())?),
                _ => None,
            },
            buckets: c.relative_attention_num_buckets,
            heads: c.num_attention_heads,
            hidden: h,
            vocab: c.vocab_size,
            max_positions: c.max_position_embeddings,
            first_position: c.first_position(),
            gelu_tanh: layers_gelu_tanh(model),
            classifier: FastLinear::from(&model.classifier)?,
        })
    }

    /// Run the encoder layers' linear projections in int8 (see [`crate::quant`]);
    /// embeddings, attention, norms and the classifier stay `f32`.
    pub fn to_int8(mut self) -> Self {
        for l in &mut self.layers {
            for p in [
                &mut l.qkv,
                &mut l.output,
                &mut l.intermediate,
                &mut l.ffn_out,
            ] {
                p.quantize();
            }
        }
        self
    }

    /// Whether [`FastClassifier::to_int8`] was applied.
    pub fn is_int8(&self) -> bool {
        self.layers.iter().any(|l| matches!(l.qkv, Proj::Int8(_)))
    }

    /// Label scores `[t, labels]` of one window (special tokens included).
    pub fn scores(&self, ids: &[u32]) -> Result<Vec<f32>, TransformerError> {
        let t = ids.len();
        let h = self.hidden;
        if t == 0 {
            return Ok(Vec::new());
        }
        if self.first_position + t > self.max_positions {
            return Err(TransformerError::Input(format!(
                "{t} tokens exceed the {} positions",
                self.max_positions
            )));
        }
        let mut x = vec![0.0f32; t * h];
        for (i, &id) in ids.iter().enumerate() {
            let id = id as usize;
            if id >= self.vocab {
                return Err(TransformerError::Input(format!(
                    "token id {id} outside the vocabulary"
                )));
            }
            let p = self.first_position + i;
            let row = &mut x[i * h..(i + 1) * h];
            for (j, v) in row.iter_mut().enumerate() {
                *v = self.word[id * h + j] + self.position[p * h + j];
            }
            if let Some(tt) = &self.token_type0 {
                row.iter_mut().zip(tt).for_each(|(v, a)| *v += a);
            }
        }
        self.ln.apply(&mut x);
        let bias = self.rel_bias.as_ref().map(|table| {
            let b = relative_buckets(t, self.buckets);
            let mut out = vec![0.0f32; self.heads * t * t];
            for (qk, &bucket) in b.iter().enumerate() {
                for hd in 0..self.heads {
                    out[hd * t * t + qk] = table[bucket as usize * self.heads + hd];
                }
            }
            out
        });
        for layer in &self.layers {
            x = self.layer(layer, &x, t, bias.as_deref());
        }
        Ok(self.classifier.forward(&x, t))
    }

    fn layer(&self, l: &FastLayer, x: &[f32], t: usize, bias: Option<&[f32]>) -> Vec<f32> {
        let h = self.hidden;
        let nh = self.heads.max(1);
        let d = h / nh;
        let qkv = l.qkv.forward(x, t); // [t, 3h]
        let scale = 1.0 / (d as f32).sqrt();
        let mut ctx = vec![0.0f32; t * h];
        let (mut q, mut kt, mut v) = (vec![0.0; t * d], vec![0.0; d * t], vec![0.0; t * d]);
        let mut scores = vec![0.0f32; t * t];
        let mut out = vec![0.0f32; t * d];
        for hd in 0..nh {
            for i in 0..t {
                let row = &qkv[i * 3 * h..(i + 1) * 3 * h];
                q[i * d..(i + 1) * d].copy_from_slice(&row[hd * d..(hd + 1) * d]);
                v[i * d..(i + 1) * d].copy_from_slice(&row[2 * h + hd * d..2 * h + (hd + 1) * d]);
                for j in 0..d {
                    kt[j * t + i] = row[h + hd * d + j];
                }
            }
            matmul(t, d, t, &q, &kt, &mut scores);
            let b = bias.map(|b| &b[hd * t * t..(hd + 1) * t * t]);
            tweetner_kernels::softmax_rows(&mut scores, t, scale, b);
            matmul(t, t, d, &scores, &v, &mut out);
            for i in 0..t {
                ctx[i * h + hd * d..i * h + (hd + 1) * d].copy_from_slice(&out[i * d..(i + 1) * d]);
            }
        }
        let mut a = l.output.forward(&ctx, t);
        tweetner_kernels::add_assign(&mut a, x);
        l.ln1.apply(&mut a);
        let mut inner = l.intermediate.forward(&a, t);
        gelu(&mut inner, self.gelu_tanh);
        let mut y = l.ffn_out.forward(&inner, t);
        tweetner_kernels::add_assign(&mut y, &a);
        l.ln2.apply(&mut y);
        y
    }
}

fn layers_gelu_tanh(model: &TokenClassifier) -> bool {
    model.encoder.layers.first().is_some_and(|l| l.gelu_tanh)
}
