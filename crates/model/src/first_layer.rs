//! The first BiLSTM layer, with its input projection taken apart by block.
//!
//! Why: the first layer's `x·W_ih` (word vector, character encoding and dense
//! features, 226 columns in the shipped model, for both directions) was most
//! of the fast tagger's arithmetic, twice the recurrence's. Most of it is known
//! before any text arrives. A word's vector never changes at inference, so the
//! projection of the most frequent words is computed once, at load; the dense
//! columns (orthographic flags, gazetteer membership) are mostly zero, so
//! adding the weight rows of the few non-zero ones costs a fraction of a dense
//! product. The character encoding joins the hidden state in each step's
//! matmul (`[h | chars]·[W_hh; W_c]`), so no `[tokens, 8H]` projection buffer
//! is written and read back; only the rarer words get a matmul of their own per
//! batch. The result equals the one-matmul projection up to the order of `f32`
//! additions.

use std::borrow::Borrow;

use crate::batch::SentenceInput;
use crate::error::ModelError;
use crate::fast_lstm::{Columns, FastLstm, StepInput};
use crate::scratch::{zeroed, Scratch};
use crate::wordtable::WordTable;
use tweetner_kernels::{add_assign, axpy, matmul_bias};

/// Words (by id, from the start of the vocabulary) whose projections are cached.
/// Vocabularies put pretrained words first, in their embeddings' frequency
/// order, so these cover most tweet tokens; 8,192 rows of both directions'
/// projections cost 26 MB in the shipped model (hidden size 100).
pub(crate) const CACHED_WORDS: usize = 8192;

/// Both directions' first-layer input weights, side by side.
#[derive(Debug, Clone)]
pub(crate) struct FirstLayer {
    /// `[word_dim, W]` with `W = 8H`: the word rows of both directions' input
    /// weights, forward gate columns first, then backward.
    word_w: Vec<f32>,
    /// `[dense_dim, W]`: the dense feature rows, laid out alike.
    dense_w: Vec<f32>,
    /// `[W]`.
    bias: Vec<f32>,
    width: usize,
    word_dim: usize,
    char_dim: usize,
    /// `[cached, W]`: bias plus the word's projection, for word ids below `cached`.
    words: Vec<f32>,
    cached: usize,
    /// Per direction, `[H + C, 4H]`: its recurrent weights, then its character
    /// columns of `w`.
    rhs: [Vec<f32>; 2],
}

/// Where a row's word projection (bias included) comes from.
#[derive(Clone, Copy)]
enum Base {
    Cached(usize),
    Rare(usize),
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
        let side_by_side = |rows: std::ops::Range<usize>| -> Vec<f32> {
            rows.flat_map(|r| {
                [
                    &fwd.w_ih[r * g4..(r + 1) * g4],
                    &bwd.w_ih[r * g4..(r + 1) * g4],
                ]
            })
            .flatten()
            .copied()
            .collect()
        };
        let bias = [fwd.bias.as_slice(), bwd.bias.as_slice()].concat();
        let rhs = [fwd, bwd].map(|dir| {
            let mut m = dir.w_hh.clone();
            m.extend_from_slice(&dir.w_ih[word_dim * g4..(word_dim + char_dim) * g4]);
            m
        });
        Ok(FirstLayer {
            word_w: side_by_side(0..word_dim),
            dense_w: side_by_side(word_dim + char_dim..d),
            bias,
            width,
            word_dim,
            char_dim,
            words: Vec::new(),
            cached: 0,
            rhs,
        })
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
        matmul_bias(
            rows,
            wd,
            width,
            &vectors,
            &self.word_w,
            &self.bias,
            &mut words,
        );
        self.words = words;
        self.cached = rows;
    }

    /// Run both directions over sequences stored as row ranges `(offset, len)`
    /// of the tokens of `sentences`, writing `[h_fwd | h_bwd]` rows into `y`
    /// (`[N, 2H]`); `chars` holds the tokens' character encodings `[N, C]`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run<S: Borrow<SentenceInput>>(
        &self,
        sentences: &[S],
        seqs: &[(usize, usize)],
        table: &WordTable,
        chars: &[f32],
        (fwd, bwd): (&FastLstm, &FastLstm),
        y: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let (wd, cd, width) = (self.word_dim, self.char_dim, self.width);
        let (h, g4) = (fwd.h, width / 2);
        let rows: Vec<(u32, &[f32])> = sentences
            .iter()
            .map(Borrow::borrow)
            .flat_map(|s: &SentenceInput| s.word_ids.iter().copied().zip(s.dense.iter()))
            .map(|(id, d)| (id, d.as_slice()))
            .collect();
        // Rarer words: one matmul for the batch.
        let mut rare = std::mem::take(&mut scratch.cols);
        rare.clear();
        let mut bases = Vec::with_capacity(rows.len());
        for &(id, _) in &rows {
            let id = id as usize;
            if id < self.cached {
                bases.push(Base::Cached(id));
            } else {
                bases.push(Base::Rare(rare.len() / wd.max(1)));
                let at = rare.len();
                rare.resize(at + wd, 0.0);
                table.copy_row(id, &mut rare[at..]);
            }
        }
        let m = rare.len() / wd.max(1);
        let mut rare_proj = std::mem::take(&mut scratch.conv);
        zeroed(&mut rare_proj, m * width);
        matmul_bias(
            m,
            wd,
            width,
            &rare,
            &self.word_w,
            &self.bias,
            &mut rare_proj,
        );
        for (d, dir) in [fwd, bwd].into_iter().enumerate() {
            let part = d * g4..(d + 1) * g4;
            let input = StepInput {
                rhs: &self.rhs[d],
                extra: cd,
                fill: |row: usize, dst: &mut [f32]| {
                    dst.copy_from_slice(&chars[row * cd..(row + 1) * cd]);
                },
                add: |row: usize, g: &mut [f32]| {
                    let base = match bases[row] {
                        Base::Cached(id) => &self.words[id * width..(id + 1) * width],
                        Base::Rare(i) => &rare_proj[i * width..(i + 1) * width],
                    };
                    add_assign(g, &base[part.clone()]);
                    for (j, &v) in rows[row].1.iter().enumerate() {
                        if v != 0.0 {
                            axpy(
                                g,
                                v,
                                &self.dense_w[j * width..(j + 1) * width][part.clone()],
                            );
                        }
                    }
                },
            };
            let out = Columns {
                buf: y,
                stride: 2 * h,
                col: d * h,
            };
            dir.recur(input, seqs, d == 1, out, scratch);
        }
        scratch.cols = rare;
        scratch.conv = rare_proj;
    }
}
