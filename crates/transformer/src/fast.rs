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
        Ok(self.scores_batch(&[ids])?.pop().unwrap_or_default())
    }

    /// [`FastClassifier::scores`] of several windows in one pass. The linear
    /// layers see the rows of all windows together, so each weight block is
    /// fetched once per batch rather than once per tweet; attention stays
    /// within each window.
    pub fn scores_batch(&self, windows: &[&[u32]]) -> Result<Vec<Vec<f32>>, TransformerError> {
        let h = self.hidden;
        let mut segments = Vec::with_capacity(windows.len());
        let mut total = 0;
        for ids in windows {
            if self.first_position + ids.len() > self.max_positions {
                return Err(TransformerError::Input(format!(
                    "{} tokens exceed the {} positions",
                    ids.len(),
                    self.max_positions
                )));
            }
            segments.push(total..total + ids.len());
            total += ids.len();
        }
        let mut x = vec![0.0f32; total * h];
        for (ids, seg) in windows.iter().zip(&segments) {
            self.embed(ids, &mut x[seg.start * h..seg.end * h])?;
        }
        self.ln.apply(&mut x);
        let biases: Vec<Option<Vec<f32>>> = segments
            .iter()
            .map(|seg| self.relative_bias(seg.len()))
            .collect();
        for layer in &self.layers {
            x = self.layer(layer, &x, &segments, &biases);
        }
        let out = self.classifier.forward(&x, total);
        let l = self.classifier.d_out;
        Ok(segments
            .iter()
            .map(|seg| out[seg.start * l..seg.end * l].to_vec())
            .collect())
    }

    /// Word + position (+ token type 0) embeddings of one window into `x [t, h]`.
    fn embed(&self, ids: &[u32], x: &mut [f32]) -> Result<(), TransformerError> {
        let h = self.hidden;
        for (i, (&id, row)) in ids.iter().zip(x.chunks_exact_mut(h)).enumerate() {
            let id = id as usize;
            if id >= self.vocab {
                return Err(TransformerError::Input(format!(
                    "token id {id} outside the vocabulary"
                )));
            }
            let p = self.first_position + i;
            let word = &self.word[id * h..(id + 1) * h];
            let position = &self.position[p * h..(p + 1) * h];
            for ((v, w), q) in row.iter_mut().zip(word).zip(position) {
                *v = w + q;
            }
            if let Some(tt) = &self.token_type0 {
                tweetner_kernels::add_assign(row, tt);
            }
        }
        Ok(())
    }

    /// MPNet's relative-position bias `[heads, t, t]` for a length-`t` window.
    fn relative_bias(&self, t: usize) -> Option<Vec<f32>> {
        self.rel_bias.as_ref().map(|table| {
            let b = relative_buckets(t, self.buckets);
            let mut out = vec![0.0f32; self.heads * t * t];
            for (qk, &bucket) in b.iter().enumerate() {
                for hd in 0..self.heads {
                    out[hd * t * t + qk] = table[bucket as usize * self.heads + hd];
                }
            }
            out
        })
    }

    fn layer(
        &self,
        l: &FastLayer,
        x: &[f32],
        segments: &[std::ops::Range<usize>],
        biases: &[Option<Vec<f32>>],
    ) -> Vec<f32> {
        let h = self.hidden;
        let rows = x.len() / h.max(1);
        let qkv = l.qkv.forward(x, rows); // [rows, 3h]
        let mut ctx = vec![0.0f32; rows * h];
        for (seg, bias) in segments.iter().zip(biases) {
            self.attention(
                &qkv[seg.start * 3 * h..seg.end * 3 * h],
                bias.as_deref(),
                &mut ctx[seg.start * h..seg.end * h],
            );
        }
        let mut a = l.output.forward(&ctx, rows);
        tweetner_kernels::add_assign(&mut a, x);
        l.ln1.apply(&mut a);
        let mut inner = l.intermediate.forward(&a, rows);
        gelu(&mut inner, self.gelu_tanh);
        let mut y = l.ffn_out.forward(&inner, rows);
        tweetner_kernels::add_assign(&mut y, &a);
        l.ln2.apply(&mut y);
        y
    }

    /// Multi-head self-attention of one window: `qkv [t, 3h]` → `ctx [t, h]`.
    fn attention(&self, qkv: &[f32], bias: Option<&[f32]>, ctx: &mut [f32]) {
        let h = self.hidden;
        let nh = self.heads.max(1);
        let d = h / nh;
        let t = ctx.len() / h.max(1);
        let scale = 1.0 / (d as f32).sqrt();
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
    }
}

fn layers_gelu_tanh(model: &TokenClassifier) -> bool {
    model.encoder.layers.first().is_some_and(|l| l.gelu_tanh)
}
