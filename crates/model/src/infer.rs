//! Plain-`f32` inference for [`BiLstmCrf`]: the same network, read from the
//! same weights, without burn's per-op dispatch.
//!
//! A BiLSTM step is a handful of tiny ops; through a tensor framework each op
//! costs more in dispatch than in arithmetic, which caps throughput far below
//! the ≥ 5,000 tweets/s target on two cores. Here all tokens of a batch share
//! one input-projection matmul per direction, the recurrence runs the batch's
//! sentences in lock-step (sorted by length so the live ones are a prefix),
//! and the gate nonlinearities are vectorised. Tests check that emissions
//! agree with the burn forward pass.

use crate::batch::SentenceInput;
use crate::bilstm::BiLstmCrf;
use crate::error::ModelError;
use crate::lstm::LstmDirection;
use crate::predict::{CrfDecoder, Prediction};
use crate::scratch::{zeroed, Scratch, SCRATCH};
use crate::tagger::TaggedSentence;
use crate::util::tensor_to_vec;
use crate::wordtable::WordTable;
use crate::BiLstmCrfConfig;
use tweetner_kernels::{lstm_cell, matmul, tanh_slice};

/// Where a layer writes: columns `col..col+H` of the row-major `[N, stride]` `buf`.
struct Columns<'a> {
    buf: &'a mut [f32],
    stride: usize,
    col: usize,
}

/// One LSTM direction's weights.
#[derive(Debug, Clone)]
struct FastLstm {
    d_in: usize,
    h: usize,
    /// `[D, 4H]`.
    w_ih: Vec<f32>,
    /// `[4H]`.
    bias: Vec<f32>,
    /// `[H, 4H]`.
    w_hh: Vec<f32>,
}

impl FastLstm {
    fn from_burn(dir: &LstmDirection) -> Result<Self, ModelError> {
        let h = dir.d_hidden;
        let [d_in, _] = dir.input.weight.dims();
        let bias = match &dir.input.bias {
            Some(b) => tensor_to_vec(b.val())?,
            None => vec![0.0; 4 * h],
        };
        Ok(FastLstm {
            d_in,
            h,
            w_ih: tensor_to_vec(dir.input.weight.val())?,
            bias,
            w_hh: tensor_to_vec(dir.hidden.weight.val())?,
        })
    }

    /// Run over sequences stored as row ranges `(offset, len)` of `x: [N, D]`,
    /// writing hidden states into `out`. `reverse` runs each sequence right to left.
    fn run(
        &self,
        x: &[f32],
        seqs: &[(usize, usize)],
        reverse: bool,
        out: Columns<'_>,
        scratch: &mut Scratch,
    ) {
        let Columns {
            buf: out,
            stride,
            col,
        } = out;
        let (h, g4) = (self.h, 4 * self.h);
        let n_rows = x.len() / self.d_in.max(1);
        let xp = zeroed(&mut scratch.xp, n_rows * g4);
        for r in 0..n_rows {
            xp[r * g4..(r + 1) * g4].copy_from_slice(&self.bias);
        }
        matmul(n_rows, self.d_in, g4, x, &self.w_ih, xp, true);
        let mut order: Vec<usize> = (0..seqs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(seqs[i].1));
        let max_len = order.first().map_or(0, |&i| seqs[i].1);
        let s = seqs.len();
        let hs = zeroed(&mut scratch.hs, s * h);
        let cs = zeroed(&mut scratch.cs, s * h);
        let gates = zeroed(&mut scratch.gates, s * g4);
        for step in 0..max_len {
            let active = order.iter().take_while(|&&i| seqs[i].1 > step).count();
            matmul(active, h, g4, hs, &self.w_hh, gates, false);
            for (slot, &si) in order.iter().take(active).enumerate() {
                let (off, len) = seqs[si];
                let row = off + if reverse { len - 1 - step } else { step };
                let g = &mut gates[slot * g4..(slot + 1) * g4];
                for (gv, xv) in g.iter_mut().zip(&xp[row * g4..(row + 1) * g4]) {
                    *gv += xv;
                }
                let hslot = &mut hs[slot * h..(slot + 1) * h];
                lstm_cell(g, &mut cs[slot * h..(slot + 1) * h], hslot);
                out[row * stride + col..row * stride + col + h].copy_from_slice(hslot);
            }
        }
    }
}

/// Character encoder weights.
#[derive(Debug, Clone)]
enum FastChars {
    None,
    Cnn {
        /// `[V_c, E]`.
        emb: Vec<f32>,
        dim: usize,
        filters: usize,
        kernel: usize,
        /// `[K * E, F]`, row `k * E + e`.
        w: Vec<f32>,
        bias: Vec<f32>,
    },
    Lstm {
        emb: Vec<f32>,
        dim: usize,
        fwd: FastLstm,
        bwd: FastLstm,
    },
}

/// The BiLSTM-CRF as plain vectors, ready for fast CPU inference.
#[derive(Debug, Clone)]
pub struct FastBiLstmCrf {
    config: BiLstmCrfConfig,
    word_emb: WordTable,
    chars: FastChars,
    layers: Vec<(FastLstm, FastLstm)>,
    /// `[2H, L]`.
    out_w: Vec<f32>,
    out_b: Vec<f32>,
    decoder: CrfDecoder,
}

impl FastBiLstmCrf {
    /// Copy the weights out of a burn model.
    pub fn from_model(model: &BiLstmCrf) -> Result<Self, ModelError> {
        let config = model.config.clone();
        let chars = match (&model.char_cnn, &model.char_lstm) {
            (Some(cnn), _) => {
                let [filters, dim, kernel] = cnn.conv.weight.dims();
                let w_fek = tensor_to_vec(cnn.conv.weight.val())?;
                let mut w = vec![0.0f32; kernel * dim * filters];
                for f in 0..filters {
                    for e in 0..dim {
                        for k in 0..kernel {
                            w[(k * dim + e) * filters + f] = w_fek[(f * dim + e) * kernel + k];
                        }
                    }
                }
                let bias = match &cnn.conv.bias {
                    Some(b) => tensor_to_vec(b.val())?,
                    None => vec![0.0; filters],
                };
                FastChars::Cnn {
                    emb: tensor_to_vec(cnn.embedding.weight.val())?,
                    dim,
                    filters,
                    kernel,
                    w,
                    bias,
                }
            }
            (None, Some(lstm)) => FastChars::Lstm {
                emb: tensor_to_vec(lstm.embedding.weight.val())?,
                dim: lstm.embedding.weight.dims()[1],
                fwd: FastLstm::from_burn(&lstm.forward)?,
                bwd: FastLstm::from_burn(&lstm.backward)?,
            },
            (None, None) => FastChars::None,
        };
        let layers = model
            .layers
            .iter()
            .map(|l| {
                Ok((
                    FastLstm::from_burn(&l.forward)?,
                    FastLstm::from_burn(&l.backward)?,
                ))
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let out_b = match &model.output.bias {
            Some(b) => tensor_to_vec(b.val())?,
            None => vec![0.0; config.labels.len()],
        };
        Ok(FastBiLstmCrf {
            word_emb: WordTable::from_f32(
                tensor_to_vec(model.word_embedding.weight.val())?,
                config.word_dim,
            )?,
            chars,
            layers,
            out_w: tensor_to_vec(model.output.weight.val())?,
            out_b,
            decoder: CrfDecoder::new(model.crf.scores()?, &config.labels),
            config,
        })
    }

    /// Replace the word embedding table (and with it the word vocabulary size), e.g.
    /// by one read straight from the weights file in its stored precision
    /// ([`WordTable::read_safetensors`]), so the network can be built from a burn
    /// model with a one-word placeholder table.
    pub fn with_word_table(mut self, table: WordTable) -> Result<Self, ModelError> {
        if table.dim() != self.config.word_dim {
            return Err(ModelError::Shape(format!(
                "word table has {} dimensions, the network {}",
                table.dim(),
                self.config.word_dim
            )));
        }
        self.config.word_vocab_size = table.rows();
        self.word_emb = table;
        Ok(self)
    }

    /// Divide the CRF's scores by `temperature` for the probabilities (marginals
    /// and entity scores); the tags do not change. See [`CrfDecoder::set_temperature`].
    pub fn set_temperature(&mut self, temperature: f32) -> Result<(), ModelError> {
        self.decoder.set_temperature(temperature)
    }

    /// Add `bias` to every `B-x` label's score; the tags can change. See
    /// [`CrfDecoder::set_entity_bias`].
    pub fn set_entity_bias(&mut self, bias: f32) -> Result<(), ModelError> {
        self.decoder.set_entity_bias(bias)
    }

    /// The first weight tensor holding a NaN or an infinity, by name; `None`
    /// when all are finite. Loaders refuse such a network: it would tag every
    /// text with confident nonsense (one entity, score 1.0, or `null`) while
    /// looking healthy.
    pub fn non_finite_tensor(&self) -> Option<&'static str> {
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let lstm = |l: &FastLstm| finite(&l.w_ih) && finite(&l.w_hh) && finite(&l.bias);
        if !self.word_emb.all_finite() {
            return Some("word embeddings");
        }
        let chars_ok = match &self.chars {
            FastChars::None => true,
            FastChars::Cnn { emb, w, bias, .. } => finite(emb) && finite(w) && finite(bias),
            FastChars::Lstm { emb, fwd, bwd, .. } => finite(emb) && lstm(fwd) && lstm(bwd),
        };
        if !chars_ok {
            return Some("character encoder");
        }
        if !self.layers.iter().all(|(f, b)| lstm(f) && lstm(b)) {
            return Some("BiLSTM layers");
        }
        if !finite(&self.out_w) || !finite(&self.out_b) {
            return Some("output layer");
        }
        let crf = self.decoder.scores();
        if !finite(&crf.transitions) || !finite(&crf.start) || !finite(&crf.end) {
            return Some("CRF transitions");
        }
        None
    }

    /// The word embedding table.
    pub fn word_table(&self) -> &WordTable {
        &self.word_emb
    }

    /// Load a model saved by [`BiLstmCrf::save`] straight into the fast form.
    pub fn load(dir: &std::path::Path) -> Result<Self, ModelError> {
        Self::from_model(&BiLstmCrf::load(dir, &crate::cpu_device())?)
    }

    /// The label list.
    pub fn labels(&self) -> &[String] {
        &self.config.labels
    }

    /// The CRF decoder (Viterbi, marginals), for benches and callers that
    /// compute emissions themselves.
    pub fn decoder(&self) -> &CrfDecoder {
        &self.decoder
    }

    /// Hyper-parameters of the source model.
    pub fn config(&self) -> &BiLstmCrfConfig {
        &self.config
    }

    fn check(&self, sentences: &[SentenceInput]) -> Result<(), ModelError> {
        let c = &self.config;
        for (i, s) in sentences.iter().enumerate() {
            s.check_lengths(i)?;
            if let Some(&w) = s
                .word_ids
                .iter()
                .find(|&&w| w as usize >= c.word_vocab_size)
            {
                return Err(ModelError::Index(format!(
                    "sentence {i}: word id {w} but the vocabulary has {} entries",
                    c.word_vocab_size
                )));
            }
            if !matches!(self.chars, FastChars::None) {
                let bad = s
                    .char_ids
                    .iter()
                    .flatten()
                    .find(|&&ch| ch as usize >= c.char_vocab_size);
                if let Some(&ch) = bad {
                    return Err(ModelError::Index(format!(
                        "sentence {i}: char id {ch} but the vocabulary has {} entries",
                        c.char_vocab_size
                    )));
                }
            }
            if let Some(row) = s.dense.iter().find(|r| r.len() != c.dense_dim) {
                return Err(ModelError::Shape(format!(
                    "sentence {i}: {} dense features, model expects {}",
                    row.len(),
                    c.dense_dim
                )));
            }
        }
        Ok(())
    }

    /// Emissions `[N_tokens, L]` for all tokens of all sentences, concatenated.
    pub fn emissions(&self, sentences: &[SentenceInput]) -> Result<Vec<f32>, ModelError> {
        self.check(sentences)?;
        Ok(SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let out = self.emissions_with(sentences, &mut scratch);
                scratch.trim();
                out
            }
            // Re-entered on this thread (cannot happen today): use fresh buffers.
            Err(_) => self.emissions_with(sentences, &mut Scratch::default()),
        }))
    }

    fn emissions_with(&self, sentences: &[SentenceInput], scratch: &mut Scratch) -> Vec<f32> {
        let c = &self.config;
        let n: usize = sentences.iter().map(|s| s.len()).sum();
        let mut seqs = Vec::with_capacity(sentences.len());
        let mut off = 0;
        for s in sentences {
            seqs.push((off, s.len()));
            off += s.len();
        }
        let d_in = c.input_dim();
        let char_dim = c.char_encoder.output_dim();
        let mut x = std::mem::take(&mut scratch.x);
        zeroed(&mut x, n * d_in);
        let tokens = sentences
            .iter()
            .flat_map(|s| s.word_ids.iter().zip(&s.dense));
        for (row, (&w, dense)) in tokens.enumerate() {
            let dst = &mut x[row * d_in..(row + 1) * d_in];
            let w = w as usize;
            self.word_emb.copy_row(w, &mut dst[..c.word_dim]);
            dst[c.word_dim + char_dim..].copy_from_slice(dense);
        }
        let words: Vec<&Vec<u32>> = sentences.iter().flat_map(|s| &s.char_ids).collect();
        self.encode_chars(&words, &mut x, d_in, c.word_dim, scratch);
        let h = c.hidden_size;
        for (fwd, bwd) in &self.layers {
            let mut y = std::mem::take(&mut scratch.y);
            zeroed(&mut y, n * 2 * h);
            fwd.run(
                &x,
                &seqs,
                false,
                Columns {
                    buf: &mut y,
                    stride: 2 * h,
                    col: 0,
                },
                scratch,
            );
            bwd.run(
                &x,
                &seqs,
                true,
                Columns {
                    buf: &mut y,
                    stride: 2 * h,
                    col: h,
                },
                scratch,
            );
            scratch.y = std::mem::replace(&mut x, y);
        }
        let l = c.labels.len();
        let mut em = vec![0.0f32; n * l];
        for r in 0..n {
            em[r * l..(r + 1) * l].copy_from_slice(&self.out_b);
        }
        matmul(n, 2 * h, l, &x, &self.out_w, &mut em, true);
        scratch.x = x;
        em
    }

    /// Write each token's character encoding into columns `col..` of `x: [N, stride]`.
    fn encode_chars(
        &self,
        words: &[&Vec<u32>],
        x: &mut [f32],
        stride: usize,
        col: usize,
        scratch: &mut Scratch,
    ) {
        let cap = self.config.max_word_chars;
        match &self.chars {
            FastChars::None => {}
            FastChars::Cnn {
                emb,
                dim,
                filters,
                kernel,
                w,
                bias,
            } => {
                let (e, f, k) = (*dim, *filters, *kernel);
                let pad = (k - 1) / 2;
                // im2col: one row of K*E per character position.
                let total: usize = words.iter().map(|cs| cs.len().min(cap)).sum();
                let cols = zeroed(&mut scratch.cols, total * k * e);
                let mut row = 0;
                for cs in words {
                    let len = cs.len().min(cap);
                    for p in 0..len {
                        for kk in 0..k {
                            let src = p + kk;
                            if src < pad || src - pad >= len {
                                continue; // zero padding
                            }
                            let ch = cs[src - pad] as usize;
                            let dst = (row * k + kk) * e;
                            cols[dst..dst + e].copy_from_slice(&emb[ch * e..(ch + 1) * e]);
                        }
                        row += 1;
                    }
                }
                let conv = zeroed(&mut scratch.conv, total * f);
                for r in 0..total {
                    conv[r * f..(r + 1) * f].copy_from_slice(bias);
                }
                matmul(total, k * e, f, cols, w, conv, true);
                let mut start = 0;
                for (tok, cs) in words.iter().enumerate() {
                    let len = cs.len().min(cap);
                    if len == 0 {
                        continue;
                    }
                    let dst = &mut x[tok * stride + col..tok * stride + col + f];
                    dst.copy_from_slice(&conv[start * f..(start + 1) * f]);
                    for p in start + 1..start + len {
                        for (d, v) in dst.iter_mut().zip(&conv[p * f..(p + 1) * f]) {
                            *d = d.max(*v);
                        }
                    }
                    // After the max, as in training (tanh is increasing).
                    tanh_slice(dst);
                    start += len;
                }
            }
            FastChars::Lstm { emb, dim, fwd, bwd } => {
                let e = *dim;
                let h = fwd.h;
                let mut seqs = Vec::new();
                let mut rows = std::mem::take(&mut scratch.chars);
                rows.clear();
                for cs in words {
                    let len = cs.len().min(cap);
                    seqs.push((rows.len() / e.max(1), len));
                    for &ch in cs.iter().take(len) {
                        rows.extend_from_slice(&emb[ch as usize * e..(ch as usize + 1) * e]);
                    }
                }
                let total = rows.len() / e.max(1);
                let mut states = std::mem::take(&mut scratch.states);
                zeroed(&mut states, total * 2 * h);
                fwd.run(
                    &rows,
                    &seqs,
                    false,
                    Columns {
                        buf: &mut states,
                        stride: 2 * h,
                        col: 0,
                    },
                    scratch,
                );
                bwd.run(
                    &rows,
                    &seqs,
                    true,
                    Columns {
                        buf: &mut states,
                        stride: 2 * h,
                        col: h,
                    },
                    scratch,
                );
                for (tok, &(off, len)) in seqs.iter().enumerate() {
                    if len == 0 {
                        continue;
                    }
                    let dst = tok * stride + col;
                    // Forward final state is at the last char, backward final at the first.
                    let last = (off + len - 1) * 2 * h;
                    x[dst..dst + h].copy_from_slice(&states[last..last + h]);
                    x[dst + h..dst + 2 * h]
                        .copy_from_slice(&states[off * 2 * h + h..off * 2 * h + 2 * h]);
                }
                scratch.chars = rows;
                scratch.states = states;
            }
        }
    }

    /// Tag sentences on the calling thread.
    pub fn predict(&self, sentences: &[SentenceInput]) -> Result<Vec<Prediction>, ModelError> {
        let em = self.emissions(sentences)?;
        let l = self.config.labels.len();
        let mut off = 0;
        Ok(sentences
            .iter()
            .map(|s| {
                let p = self.decoder.decode(&em[off * l..(off + s.len()) * l]);
                off += s.len();
                p
            })
            .collect())
    }

    /// Tag sentences split over `threads` worker threads (in order).
    pub fn predict_parallel(
        &self,
        sentences: &[SentenceInput],
        threads: usize,
    ) -> Result<Vec<Prediction>, ModelError> {
        let threads = threads.max(1);
        if threads == 1 || sentences.len() < 2 {
            return self.predict(sentences);
        }
        let chunk = sentences.len().div_ceil(threads);
        let results: Vec<Result<Vec<Prediction>, ModelError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = sentences
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.predict(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ModelError::Tensor("inference thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(sentences.len());
        for r in results {
            out.extend(r?);
        }
        Ok(out)
    }

    /// [`FastBiLstmCrf::predict`] converted to [`TaggedSentence`]s.
    pub fn tag_inputs(
        &self,
        sentences: &[SentenceInput],
    ) -> Result<Vec<TaggedSentence>, ModelError> {
        Ok(self
            .predict(sentences)?
            .iter()
            .map(|p| TaggedSentence::from_prediction(p, &self.config.labels))
            .collect())
    }
}
