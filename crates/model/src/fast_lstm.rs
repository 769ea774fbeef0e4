//! One LSTM direction of [`crate::FastBiLstmCrf`] as plain vectors: the input
//! projection of all tokens of a batch in one matmul, then the recurrence over
//! the batch's sentences in lock-step (sorted by length so the live ones are a
//! prefix of the state rows).

use crate::error::ModelError;
use crate::lstm::LstmDirection;
use crate::scratch::{zeroed, Scratch};
use crate::util::tensor_to_vec;
use tweetner_kernels::{lstm_cell, matmul};

/// Where a layer writes: columns `col..col+H` of the row-major `[N, stride]` `buf`.
pub(crate) struct Columns<'a> {
    pub(crate) buf: &'a mut [f32],
    pub(crate) stride: usize,
    pub(crate) col: usize,
}

/// Where a direction reads its input projections: columns `col..col+4H` of the
/// row-major `[N, stride]` `buf` (one buffer can hold both directions' columns).
pub(crate) struct Projections<'a> {
    pub(crate) buf: &'a [f32],
    pub(crate) stride: usize,
    pub(crate) col: usize,
}

/// One LSTM direction's weights.
#[derive(Debug, Clone)]
pub(crate) struct FastLstm {
    pub(crate) d_in: usize,
    pub(crate) h: usize,
    /// `[D, 4H]`.
    pub(crate) w_ih: Vec<f32>,
    /// `[4H]`.
    pub(crate) bias: Vec<f32>,
    /// `[H, 4H]`.
    w_hh: Vec<f32>,
}

impl FastLstm {
    pub(crate) fn from_burn(dir: &LstmDirection) -> Result<Self, ModelError> {
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

    /// Whether every weight is a finite number.
    pub(crate) fn all_finite(&self) -> bool {
        [&self.w_ih, &self.w_hh, &self.bias]
            .iter()
            .all(|v| v.iter().all(|x| x.is_finite()))
    }

    /// Run over sequences stored as row ranges `(offset, len)` of `x: [N, D]`,
    /// writing hidden states into `out`. `reverse` runs each sequence right to left.
    pub(crate) fn run(
        &self,
        x: &[f32],
        seqs: &[(usize, usize)],
        reverse: bool,
        out: Columns<'_>,
        scratch: &mut Scratch,
    ) {
        let g4 = 4 * self.h;
        let n_rows = x.len() / self.d_in.max(1);
        let mut xp = std::mem::take(&mut scratch.xp);
        zeroed(&mut xp, n_rows * g4);
        for row in xp.chunks_exact_mut(g4) {
            row.copy_from_slice(&self.bias);
        }
        matmul(n_rows, self.d_in, g4, x, &self.w_ih, &mut xp, true);
        let proj = Projections {
            buf: &xp,
            stride: g4,
            col: 0,
        };
        self.recur(proj, seqs, reverse, out, scratch);
        scratch.xp = xp;
    }

    /// The recurrence alone, over input projections (bias included) computed by
    /// the caller.
    pub(crate) fn recur(
        &self,
        xp: Projections<'_>,
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
                let from = row * xp.stride + xp.col;
                for (gv, xv) in g.iter_mut().zip(&xp.buf[from..from + g4]) {
                    *gv += xv;
                }
                let hslot = &mut hs[slot * h..(slot + 1) * h];
                lstm_cell(g, &mut cs[slot * h..(slot + 1) * h], hslot);
                out[row * stride + col..row * stride + col + h].copy_from_slice(hslot);
            }
        }
    }
}
