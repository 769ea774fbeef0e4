//! Plain-`f32` inference for [`BiLstmCrf`]: the same network, read from the
//! same weights, without burn's per-op dispatch.
//!
//! A BiLSTM step is a handful of tiny ops; through a tensor framework each op
//! costs more in dispatch than in arithmetic, which caps throughput far below
//! the ≥ 5,000 tweets/s target on two cores. Here the work that does not
//! depend on the text is done at load (the character CNN folded into
//! per-character tables, `fast_chars.rs`; frequent words' first-layer
//! projections, `first_layer.rs`), the character encodings join each
//! recurrent step's matmul, the rarer words get one matmul per batch and the
//! dense features a sparse sum, the recurrence runs the batch's sentences in
//! lock-step (`fast_lstm.rs`) and the gate nonlinearities are vectorised.
//! Tests check that emissions agree with the burn forward pass.

use std::borrow::Borrow;

use crate::batch::SentenceInput;
use crate::bilstm::BiLstmCrf;
use crate::error::ModelError;
use crate::fast_chars::FastCharCnn;
use crate::fast_lstm::{Columns, FastLstm};
use crate::first_layer::{FirstLayer, CACHED_WORDS};
use crate::predict::{CrfDecoder, Prediction};
use crate::scratch::{zeroed, Scratch, SCRATCH};
use crate::tagger::TaggedSentence;
use crate::util::tensor_to_vec;
use crate::wordtable::WordTable;
use crate::BiLstmCrfConfig;
use tweetner_kernels::matmul_bias;

/// Character encoder weights.
#[derive(Debug, Clone)]
enum FastChars {
    None,
    Cnn(FastCharCnn),
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
    /// Every layer's directions. The first layer runs through `first`, which
    /// holds its input weights rearranged (and its recurrent weights again,
    /// stacked over the character columns).
    layers: Vec<(FastLstm, FastLstm)>,
    first: FirstLayer,
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
            (Some(cnn), _) => FastChars::Cnn(FastCharCnn::from_burn(cnn)?),
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
        let (fwd, bwd) = layers
            .first()
            .ok_or_else(|| ModelError::Config("the network has no BiLSTM layer".into()))?;
        let first = FirstLayer::new(fwd, bwd, config.word_dim, config.char_encoder.output_dim())?;
        let mut fast = FastBiLstmCrf {
            word_emb: WordTable::from_f32(
                tensor_to_vec(model.word_embedding.weight.val())?,
                config.word_dim,
            )?,
            chars,
            layers,
            first,
            out_w: tensor_to_vec(model.output.weight.val())?,
            out_b,
            decoder: CrfDecoder::new(model.crf.scores()?, &config.labels),
            config,
        };
        fast.first.cache_words(&fast.word_emb, CACHED_WORDS);
        Ok(fast)
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
        self.first.cache_words(&table, CACHED_WORDS);
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
        let lstm = |l: &FastLstm| l.all_finite();
        if !self.word_emb.all_finite() {
            return Some("word embeddings");
        }
        let chars_ok = match &self.chars {
            FastChars::None => true,
            FastChars::Cnn(cnn) => cnn.all_finite(),
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

    /// Cache the first layer's projections of the first `rows` words only
    /// (tests: the cached and the computed paths must agree).
    #[cfg(test)]
    pub(crate) fn cache_words(&mut self, rows: usize) {
        self.first.cache_words(&self.word_emb, rows);
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

    fn check<S: Borrow<SentenceInput>>(&self, sentences: &[S]) -> Result<(), ModelError> {
        let c = &self.config;
        for (i, s) in sentences.iter().enumerate() {
            let s = s.borrow();
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
    /// Takes owned sentences or references (`&[SentenceInput]`, `&[&SentenceInput]`).
    pub fn emissions<S: Borrow<SentenceInput>>(
        &self,
        sentences: &[S],
    ) -> Result<Vec<f32>, ModelError> {
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

    fn emissions_with<S: Borrow<SentenceInput>>(
        &self,
        sentences: &[S],
        scratch: &mut Scratch,
    ) -> Vec<f32> {
        let c = &self.config;
        let n: usize = sentences.iter().map(|s| s.borrow().len()).sum();
        let mut seqs = Vec::with_capacity(sentences.len());
        let mut off = 0;
        for s in sentences {
            seqs.push((off, s.borrow().len()));
            off += s.borrow().len();
        }
        let char_dim = c.char_encoder.output_dim();
        let h = c.hidden_size;
        // The first layer: character encodings, then both directions' input
        // projections from words, characters and dense features at once.
        let mut x = std::mem::take(&mut scratch.x);
        zeroed(&mut x, n * char_dim);
        let words: Vec<&Vec<u32>> = sentences
            .iter()
            .flat_map(|s| &s.borrow().char_ids)
            .collect();
        self.encode_chars(&words, &mut x, char_dim, 0, scratch);
        let mut y = std::mem::take(&mut scratch.y);
        zeroed(&mut y, n * 2 * h);
        let (fwd, bwd) = &self.layers[0];
        self.first.run(
            sentences,
            &seqs,
            &self.word_emb,
            &x,
            (fwd, bwd),
            &mut y,
            scratch,
        );
        scratch.y = std::mem::replace(&mut x, y);
        for (fwd, bwd) in &self.layers[1..] {
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
        matmul_bias(n, 2 * h, l, &x, &self.out_w, &self.out_b, &mut em);
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
            FastChars::Cnn(cnn) => cnn.encode(words, x, stride, col, cap),
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

    /// Tag sentences (owned or references) on the calling thread.
    pub fn predict<S: Borrow<SentenceInput>>(
        &self,
        sentences: &[S],
    ) -> Result<Vec<Prediction>, ModelError> {
        let em = self.emissions(sentences)?;
        let l = self.config.labels.len();
        let mut off = 0;
        Ok(sentences
            .iter()
            .map(|s| {
                let len = s.borrow().len();
                let p = self.decoder.decode(&em[off * l..(off + len) * l]);
                off += len;
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
