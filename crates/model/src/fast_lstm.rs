//! One LSTM direction of [`crate::FastBiLstmCrf`] as plain vectors: the input
//! projection of all tokens of a batch in one matmul, then the recurrence over
//! the batch's sentences in lock-step (sorted by length so the live ones are a
//! prefix of the state rows).

use crate::error::ModelError;
use crate::lstm::LstmDirection;
use crate::scratch::{zeroed, Scratch};
use crate::util::tensor_to_vec;
use tweetner_kernels::{add_assign, lstm_cell, matmul, matmul_bias};

/// Where a layer writes: columns `col..col+H` of the row-major `[N, stride]` `buf`.
pub(crate) struct Columns<'a> {
    pub(crate) buf: &'a mut [f32],
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
    pub(crate) w_hh: Vec<f32>,
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
        matmul_bias(n_rows, self.d_in, g4, x, &self.w_ih, &self.bias, &mut xp);
        let input = StepInput {
            rhs: &self.w_hh,
            extra: 0,
            fill: |_: usize, _: &mut [f32]| {},
            add: |row: usize, g: &mut [f32]| add_assign(g, &xp[row * g4..(row + 1) * g4]),
        };
        self.recur(input, seqs, reverse, out, scratch);
        scratch.xp = xp;
    }

    /// The recurrence over sequences stored as row ranges `(offset, len)`.
    /// Each step multiplies `[h | extra columns]` of the live sequences by
    /// `input.rhs`, adds the rest of each row's input projection, and applies
    /// the cell.
    pub(crate) fn recur<F, A>(
        &self,
        mut input: StepInput<'_, F, A>,
        seqs: &[(usize, usize)],
        reverse: bool,
        out: Columns<'_>,
        scratch: &mut Scratch,
    ) where
        F: FnMut(usize, &mut [f32]),
        A: FnMut(usize, &mut [f32]),
    {
        let Columns {
            buf: out,
            stride,
            col,
        } = out;
        let (h, g4) = (self.h, 4 * self.h);
        let hw = h + input.extra;
        let mut order: Vec<usize> = (0..seqs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(seqs[i].1));
        let max_len = order.first().map_or(0, |&i| seqs[i].1);
        let s = seqs.len();
        let hs = zeroed(&mut scratch.hs, s * hw);
        let cs = zeroed(&mut scratch.cs, s * h);
        let gates = zeroed(&mut scratch.gates, s * g4);
        let mut rows = Vec::with_capacity(s);
        for step in 0..max_len {
            rows.clear();
            rows.extend(order.iter().take_while(|&&i| seqs[i].1 > step).map(|&i| {
                let (off, len) = seqs[i];
                off + if reverse { len - 1 - step } else { step }
            }));
            if input.extra > 0 {
                for (slot, &row) in rows.iter().enumerate() {
                    (input.fill)(row, &mut hs[slot * hw + h..(slot + 1) * hw]);
                }
            }
            matmul(rows.len(), hw, g4, hs, input.rhs, gates, false);
            for (slot, &row) in rows.iter().enumerate() {
                let g = &mut gates[slot * g4..(slot + 1) * g4];
                (input.add)(row, g);
                let hslot = &mut hs[slot * hw..slot * hw + h];
                lstm_cell(g, &mut cs[slot * h..(slot + 1) * h], hslot);
                out[row * stride + col..row * stride + col + h].copy_from_slice(hslot);
            }
        }
    }
}

/// What one recurrence step takes besides the hidden state.
pub(crate) struct StepInput<'a, F, A> {
    /// `[H + extra, 4H]`: the recurrent weights, then those of the extra columns.
    pub(crate) rhs: &'a [f32],
    /// Columns after `h` on the matmul's left side.
    pub(crate) extra: usize,
    /// Writes a row's extra columns.
    pub(crate) fill: F,
    /// Adds the rest of a row's input projection (bias included) to its gates.
    pub(crate) add: A,
}
