//! The first BiLSTM layer's input projection, computed block by block.
//!
//! Why: the first layer's `x·W_ih` (word vector, character encoding and dense
//! features, 226 columns in the shipped model, for both directions) was most
//! of the fast tagger's arithmetic, twice the recurrence's. Most of it is known
//! before any text arrives. A word's vector never changes at inference, so the
//! projection of the most frequent words is computed once, at load; the dense
//! columns (orthographic flags, gazetteer membership) are mostly zero, so
//! adding the weight rows of the few non-zero ones costs a fraction of a dense
//! product. Only the character encoding and the rarer words still go through a
//! matmul per token. The result equals the one-matmul projection up to the
//! order of `f32` additions.

use std::borrow::Borrow;

use crate::batch::SentenceInput;
use crate::error::ModelError;
use crate::fast_lstm::FastLstm;
use crate::scratch::{zeroed, Scratch};
use crate::wordtable::WordTable;
use tweetner_kernels::{add_assign, axpy, matmul};

/// Words (by id, from the start of the vocabulary) whose projections are cached.
/// Vocabularies put pretrained words first, in their embeddings' frequency
/// order, so these cover most tweet tokens; 8,192 rows of both directions'
/// projections cost 26 MB in the shipped model (hidden size 100).
pub(crate) const CACHED_WORDS: usize = 8192;

/// Both directions' first-layer input weights, side by side.
#[derive(Debug, Clone)]
pub(crate) struct FirstLayer {
    /// `[D, W]` with `W = 8H`: forward gate columns first, then backward.
    w: Vec<f32>,
    /// `[W]`.
    bias: Vec<f32>,
    width: usize,
    word_dim: usize,
    char_dim: usize,
    /// `[cached, W]`: bias plus the word's projection, for word ids below `cached`.
    words: Vec<f32>,
    cached: usize,
}

impl FirstLayer {
    pub(crate) fn new(
        fwd: &FastLstm,
        bwd: &FastLstm,
        word_dim: usize,
        char_dim: usize,
    ) -> Result<Self, ModelError> {
        if fwd.d_in != bwd.d_in || fwd.h != bwd.h || fwd.d_in < word_dim + char_dim {
            return Err(ModelError::Shape(format!(
                "first layer: directions take {} and {} inputs ({} and {} hidden), \
                 words and characters need {}",
                fwd.d_in,
                bwd.d_in,
                fwd.h,
                bwd.h,
                word_dim + char_dim
            )));
        }
        let (d, g4) = (fwd.d_in, 4 * fwd.h);
        let width = 2 * g4;
        let mut w = Vec::with_capacity(d * width);
        for r in 0..d {
            w.extend_from_slice(&fwd.w_ih[r * g4..(r + 1) * g4]);
            w.extend_from_slice(&bwd.w_ih[r * g4..(r + 1) * g4]);
        }
        let bias = [fwd.bias.as_slice(), bwd.bias.as_slice()].concat();
        Ok(FirstLayer {
            w,
            bias,
            width,
            word_dim,
            char_dim,
            words: Vec::new(),
            cached: 0,
        })
    }

    /// Columns of the combined projection: `8H`.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Precompute the projections of the table's first `rows` words.
    pub(crate) fn cache_words(&mut self, table: &WordTable, rows: usize) {
        let (wd, width) = (self.word_dim, self.width);
        let rows = rows.min(table.rows());
        let mut vectors = vec![0.0f32; rows * wd];
        for (id, dst) in vectors.chunks_exact_mut(wd.max(1)).enumerate().take(rows) {
            table.copy_row(id, dst);
        }
        let mut words = vec![0.0f32; rows * width];
        for row in words.chunks_exact_mut(width) {
            row.copy_from_slice(&self.bias);
        }
        matmul(
            rows,
            wd,
            width,
            &vectors,
            &self.w[..wd * width],
            &mut words,
            true,
        );
        self.words = words;
        self.cached = rows;
    }

    /// Both directions' input projections `[N, 8H]` (bias included) for the
    /// tokens of `sentences`, concatenated, written over `xp`; `chars` holds
    /// their character encodings `[N, char_dim]`.
    pub(crate) fn project<S: Borrow<SentenceInput>>(
        &self,
        sentences: &[S],
        table: &WordTable,
        chars: &[f32],
        xp: &mut Vec<f32>,
        scratch: &mut Scratch,
    ) {
        let (wd, cd, width) = (self.word_dim, self.char_dim, self.width);
        let tokens = sentences
            .iter()
            .map(Borrow::borrow)
            .flat_map(|s: &SentenceInput| s.word_ids.iter().zip(&s.dense));
        let mut rare_rows = Vec::new();
        let mut rare = std::mem::take(&mut scratch.cols);
        rare.clear();
        xp.clear();
        let dense_w = &self.w[(wd + cd) * width..];
        for (row, (&id, dense)) in tokens.enumerate() {
            let id = id as usize;
            if id < self.cached {
                xp.extend_from_slice(&self.words[id * width..(id + 1) * width]);
            } else {
                xp.extend_from_slice(&self.bias);
                rare_rows.push(row);
                let at = rare.len();
                rare.resize(at + wd, 0.0);
                table.copy_row(id, &mut rare[at..]);
            }
            let dst = &mut xp[row * width..];
            for (j, &v) in dense.iter().enumerate() {
                if v != 0.0 {
                    axpy(dst, v, &dense_w[j * width..(j + 1) * width]);
                }
            }
        }
        let n = xp.len() / width;
        if !rare_rows.is_empty() {
            let m = rare_rows.len();
            let out = zeroed(&mut scratch.conv, m * width);
            matmul(m, wd, width, &rare, &self.w[..wd * width], out, false);
            for (i, &row) in rare_rows.iter().enumerate() {
                add_assign(
                    &mut xp[row * width..(row + 1) * width],
                    &out[i * width..(i + 1) * width],
                );
            }
        }
        scratch.cols = rare;
        let char_w = &self.w[wd * width..(wd + cd) * width];
        matmul(n, cd, width, chars, char_w, xp, true);
    }
}
